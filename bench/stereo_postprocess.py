"""Choose the stereo commands' test-time options on synthetic pairs, never on a real pair.

    python bench/stereo_postprocess.py MODEL[+MODEL...] [--pairs 48] [--seed 2026] [--out DIR]

Renders `--pairs` pairs of the run's own domain and size (read from the run's config.json)
from a seed stream no train/validation/test pair came from, with the true disparity at
every pixel (pipelines.stereo.synthetic.render_dense_split), so occluded and out-of-view
pixels are scored the way Middlebury scores them. The network passes are run once per pair
(left view, its vertical flip, and the right view of both), then every combination of
  vflip         off / on,
  lr_threshold  0 (off), 0.5, 1, 2, 3, 5 px,
  median        0 (off), 3, 5, 7, 9
is scored with the family's masked metrics over all pixels (EPE, bad-1/2/3, D1) and over
the visible ones. The lowest EPE over all pixels is the choice; it is printed as the line
to put into tfmodels/stereo/options.py (CHOSEN). Before scoring, the first pair's cached
combination is checked against `predict_pair` with the same options (the bench must score
what the commands run).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from pipelines.stereo.crops import limit_disparity  # noqa: E402
from pipelines.stereo.synthetic import render_dense_split  # noqa: E402
from tflab import io  # noqa: E402
from tfmodels.stereo.inference import (load_stereo_models, predict_pair,  # noqa: E402
                                       right_view_disparity, view_disparity)
from tfmodels.stereo.losses import ERROR_KEYS, disparity_errors  # noqa: E402
from tfmodels.stereo.options import InferenceOptions  # noqa: E402
from tfmodels.stereo.postprocess import clean_disparity  # noqa: E402

VFLIP = (False, True)
LR_THRESHOLDS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
MEDIANS = (0, 3, 5, 7, 9)


def cached_passes(models, left, right) -> dict[str, np.ndarray]:
    """The four maps every option combines: left/right view, plain/vertically flipped."""
    return {"left": view_disparity(models, left, right, False),
            "left_flip": view_disparity(models, left[::-1], right[::-1], False)[::-1],
            "right": right_view_disparity(models, left, right, False),
            "right_flip": right_view_disparity(models, left[::-1], right[::-1], False)[::-1]}


def combine(passes: dict, options: InferenceOptions) -> np.ndarray:
    """What predict_pair returns for `options`, from the cached passes."""
    def view(name):
        if options.vflip:
            return ((passes[name] + passes[f"{name}_flip"]) / 2).astype(np.float32)
        return passes[name]

    right = view("right") if options.lr_threshold > 0 else None
    return clean_disparity(view("left"), right, options.lr_threshold, options.median)[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model.keras, or a+b+... to average")
    parser.add_argument("--pairs", type=int, default=48)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=None, help="grid.json / grid.csv go here")
    args = parser.parse_args(argv)
    paths = args.model.split("+")
    run = json.loads((Path(paths[0]).parent / "config.json").read_text())
    models = load_stereo_models(paths)
    start = time.process_time()
    split, visible = render_dense_split(run["domain"], args.pairs, run["image_height"],
                                        run["image_width"], run["max_disparity"], args.seed)
    split, beyond = limit_disparity(split, run["max_disparity"])
    print(f"{args.pairs} {run['domain']} pairs {run['image_height']}x{run['image_width']} "
          f"(seed {args.seed}; {1 - visible.mean():.1%} of pixels occluded or out of view; "
          f"{beyond} px beyond max_disparity not scored), rendered in "
          f"{time.process_time() - start:.0f} CPU-s", flush=True)
    start = time.process_time()
    cache = [cached_passes(models, l, r) for l, r in zip(split.left, split.right)]
    print(f"network passes: {time.process_time() - start:.0f} CPU-s", flush=True)

    probe = InferenceOptions(vflip=True, lr_threshold=1.0, median=5)
    gap = np.abs(predict_pair(models, split.left[0], split.right[0], probe)
                 - combine(cache[0], probe)).max()
    assert gap < 1e-4, f"cached combination differs from predict_pair by {gap}"

    rows = []
    for vflip, lr, med in itertools.product(VFLIP, LR_THRESHOLDS, MEDIANS):
        options = InferenceOptions(vflip=vflip, lr_threshold=lr, median=med)
        maps = np.stack([combine(passes, options) for passes in cache])
        every = disparity_errors(maps, split.disparity, split.valid)
        seen = disparity_errors(maps, split.disparity, split.valid & visible)
        rows.append({"vflip": vflip, "lr_threshold": lr, "median": med,
                     **{k: every[k] for k in ERROR_KEYS},
                     **{f"visible_{k}": seen[k] for k in ("epe", "bad3")}})
    rows.sort(key=lambda row: row["epe"])
    print(f"{'vflip':>6}{'lr':>6}{'median':>8}{'EPE':>8}{'bad-1':>8}{'bad-3':>8}{'D1':>8}"
          f"{'EPE vis':>9}{'bad-3 vis':>10}")
    for row in rows:
        print(f"{row['vflip']!s:>6}{row['lr_threshold']:>6g}{row['median']:>8}"
              f"{row['epe']:>8.3f}{row['bad1']:>8.1%}{row['bad3']:>8.1%}{row['d1']:>8.1%}"
              f"{row['visible_epe']:>9.3f}{row['visible_bad3']:>10.1%}")
    best = rows[0]
    print(f"chosen (lowest EPE over all pixels): CHOSEN = InferenceOptions(vflip="
          f"{best['vflip']}, lr_threshold={best['lr_threshold']:g}, median={best['median']})")
    if args.out:
        import pandas as pd

        io.write_json(Path(args.out) / "grid.json", {"model": args.model, "pairs": args.pairs,
                                                     "seed": args.seed, "rows": rows})
        io.write_csv(Path(args.out) / "grid.csv", pd.DataFrame(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
