"""Stereo benchmark: CPU speed at the default size and EPE on the target test split.

    python bench/stereo_bench.py --pretrained runs/pre/model.keras \
        --finetuned runs/ft/model.keras [--out bench/RESULTS_stereo.md]

Speed: training images/s (model.fit on the stereo_finetune config's model, loss and
optimizer, after a warm-up epoch, TF deterministic ops on as in every tflab run) and
inference ms per image (batch 1 latency and batch-16 throughput). Wall clock *and* process
CPU seconds are reported, plus the load average, because the CPU may be shared.
Accuracy: the two saved networks and OpenCV SGBM (blockSize chosen on the validation split)
re-scored on the target test split of stereo_finetune with the same masked metrics.
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
from tfmodels import io  # noqa: E402
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
    args = parser.parse_args(argv)
    config = load_config("stereo_finetune", [])
    host = machine()
    rows, described = accuracy(config, args.pretrained, args.finetuned)
    fast = speed(config, args.speed_images)
    table = evaluate.comparison_table(rows, f"Target test split ({described})")
    text = f"""# Stereo benchmark ({datetime.date.today().isoformat()})

Machine: {host}; load average at the end {os.getloadavg()[0]:.1f}.
Command: `python bench/stereo_bench.py --pretrained {args.pretrained} --finetuned {args.finetuned}`

## Accuracy on the target test split

```
{table}
```

## CPU speed at the default size

{config.image_height}x{config.image_width} pairs, max_disparity {config.max_disparity}, \
base_width {config.base_width}, one CPU replica.

{speed_table(config, fast)}

Training speed excludes tracing (one warm-up epoch) and the per-epoch true-loss and
validation passes; {args.speed_images} rendered target pairs, 2 timed epochs. The CPU was
shared with other jobs, so wall-clock numbers are lower bounds on what an idle machine gives.
"""
    io.write_text(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
