"""Choose the stereo commands' test-time options on synthetic pairs, never on a real pair.

    python bench/stereo_postprocess.py MODEL[+MODEL...] [...] [--pairs 48] [--seed 2026]
        [--cache DIR] [--out DIR]

Renders `--pairs` pairs of the run's own domain and size (read from the run's config.json)
from a seed stream no train/validation/test pair came from, with the true disparity at
every pixel (pipelines.stereo.synthetic.render_dense_split), so occluded and out-of-view
pixels are scored the way Middlebury scores them. The network passes are run once per pair
and network (left view, its vertical flip, and the right view of both; `a+b` averages the
networks' passes, as `predict_pair` does), then for every candidate every combination of
  vflip         off / on,
  lr_threshold  0 (off), 0.5, 1, 2, 3, 5 px,
  median        0 (off), 3, 5, 7, 9, 13
is scored with the family's masked metrics over all pixels (EPE, bad-1/2/3, D1) and over
the visible ones. When the best median is the grid's largest, larger ones (+4 px at a
time) are tried with the best vflip / lr_threshold until the EPE stops falling. The lowest
EPE over all pixels is the choice, per candidate and overall; the options are printed as
the line to put into tfmodels/stereo/options.py (CHOSEN). Before scoring, the first pair's
cached combination is checked against `predict_pair` with the same options (the bench must
score what the commands run).
"""
from __future__ import annotations

import argparse
import dataclasses
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
from tfmodels.stereo.postprocess import clean_disparity, median  # noqa: E402

VFLIP = (False, True)
LR_THRESHOLDS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
MEDIANS = (0, 3, 5, 7, 9, 13)


def cached_passes(model, left, right) -> dict[str, np.ndarray]:
    """The four maps every option combines: left/right view, plain/vertically flipped."""
    return {"left": view_disparity(model, left, right, False),
            "left_flip": view_disparity(model, left[::-1], right[::-1], False)[::-1],
            "right": right_view_disparity(model, left, right, False),
            "right_flip": right_view_disparity(model, left[::-1], right[::-1], False)[::-1]}


def mean_passes(per_model: list[dict]) -> dict[str, np.ndarray]:
    """Passes of several networks averaged map by map (what a list of models predicts)."""
    return {key: np.mean([p[key] for p in per_model], axis=0).astype(np.float32)
            for key in per_model[0]}


def combine(passes: dict, options: InferenceOptions) -> np.ndarray:
    """What predict_pair returns for `options`, from the cached passes."""
    def view(name):
        if options.vflip:
            return ((passes[name] + passes[f"{name}_flip"]) / 2).astype(np.float32)
        return passes[name]

    right = view("right") if options.lr_threshold > 0 else None
    return clean_disparity(view("left"), right, options.lr_threshold, options.median)[0]


def network_passes(model, split, path: str, args) -> list[dict]:
    """cached_passes for every pair, read from / written to --cache when given."""
    cache = None
    if args.cache:
        stem = str(Path(path).resolve()).strip("/").replace("/", "_")
        cache = Path(args.cache) / f"{stem}_n{args.pairs}_s{args.seed}.npz"
        if cache.is_file():
            stored = np.load(cache)
            print(f"network passes of {path}: read from {cache}", flush=True)
            return [{key: stored[f"{key}_{i}"] for key in ("left", "left_flip", "right",
                                                           "right_flip")}
                    for i in range(len(split))]
    start = time.process_time()
    result = [cached_passes(model, l, r) for l, r in zip(split.left, split.right)]
    print(f"network passes of {path}: {time.process_time() - start:.0f} CPU-s", flush=True)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **{f"{key}_{i}": value for i, passes in enumerate(result)
                           for key, value in passes.items()})
    return result


def score_grid(cache: list[dict], split, visible) -> list[dict]:
    """One row per option combination, sorted by EPE over all pixels.

    The check and fill run once per (vflip, lr_threshold); each median is applied to that
    map, which is what clean_disparity does in one call.
    """
    rows = []
    for vflip, lr in itertools.product(VFLIP, LR_THRESHOLDS):
        filled = [combine(passes, InferenceOptions(vflip=vflip, lr_threshold=lr))
                  for passes in cache]
        for med in MEDIANS:
            maps = np.stack([median(m, med) for m in filled])
            every = disparity_errors(maps, split.disparity, split.valid)
            seen = disparity_errors(maps, split.disparity, split.valid & visible)
            rows.append({"vflip": vflip, "lr_threshold": lr, "median": med,
                         **{k: every[k] for k in ERROR_KEYS},
                         **{f"visible_{k}": seen[k] for k in ("epe", "bad3")}})
    rows.sort(key=lambda row: row["epe"])
    best = rows[0]
    size = MEDIANS[-1]
    while best["median"] == size:  # the grid's edge won: look beyond it
        size += 4
        options = InferenceOptions(vflip=best["vflip"], lr_threshold=best["lr_threshold"])
        maps = np.stack([median(combine(passes, options), size) for passes in cache])
        every = disparity_errors(maps, split.disparity, split.valid)
        seen = disparity_errors(maps, split.disparity, split.valid & visible)
        row = {**dataclasses.asdict(options), "median": size,
               **{k: every[k] for k in ERROR_KEYS},
               **{f"visible_{k}": seen[k] for k in ("epe", "bad3")}}
        rows.append(row)
        if row["epe"] < best["epe"]:
            best = row
    return sorted(rows, key=lambda row: row["epe"])


def print_grid(rows: list[dict], title: str) -> None:
    print(title)
    print(f"{'vflip':>6}{'lr':>6}{'median':>8}{'EPE':>8}{'bad-1':>8}{'bad-3':>8}{'D1':>8}"
          f"{'EPE vis':>9}{'bad-3 vis':>10}")
    for row in rows:
        print(f"{row['vflip']!s:>6}{row['lr_threshold']:>6g}{row['median']:>8}"
              f"{row['epe']:>8.3f}{row['bad1']:>8.1%}{row['bad3']:>8.1%}{row['d1']:>8.1%}"
              f"{row['visible_epe']:>9.3f}{row['visible_bad3']:>10.1%}", flush=True)


def options_line(row: dict) -> str:
    return (f"InferenceOptions(vflip={row['vflip']}, lr_threshold={row['lr_threshold']:g}, "
            f"median={row['median']})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("candidates", nargs="+", help="model.keras, or a+b+... to average")
    parser.add_argument("--pairs", type=int, default=48)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=None, help="grid.json / grid.csv go here")
    parser.add_argument("--cache", default=None, help="keep each network's passes here "
                        "(.npz per model, pair count and seed) and reuse them")
    args = parser.parse_args(argv)
    paths = sorted({path for spec in args.candidates for path in spec.split("+")})
    run = json.loads((Path(paths[0]).parent / "config.json").read_text())
    models = dict(zip(paths, load_stereo_models(paths)))
    start = time.process_time()
    split, visible = render_dense_split(run["domain"], args.pairs, run["image_height"],
                                        run["image_width"], run["max_disparity"], args.seed)
    split, beyond = limit_disparity(split, run["max_disparity"])
    print(f"{args.pairs} {run['domain']} pairs {run['image_height']}x{run['image_width']} "
          f"(seed {args.seed}; {1 - visible.mean():.1%} of pixels occluded or out of view; "
          f"{beyond} px beyond max_disparity not scored), rendered in "
          f"{time.process_time() - start:.0f} CPU-s", flush=True)
    passes = {path: network_passes(model, split, path, args) for path, model in models.items()}

    results, best = {}, None
    for spec in args.candidates:
        names = spec.split("+")
        cache = [mean_passes([passes[name][i] for name in names]) for i in range(len(split))]
        probe = InferenceOptions(vflip=True, lr_threshold=1.0, median=5)
        gap = np.abs(predict_pair([models[n] for n in names], split.left[0], split.right[0],
                                  probe) - combine(cache[0], probe)).max()
        assert gap < 1e-4, f"cached combination differs from predict_pair by {gap}"
        rows = score_grid(cache, split, visible)
        print_grid(rows, f"\n{spec}: pixel means over all pixels (and the visible ones)")
        print(f"{spec}: lowest EPE with {options_line(rows[0])}; one plain pass: "
              + next(f"{r['epe']:.3f}" for r in rows if not r["vflip"] and not
                     r["lr_threshold"] and not r["median"]))
        results[spec] = rows
        if best is None or rows[0]["epe"] < best[1]["epe"]:
            best = (spec, rows[0])
    print(f"\nchosen (lowest EPE over all pixels): {best[0]} with CHOSEN = "
          f"{options_line(best[1])}")
    if args.out:
        import pandas as pd

        io.write_json(Path(args.out) / "grid.json", {"pairs": args.pairs, "seed": args.seed,
                                                     "candidates": results,
                                                     "chosen": {"candidate": best[0],
                                                                **best[1]}})
        io.write_csv(Path(args.out) / "grid.csv", pd.DataFrame(
            [{"candidate": spec, **row} for spec, rows in results.items() for row in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
