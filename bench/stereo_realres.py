"""Stereo at 640×480: time and memory per pair, cost volume at 1/2 vs 1/4 resolution.

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 nice -n 5 \
        python bench/stereo_realres.py [--max-disparity 192] [--repeats 3]

For each volume_scale (2, 4) the same network width is built at max_disparity D and run on
random 640×480 pairs (the content does not change the work):
  inference  one compiled forward pass per pair (batch 1), after a warm-up call;
  training   one AdamW step on a whole 640×480 pair (batch 1, masked smooth-L1), after a
             warm-up step;
wall ms per pair (median of `--repeats`), process CPU ms per pair, and TensorFlow's peak
CPU allocation during those calls (`tf.config.experimental.get_memory_info`, BFC allocator:
tensors only, not the Python process). Both scales run in one process, one after the other,
so the ratio between them is the load-independent figure on a shared machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tflab  # noqa: E402,F401
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfmodels.stereo.losses import MaskedSmoothL1  # noqa: E402
from tfmodels.stereo.model import build_stereo_model  # noqa: E402
from tfmodels.stereo.recipe import make_optimizer  # noqa: E402

HEIGHT, WIDTH = 480, 640


def timed(fn, repeats: int) -> tuple[float, float, float]:
    """(median wall ms, mean CPU ms, peak MiB) of `repeats` calls after one warm-up."""
    fn()
    tf.config.experimental.reset_memory_stats("CPU:0")
    walls, cpu = [], time.process_time()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        walls.append(1000 * (time.perf_counter() - start))
    cpu_ms = 1000 * (time.process_time() - cpu) / repeats
    peak = tf.config.experimental.get_memory_info("CPU:0")["peak"] / 2 ** 20
    return statistics.median(walls), cpu_ms, peak


def measure(volume_scale: int, max_disparity: int, width: int, repeats: int) -> dict:
    tf.keras.utils.set_random_seed(0)
    model = build_stereo_model(max_disparity, 0.2, width, volume_scale)
    rng = np.random.default_rng(0)
    pair = {k: tf.constant(rng.uniform(0, 255, (1, HEIGHT, WIDTH, 3)), tf.float32)
            for k in ("left", "right")}
    target = tf.constant(np.stack([rng.uniform(0, max_disparity, (1, HEIGHT, WIDTH)),
                                   np.ones((1, HEIGHT, WIDTH))], -1), tf.float32)
    forward = tf.function(lambda x: model(x, training=False))
    infer = timed(lambda: forward(pair).numpy(), repeats)
    model.compile(optimizer=make_optimizer(5e-5, 1e-5, 1.0), loss=MaskedSmoothL1(1.0))
    train = timed(lambda: model.train_on_batch(pair, target), repeats)
    return {"volume_scale": volume_scale, "bins": max_disparity // volume_scale + 1,
            "params": model.count_params(), "infer": infer, "train": train}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-disparity", type=int, default=192)
    parser.add_argument("--base-width", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = [measure(s, args.max_disparity, args.base_width, args.repeats) for s in (2, 4)]
    threads = os.environ.get("TF_NUM_INTRAOP_THREADS", "TensorFlow's default")
    print(f"640x480 pairs, max_disparity {args.max_disparity}, base_width {args.base_width}, "
          f"batch 1, TF_NUM_INTRAOP_THREADS={threads}; CPU-ms = process CPU time (all "
          f"threads), the figure that does not depend on how busy the machine is")
    print("| cost volume | bins | params | inference ms/pair (wall, median) | inference "
          "CPU-ms/pair | inference peak MiB | training ms/pair (wall, median) | training "
          "CPU-ms/pair | training peak MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        (iw, ic, im), (tw, tc, tm) = r["infer"], r["train"]
        print(f"| 1/{r['volume_scale']} | {r['bins']} | {r['params']:,} | {iw:.0f} | {ic:.0f} | "
              f"{im:.0f} | {tw:.0f} | {tc:.0f} | {tm:.0f} |")
    half, quarter = rows
    print(f"1/4 vs 1/2: inference wall x{half['infer'][0] / quarter['infer'][0]:.2f} faster, "
          f"peak memory x{half['infer'][2] / quarter['infer'][2]:.2f} smaller; training wall "
          f"x{half['train'][0] / quarter['train'][0]:.2f} faster, peak memory "
          f"x{half['train'][2] / quarter['train'][2]:.2f} smaller")
    return 0


if __name__ == "__main__":
    sys.exit(main())
