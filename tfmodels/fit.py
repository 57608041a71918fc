"""Fit one config into one run directory: `python -m tfmodels.fit CONFIG`.

Every Keras family trains through `fit_keras`, so every run directory looks the same
(config.json, history.csv, metrics.json, model.keras, tensorboard/; see `CLI_HELP`).
The family builds and compiles its model inside the strategy scope it is handed
(`make_experiment(strategy)`); this module adds the callbacks that make the numbers honest.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path
from typing import Callable

from configs.base import BaseConfig, load_config
from configs.catalog import add_config_arguments, add_run_arguments, listed
from configs.families import all_specs
from tflab import io
from tflab.cli import ArgumentParser, check_out_dir
from tflab.errors import UserError, main_guard

# TensorFlow, Keras and pandas are imported where they are used: TF prints start-up lines
# on stderr that no setting silences, so a config typo must be caught before TF loads.

MEASUREMENT_NOTES = {
    "loss": "running mean of batch losses during the epoch, weights changing, train mode",
    "train_loss_true": "one inference-mode pass over the training set after the epoch",
    "val_loss": "inference-mode pass over the validation set after the epoch",
    "seconds": "wall clock of model.fit including the per-epoch true-loss and val passes",
}


@dataclasses.dataclass
class KerasExperiment:
    """Everything `fit_keras` needs from a family, built inside the strategy scope."""

    model: keras.Model
    train: tf.data.Dataset
    train_eval: tf.data.Dataset
    val: tf.data.Dataset | None
    callbacks: list = dataclasses.field(default_factory=list)
    monitor: str = "val_loss"
    steps_per_epoch: int | None = None  # set when `train` is an endless stream of epochs
    true_metrics: dict = dataclasses.field(default_factory=dict)  # name -> per-example fn


def compile_options(config: BaseConfig, strategy: tf.distribute.Strategy) -> dict:
    """XLA and multi-step execution, only where they work.

    Measured with Keras 3.15 / TF 2.21: under a MirroredStrategy with more than one
    replica, `jit_compile=True` fails (XLA cannot reach variables on the other device) and
    `steps_per_execution > 1` fails inside Keras' multi-step loop; so both fall back to the
    plain path there. XLA is also off when `config.deterministic` is set (Keras refuses it
    under TF's deterministic-op mode). Configs without these fields get Keras' defaults.
    """
    jit = bool(getattr(config, "jit_compile", False)) and not config.deterministic
    steps = int(getattr(config, "steps_per_execution", 1))
    if strategy.num_replicas_in_sync > 1:
        return {"jit_compile": False, "steps_per_execution": 1}
    return {"jit_compile": jit, "steps_per_execution": steps}


class TrainingDiverged(RuntimeError):
    """Raised when the loss became NaN/inf; the grid marks the trial failed and goes on."""


def _history_frame(history):
    import pandas as pd

    frame = pd.DataFrame(history.history)
    frame.insert(0, "epoch", range(1, len(frame) + 1))
    return frame


def summarise_history(frame, monitor: str) -> dict:
    """Final value of every logged column, plus the best epoch by `monitor`."""
    metrics = {}
    last = frame.iloc[-1]
    for column in frame.columns:
        if column != "epoch":
            metrics[column] = float(last[column])
    if monitor in frame and frame[monitor].notna().any():
        best = frame.loc[frame[monitor].idxmin()]
        metrics["best_epoch"] = int(best["epoch"])
        for column in frame.columns:
            if column != "epoch":
                metrics[f"best_{column}"] = float(best[column])
    return metrics


def fit_keras(config: BaseConfig, make_experiment: Callable[[tf.distribute.Strategy],
                                                            KerasExperiment],
              run_dir: str | Path, *, verbose: int = 1,
              final_metrics: Callable[[keras.Model], dict] | None = None,
              finish: Callable[[keras.Model, dict], None] | None = None,
              measured_as: dict | None = None) -> tuple[keras.Model, dict]:
    """Train `config` and write its run directory once. Returns (model, metrics).

    The one Keras training skeleton every Keras family shares: the model is built under the
    strategy (`make_experiment`), fitted with the true-loss callback, scored
    (`final_metrics(model)`), saved; then the family's `finish(model, metrics)` writes its
    own artifacts and adds what only it knows to `metrics` (with `measured_as` notes), and
    metrics.json is written last, once."""
    import keras

    from tfmodels.callbacks import EpochLine, StopOnNaN, TrueTrainingLoss
    from tfmodels.runtime import get_strategy, seed_everything

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    io.write_json(run_dir / "config.json", config.to_dict())
    seed_everything(config.random_seed, config.deterministic)
    strategy = get_strategy()
    with strategy.scope():
        experiment = make_experiment(strategy)
    true_loss = TrueTrainingLoss(experiment.train_eval, strategy, extra=experiment.true_metrics)
    nan_guard = StopOnNaN()
    callbacks = [true_loss, nan_guard, *experiment.callbacks,
                 keras.callbacks.TensorBoard(str(run_dir / "tensorboard"), write_graph=False,
                                             profile_batch=0)]
    if verbose:
        callbacks.append(EpochLine(config.epochs))
    started = time.perf_counter()
    history = experiment.model.fit(experiment.train, validation_data=experiment.val,
                                   epochs=config.epochs, callbacks=callbacks, verbose=0,
                                   steps_per_epoch=experiment.steps_per_epoch,
                                   shuffle=False)  # datasets shuffle themselves, seeded
    seconds = time.perf_counter() - started
    frame = _history_frame(history)
    io.write_csv(run_dir / "history.csv", frame)
    if nan_guard.diverged:
        raise TrainingDiverged(f"loss became non-finite at epoch {len(frame)} "
                               f"(learning_rate={config.learning_rate})")
    metrics = summarise_history(frame, experiment.monitor)
    metrics.update(epochs=len(frame), seconds=seconds)
    if final_metrics is not None:
        metrics.update(final_metrics(experiment.model))
    metrics["measured_as"] = {k: v for k, v in MEASUREMENT_NOTES.items() if k in metrics
                              or k == "loss"}
    metrics["measured_as"].update(measured_as or {})
    with io.atomic_path(run_dir / "model.keras") as tmp:
        experiment.model.save(tmp)
    if finish is not None:
        finish(experiment.model, metrics)
    io.write_json(run_dir / "metrics.json", metrics)
    return experiment.model, metrics


# ---------------------------------------------------------------------------------- CLI
# family shortcut flags, declared in each family's spec (configs/families/NAME.py)
ALIASES = {field: (metavar, text) for spec in all_specs().values()
           for field, metavar, text in spec.cli_aliases}

CLI_HELP = """Train one config (configs/CONFIG.py) and write one run directory.

reads:  the config, with --set overrides; its data from --data (mimic: tracks or a choice
        table, CSV/Parquet; stereo: a captures folder + --calib; catan: a folder made by
        python -m pipelines.catan) or, without --data, the config's built-in simulator,
        generated once into $TFLAB_DATA_DIR (default ~/.cache/tflab/tfds)
writes: RUN_DIR (--out, default runs/CONFIG): config.json (resolved config), history.csv
        (one row per epoch: running loss and train_loss_true), metrics.json (final and
        best values, each with how it was measured), model.keras, tensorboard/
prints: one line per epoch (a bar with time left on a terminal), then the final metrics
"""

CLI_EXAMPLE = """examples:
  python -m tfmodels.fit mimic_v3 --out runs/a --set num_layers=3 --set layer_size=32
  python -m tfmodels.fit mimic_v3 --seeds 0,1,2,3,4 --out runs/p   # runs/p/seed_K
  python -m tfmodels.fit --list                 # every config, with what it is for
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m tfmodels.fit", description=CLI_HELP,
                            epilog=CLI_EXAMPLE)
    add_config_arguments(parser, "config name: a file configs/CONFIG.py (see --list)")
    add_run_arguments(parser, out_metavar="RUN_DIR", out_help="run directory (default "
                      "runs/CONFIG)", set_help="override a config field (type-checked, "
                      "repeatable), e.g. --set epochs=5")
    for field, (metavar, text) in ALIASES.items():
        parser.add_argument(f"--{field}", default=None, metavar=metavar, help=text)
    parser.add_argument("--seeds", default=None, metavar="K,K,...",
                        help="train these random seeds together as one seed population "
                        "(families that support it: mimic); one run directory per seed, "
                        "RUN_DIR/seed_K, each equal to a solo run with --set random_seed=K")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    return parser


def config_from_args(args: argparse.Namespace) -> BaseConfig:
    overrides = list(args.overrides)
    for field in ALIASES:
        value = getattr(args, field, None)
        if value is not None:
            overrides.append(f"{field}={value}")
    return load_config(args.config, overrides)


@main_guard
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if listed(args, "python -m tfmodels.fit", "mimic_v3"):
        return 0
    config = config_from_args(args)  # before TensorFlow loads: typos fail in one clean line
    run_dir = check_out_dir(args.out or Path("runs") / config.name)
    from tfmodels.families import get_family

    family = get_family(config.family)
    seeds = parse_seeds(args.seeds, family) if args.seeds is not None else None
    if seeds and not getattr(family, "supports_population", lambda c: False)(config):
        raise UserError(f"{config.name} ({family.name} family, with these settings) does "
                        f"not train seed populations; run one fit per seed with "
                        f"--set random_seed=K")
    # Families that import TensorFlow lazily validate their data before it loads, so a bad
    # file or folder is reported in one line without TF's start-up notices on stderr.
    data = family.load_data(config, args.data)
    from tfmodels.runtime import quiet_console

    quiet_console()
    if seeds:
        return fit_seed_population(family, config, data, seeds, run_dir, args.quiet)
    print(f"fit {config.name} ({family.name}) -> {run_dir}", flush=True)
    try:
        metrics = family.train(config, data, run_dir, verbose=0 if args.quiet else 1)
    except TrainingDiverged as err:
        raise UserError(f"training diverged: {err}; lower learning_rate with "
                        f"--set learning_rate=...") from None
    shown = {k: v for k, v in metrics.items() if isinstance(v, (int, float))
             and not k.startswith("best_") and math.isfinite(float(v))}
    print("final: " + "  ".join(f"{k}={v:.5g}" for k, v in sorted(shown.items())))
    print(f"wrote {run_dir}/{{{', '.join(written(run_dir))}}}")
    return 0


def written(run_dir: Path) -> list[str]:
    """What the run directory holds, as the closing line shows it."""
    return sorted(p.name + ("/" if p.is_dir() else "") for p in Path(run_dir).iterdir())


def parse_seeds(text: str, family) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UserError(f"--seeds takes comma-separated integers, e.g. --seeds 0,1,2; "
                        f"got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise UserError(f"--seeds needs distinct integers, e.g. --seeds 0,1,2; got {text!r}")
    return seeds


def fit_seed_population(family, config: BaseConfig, data, seeds: list[int], out: Path,
                        quiet: bool) -> int:
    """`--seeds`: one population, one run directory per member (OUT/seed_K)."""
    configs = [config.with_values({"random_seed": seed}) for seed in seeds]
    print(f"fit {config.name} ({family.name}) as a seed population of {len(seeds)} "
          f"(seeds {','.join(map(str, seeds))}) -> {out}/seed_K", flush=True)
    results = family.train_population(configs, data, [out / f"seed_{s}" for s in seeds],
                                      verbose=0 if quiet else 1)
    for result in results:
        if result.failed:
            print(f"seed {result.config.random_seed}: FAILED: {result.failed}")
            continue
        shown = {k: v for k, v in result.metrics.items() if k in SHOWN_PER_MEMBER}
        print(f"seed {result.config.random_seed}: " + "  ".join(
            f"{k}={v:.5g}" for k, v in shown.items()) + f"  -> {result.run_dir}")
    print(f"wrote {out}/seed_K/{{{', '.join(written(out / f'seed_{seeds[0]}'))}}} for K in "
          f"{','.join(map(str, seeds))}")
    return 1 if all(r.failed for r in results) else 0


SHOWN_PER_MEMBER = ("train_loss_true", "val_loss", "best_val_loss", "best_epoch", "gmp_val",
                    "gmp_val_moving")


if __name__ == "__main__":
    sys.exit(main())
