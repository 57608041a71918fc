"""Stereo benchmark: CPU speed at the default size and EPE on the target test split.

    nice -n 19 python bench/stereo_bench.py --pretrained runs/pre/model.keras \
        --finetuned runs/ft/model.keras [--grid grids/stereo_regularisation] \
        [--out bench/RESULTS_stereo.md]

Speed: training images/s (model.fit on the stereo_finetune config's model, loss and
optimizer, after a warm-up epoch, TF deterministic ops on as in every tflab run) and
inference ms per image (batch 1 latency and batch-16 throughput). Wall clock *and* process
CPU seconds are reported, plus the load average, because the CPU may be shared.
Accuracy: the two saved networks and OpenCV SGBM (blockSize chosen on the validation split)
re-scored on the target test split of stereo_finetune with the same masked metrics, here
through `model.predict` and NumPy (float64), independently of the in-run table that
`tfmodels.fit` wrote (compiled Keras metrics); both are printed so they can be compared.
Runs: each run directory's wall time, epochs, why it stopped and its lr cuts; with --grid,
the grid's summary.csv (seed statistics per configuration).
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from configs.base import load_config  # noqa: E402
from pipelines.stereo.dataset import make_dataset  # noqa: E402
from pipelines.stereo.synthetic import load_synthetic, render_split  # noqa: E402
from tflab import io  # noqa: E402
from tfmodels.runtime import seed_everything  # noqa: E402
from tfmodels.stereo import evaluate  # noqa: E402
from tfmodels.stereo.baseline import tuned_sgbm  # noqa: E402
from tfmodels.stereo.losses import MaskedEPE, MaskedSmoothL1  # noqa: E402
from tfmodels.stereo.model import build_stereo_model  # noqa: E402
from tfmodels.stereo.recipe import make_optimizer  # noqa: E402


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def speed(config, n_images: int) -> dict:
    seed_everything(0, True)
    split = render_split("target", n_images, config.image_height, config.image_width,
                         config.max_disparity, seed=99)
    model = build_stereo_model(config.max_disparity, config.dropout_p, config.base_width)
    model.compile(optimizer=make_optimizer(config.learning_rate, config.weight_decay,
                                           config.clipnorm),
                  loss=MaskedSmoothL1(config.huber_delta), metrics=[MaskedEPE()])
    train = make_dataset(split, config.batch_size, shuffle_seed=0)
    model.fit(train, epochs=1, verbose=0)  # warm-up: tracing
    wall, cpu = timed(lambda: model.fit(train, epochs=2, verbose=0))
    out = {"train_images_per_s": 2 * n_images / wall,
           "train_cpu_s_per_image": cpu / (2 * n_images)}
    inputs = {"left": split.left.astype(np.float32), "right": split.right.astype(np.float32)}
    for batch in (1, 16):
        model.predict({k: v[:batch] for k, v in inputs.items()}, batch_size=batch, verbose=0)
        wall, cpu = timed(lambda: model.predict(inputs, batch_size=batch, verbose=0))
        out[f"infer_ms_per_image_b{batch}"] = 1000 * wall / n_images
        out[f"infer_cpu_ms_per_image_b{batch}"] = 1000 * cpu / n_images
    return out


def accuracy(config, pretrained: str, finetuned: str) -> tuple[dict, str]:
    data = load_synthetic(config.domain, config.image_height, config.image_width,
                          config.max_disparity, config.n_train, config.n_val, config.n_test,
                          config.data_seed)
    rows = {"pretrain-only network": evaluate.network_scores(
                evaluate.load_pretrained(pretrained), data.test),
            "fine-tuned network": evaluate.network_scores(
                evaluate.load_pretrained(finetuned), data.test)}
    sgbm = tuned_sgbm(data.validation, data.test, config.max_disparity)
    rows[f"OpenCV StereoSGBM (blockSize {sgbm['block_size']})"] = sgbm
    return rows, f"{len(data.test)} pairs, {data.source}"


def run_record(model_path: str) -> str:
    """One markdown bullet from the run directory that wrote `model_path`."""
    run_dir = Path(model_path).parent
    metrics_file = run_dir / "metrics.json"
    if not metrics_file.is_file():
        return f"- {run_dir}: no metrics.json"
    m = io.read_json(metrics_file)
    cuts = "; ".join(f"epoch {e['epoch']}: {e['from']:.3g} -> {e['to']:.3g}"
                     for e in m.get("lr_events", [])) or "none"
    return (f"- `{run_dir}`: {m['epochs']} epochs, `model.fit` {m['seconds']:.0f} s wall; "
            f"best val_epe {m.get('best_val_epe', float('nan')):.4f} at epoch "
            f"{m.get('best_epoch')}; lr cuts: {cuts}; overfitting warnings "
            f"{m.get('n_warnings_overfitting')}, val-rising warnings "
            f"{m.get('n_warnings_val_rising')}; stop: {m.get('stop_reason', 'n/a')}")


def in_run_table(model_path: str) -> str:
    table = Path(model_path).parent / "test_table.txt"
    return table.read_text().rstrip() if table.is_file() else "(no test_table.txt)"


def grid_section(grid_dir: str | None) -> str:
    if not grid_dir:
        return ""
    import pandas as pd

    grid = Path(grid_dir)
    summary = pd.read_csv(grid / "summary.csv")
    results = pd.read_csv(grid / "results.csv")
    axes = [c for c in ("dropout_p", "weight_decay", "learning_rate") if c in summary]
    keep = axes + [c for c in ("n", "best_val_epe_min", "best_val_epe_median",
                               "best_val_epe_spread", "test_epe_mean", "train_val_gap_mean",
                               "n_lr_reductions_mean", "epochs_mean", "seconds_mean")
                   if c in summary]
    rows = [keep, ["---"] * len(keep)]
    for _, row in summary[keep].iterrows():
        rows.append([f"{row[c]:g}" if isinstance(row[c], float) else str(row[c])
                     for c in keep])
    table = "\n".join("| " + " | ".join(map(str, r)) + " |" for r in rows)
    status = results["status"].value_counts().to_dict()
    seconds = results["seconds"].sum() if "seconds" in results else float("nan")
    return f"""
## Regularisation grid (`{grid}`)

{len(results)} trials ({status}); sum of `model.fit` times {seconds / 60:.1f} min.
summary.csv, one row per configuration over its seeds (best_val_epe = the best epoch's
val EPE of each trial; spread = p90 - min over seeds; *_mean = mean over seeds):

{table}
"""


def speed_table(config, fast: dict) -> str:
    train = (f"training (model.fit, batch {config.batch_size}, AdamW + clipnorm, "
             f"dropout {config.dropout_p})")
    rows = [("measurement", "wall clock", "process CPU time"), ("---", "---", "---"),
            (train, f"{fast['train_images_per_s']:.1f} images/s",
             f"{1000 * fast['train_cpu_s_per_image']:.0f} CPU-ms/image")]
    for batch in (1, 16):
        rows.append((f"inference, batch {batch}",
                     f"{fast[f'infer_ms_per_image_b{batch}']:.1f} ms/image",
                     f"{fast[f'infer_cpu_ms_per_image_b{batch}']:.1f} CPU-ms/image"))
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import tensorflow as tf

    return (f"{cpu}, {os.cpu_count()} logical CPUs, no GPU used; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, TensorFlow "
            f"{tf.__version__}; load average {os.getloadavg()[0]:.1f} at the start")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pretrained", required=True, help="stereo_pretrain model.keras")
    parser.add_argument("--finetuned", required=True, help="stereo_finetune model.keras")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS_stereo.md")))
    parser.add_argument("--speed-images", type=int, default=64)
    parser.add_argument("--grid", default=None, help="grid directory with summary.csv")
    args = parser.parse_args(argv)
    config = load_config("stereo_finetune", [])
    host = machine()
    rows, described = accuracy(config, args.pretrained, args.finetuned)
    fast = speed(config, args.speed_images)
    table = evaluate.comparison_table(rows, f"Target test split ({described})")
    text = f"""# Stereo benchmark ({datetime.date.today().isoformat()})

Machine: {host}; load average at the end {os.getloadavg()[0]:.1f}.
Command: `nice -n 19 python bench/stereo_bench.py {" ".join(sys.argv[1:] if argv is None else argv)}`

## Accuracy on the target test split

Re-scored by this script (`model.predict`, NumPy float64):

```
{table}
```

As written by the fine-tune run itself (`{Path(args.finetuned).parent}/test_table.txt`,
compiled Keras metrics):

```
{in_run_table(args.finetuned)}
```

## Runs

{run_record(args.pretrained)}
{run_record(args.finetuned)}
{grid_section(args.grid)}
## CPU speed at the default size

{config.image_height}x{config.image_width} pairs, max_disparity {config.max_disparity}, \
base_width {config.base_width}, one CPU replica.

{speed_table(config, fast)}

Training speed excludes tracing (one warm-up epoch) and the per-epoch true-loss and
validation passes; {args.speed_images} rendered target pairs, 2 timed epochs. The CPU was
shared with other jobs (nice 19), so wall-clock speeds understate, and ms/image overstate,
what an idle machine gives; the CPU-time column is the load-independent figure.
"""
    io.write_text(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
