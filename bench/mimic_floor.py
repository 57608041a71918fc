"""Benchmark: the compute floor of the mimic_v3 grid on this machine, measured.

    python bench/mimic_floor.py [--epochs 5] [--rounds 4] [--micro-batch 0,500]

For each of the grid's 12 architectures (feature set × depth × width) it times, on ONE
thread, exactly the work an epoch must do and nothing else: the two compiled training
steps (batch 10 000 of the 14 000 training decisions), the inference pass over the training
set (`train_loss_true`) and the one over the validation set (`val_loss`), as the model's
own compiled step (`train_on_batch`, micro-batched as configured) and a bare `tf.function`
of its inference loss, on batches already in memory — no Keras `fit` loop, callbacks, data
pipeline or run directory. Summed over the grid (5 seeds × 100 epochs per architecture) and divided
by the number of cores, that is the shortest the 60-trial grid can take with this model
and data on this CPU, if every core did nothing but these steps. Appends one line per run
to bench/RESULTS_mimic.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def epoch_runner(data, num_layers: int, layer_size: int, micro_batch: int, members: int = 1):
    """A function that runs one bare epoch of this architecture (traced on first call); with
    `members` > 1, one epoch of a seed population of that many members."""
    import keras
    import tensorflow as tf

    from pipelines.movement.datasets import make_dataset
    from tfmodels.mimic.model import build_logodds_model
    from tfmodels.mimic.population import build_population_model

    keras.utils.set_random_seed(0)
    if members > 1:
        model = build_population_model(len(data.feature_names), seeds=list(range(members)),
                                       num_layers=num_layers, layer_size=layer_size,
                                       micro_batch=micro_batch)
        model.compile(optimizer=keras.optimizers.Adam(5e-4))
    else:
        model = build_logodds_model(len(data.feature_names), num_layers=num_layers,
                                    layer_size=layer_size, micro_batch=micro_batch)
        model.compile(optimizer=keras.optimizers.Adam(5e-4),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    train = list(make_dataset(data.train, batch_size=10_000, shuffle=True, seed=0))
    val = list(make_dataset(data.val, batch_size=10_000, shuffle=False, seed=0))
    eval_loss = tf.function(model.inference_loss)  # what TrueTrainingLoss runs per batch

    def one_epoch():
        for x, y in train:
            model.train_on_batch(x, y)  # the model's own (micro-batched) compiled step
        total = 0.0
        for x, y in train + val:
            total += tf.reduce_sum(eval_loss(x, y))
        return float(total)

    one_epoch()  # traces
    return one_epoch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per round")
    parser.add_argument("--rounds", type=int, default=4,
                        help="interleaved rounds over all variants; the minimum is kept")
    parser.add_argument("--micro-batch", default=None,
                        help="decisions per piece of a step, or a comma list to compare "
                             "in the same rounds (default: the config's)")
    parser.add_argument("--population", default="1",
                        help="members per model, or a comma list to compare in the same "
                             "rounds (1 = solo runs; S = one seed population of S members)")
    parser.add_argument("--no-record", action="store_true",
                        help="print only; do not append to bench/RESULTS_mimic.md")
    parser.add_argument("--feature-sets", default=None,
                        help="comma list of feature sets to time (default: the grid's)")
    args = parser.parse_args()
    import tflab  # noqa: F401  (TF process options before TF starts)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from configs.base import load_config
    from tfmodels.families import get_family

    base = load_config("mimic_v3", [])
    grid = base.grid
    micros = ([base.micro_batch] if args.micro_batch is None
              else [int(m) for m in str(args.micro_batch).split(",")])
    family = get_family("mimic")
    cores = os.cpu_count() or 1
    sizes = [int(s) for s in str(args.population).split(",")]
    feature_sets = (args.feature_sets.split(",") if args.feature_sets else grid["feature_set"])
    runners = {}
    for feature_set in feature_sets:
        data = family.load_data(load_config("mimic_v3", [f"feature_set={feature_set}"]), None)
        for layers in grid["num_layers"]:
            for size in grid["layer_size"]:
                for micro in micros:
                    for members in sizes:
                        runners[(micro, members, feature_set, layers, size)] = epoch_runner(
                            data, layers, size, micro, members)
    # The VM's speed drifts by tens of per cent within minutes: every variant is timed in
    # each round, and its fastest round is kept (noise only ever adds time).
    best = {key: float("inf") for key in runners}
    for round_ in range(args.rounds):
        for key, run in runners.items():
            started = time.perf_counter()
            for _ in range(args.epochs):
                run()
            best[key] = min(best[key], (time.perf_counter() - started) / args.epochs)
        print(f"round {round_ + 1}/{args.rounds} done", flush=True)
    seeds, epochs = len(grid["random_seed"]), grid["epochs"][0]
    scale = len(grid["feature_set"]) / len(feature_sets)  # timed slice -> whole grid
    for micro in micros:
        for members in sizes:
            per_epoch = {k[2:]: v for k, v in best.items() if k[:2] == (micro, members)}
            rows = [f"{f} {n}×{w} {s * 1000:.0f} ms" for (f, n, w), s in per_epoch.items()]
            # solo: every seed is its own epoch; a population of S trains S seeds per epoch
            floor = sum(per_epoch.values()) * scale * epochs * seeds / members
            what = (f"seed population of {members} (per epoch of all members)" if members > 1
                    else "solo run")
            line = (f"- {datetime.datetime.now():%Y-%m-%d %H:%M} {platform.machine()} {cores} "
                    f"cores (load {os.getloadavg()[0]:.1f}): `python bench/mimic_floor.py "
                    f"--micro-batch {micro} --population {members}"
                    + (f" --feature-sets {args.feature_sets}" if args.feature_sets else "")
                    + f"` (fastest of {args.rounds} interleaved rounds of {args.epochs} epochs):"
                    f" bare compiled epoch of a {what} (2 training steps + true-loss pass + "
                    f"validation pass, one thread) per architecture: {', '.join(rows)}; the "
                    f"60-run grid's compute floor = {floor / 60:.1f} core-minutes"
                    + (f" (timed slice × {scale:g})" if scale != 1 else "")
                    + f", i.e. **{floor / 60 / cores:.1f} min** on {cores} cores if both did "
                    f"only these steps")
            print(line)
            if not args.no_record:
                with open(ROOT / "bench" / "RESULTS_mimic.md", "a") as results:
                    results.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
