"""Score a stereo network on a data directory, side by side with OpenCV StereoSGBM.

    python -m tfmodels.stereo.evaluate MODEL --data DIR [--max-disparity D] [--calib F]
        [--set data_format=middlebury|kitti|sceneflow|captures] [--out DIR]
        [--vflip] [--lr-check PX] [--median K] [--ensemble MODEL]

Every pair is predicted at its full size (tfmodels.stereo.inference: pad, predict, crop
back, with the test-time options of tfmodels/stereo/options.py) and scored with SGBM on
the same ground-truth pixels (tfmodels.stereo.scoring); per-pair and total rows are
printed and written to OUT/scores.json and OUT/scores.csv (keys epe, bad1, bad2, bad3, d1,
density and the same with sgbm_ in front). Zero-shot and fine-tuned models are scored by
the same command. The module also holds the functions the training run uses for its own
test table.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from tflab import io
from tflab.cli import ArgumentParser, check_out_dir, int_at_least
from tflab.errors import UserError, main_guard


def predict_disparity(model, split, batch_size: int = 16):
    """(N, H, W) float32 disparity predicted for every pair of `split`."""
    from pipelines.stereo.dataset import make_dataset

    inputs = make_dataset(split, batch_size).map(lambda x, y: x)
    return model.predict(inputs, verbose=0)[..., 0]


def network_scores(model, split, batch_size: int = 16) -> dict:
    """EPE / bad-1 / bad-3 of a dense network over the split's valid pixels."""
    from tfmodels.stereo.losses import disparity_errors

    scores = disparity_errors(predict_disparity(model, split, batch_size), split.disparity,
                              split.valid)
    return {"density": 1.0, "epe_valid": scores["epe"], "epe_filled": scores["epe"],
            "bad1_filled": scores["bad1"], "bad3_filled": scores["bad3"]}


def compiled_scores(model, dataset) -> dict:
    """The same scores through a compiled stereo model's own metrics (`model.evaluate`).

    MaskedEPE and BadPixelRate are the same pixel means over valid pixels as
    `disparity_errors` (tests/stereo/test_stereo_metrics.py checks they agree); this path
    reuses the test step that validation already traced instead of tracing a predict graph.
    """
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    return {"density": 1.0, "epe_valid": float(result["epe"]),
            "epe_filled": float(result["epe"]), "bad1_filled": float(result["bad1"]),
            "bad3_filled": float(result["bad3"])}


def load_pretrained(path: str):
    """A model.keras written by a stereo run; UserError if it is missing or not one."""
    if not Path(path).is_file():
        raise UserError(f"pretrained model {path} not found; run `python -m tfmodels.fit "
                        f"stereo_pretrain --out runs/pre` first, or --set pretrained='' to "
                        f"train from random weights")
    from tfmodels.stereo.inference import load_stereo_model

    return load_stereo_model(path, role="pretrained model")


def copy_weights(source, target, source_name: str) -> None:
    """Pretrained weights into a freshly built model of the same architecture.

    A fresh build (not the loaded object) lets the fine-tune config change what carries no
    weights — dropout_p above all — while every weight shape must match exactly.
    """
    src, dst = source.get_weights(), target.get_weights()
    mismatch = len(src) != len(dst) or any(a.shape != b.shape for a, b in zip(src, dst))
    if mismatch:
        raise UserError(f"pretrained model {source_name} has a different architecture "
                        f"({len(src)} weight tensors vs {len(dst)}); use the same "
                        f"max_disparity, volume_scale and base_width it was trained with")
    target.set_weights(src)


ROWS = (("density", "{:.1%}"), ("epe_valid", "{:.3f}"), ("epe_filled", "{:.3f}"),
        ("bad1_filled", "{:.1%}"), ("bad3_filled", "{:.1%}"))


def comparison_table(rows: dict[str, dict], title: str) -> str:
    """Plain-text table: one row per method, columns as in `ROWS`."""
    header = (f"{'method':<34}{'density':>9}{'EPE valid-pred':>16}{'EPE holes-filled':>18}"
              f"{'bad-1':>8}{'bad-3':>8}")
    lines = [title, header, "-" * len(header)]
    for name, scores in rows.items():
        cells = [fmt.format(scores[key]) for key, fmt in ROWS]
        lines.append(f"{name:<34}{cells[0]:>9}{cells[1]:>16}{cells[2]:>18}{cells[3]:>8}"
                     f"{cells[4]:>8}")
    lines.append("EPE in px over ground-truth-valid pixels; 'valid-pred' only where the method "
                 "returned a disparity, 'holes-filled' counts every pixel (SGBM holes filled "
                 "along the row, KITTI-style); bad-k = share of pixels with error > k px, "
                 "holes counted.")
    return "\n".join(lines)


# -- the evaluate command -------------------------------------------------------------------
def evaluate_pairs(model, pairs, max_disparity: int, sgbm_block_size: int = 3,
                   options=None) -> dict:
    """{pair name: scores, ..., "total": scores} for pairs with ground truth.

    `model` is a network or a list of networks to average; `options` the test-time
    InferenceOptions (default: one plain pass).
    """
    from tfmodels.stereo.inference import predict_pair
    from tfmodels.stereo.scoring import PairScorer

    scorer = PairScorer(max_disparity, sgbm_block_size)
    rows = {}
    for pair in pairs:
        start = time.perf_counter()
        prediction = predict_pair(model, pair.left, pair.right, options)
        rows[pair.name] = scorer.score(pair.left, pair.right, prediction, pair.disparity,
                                       pair.valid)
        rows[pair.name]["seconds"] = time.perf_counter() - start
    rows["total"] = scorer.total()
    return rows


def write_scores(out: Path, rows: dict, meta: dict) -> None:
    import pandas as pd

    from tfmodels.stereo.scoring import MEASURED_AS

    io.write_json(out / "scores.json", {**meta, "measured_as": MEASURED_AS,
                                        "pairs": {k: v for k, v in rows.items()
                                                  if k != "total"},
                                        "total": rows["total"]})
    frame = pd.DataFrame([{"pair": name, **row} for name, row in rows.items()])
    io.write_csv(out / "scores.csv", frame)


def sgbm_block_size(text: str) -> int:
    """argparse type: 0 (no SGBM rows) or an odd block size. OpenCV stores any integer but
    matches with 5 when it is not positive, so a wrong value would be scored silently."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or (value % 2 == 0 and value != 0):
        raise argparse.ArgumentTypeError(f"expected an odd block size (1, 3, 5, ...) or 0 "
                                         f"for no SGBM rows, got {text!r}")
    return value


EVALUATE_HELP = """Score a trained stereo network beside OpenCV StereoSGBM on the same pixels.

reads:  MODEL (model.keras of a stereo run); --data, a directory of rectified pairs with
        ground truth (Middlebury, KITTI 2012/2015, SceneFlow or captures layout)
writes: OUT/scores.json and scores.csv: epe, bad1, bad2, bad3, d1, density per pair and in
        total, and the same with sgbm_ in front (default OUT: DATA_eval)
prints: the table, one row per pair and the total, network beside SGBM
"""

EVALUATE_EXAMPLE = """examples:
  python -m tfmodels.stereo.evaluate runs/rich/model.keras --data kitti/training
  python -m tfmodels.stereo.evaluate runs/rich/model.keras --data middlebury/ --max-disparity 96
"""


@main_guard
def main(argv=None) -> int:
    from tfmodels.stereo.cli_args import (add_data_options, add_inference_options,
                                          check_max_disparity, check_model_files,
                                          inference_options, read_data)

    parser = ArgumentParser(prog="python -m tfmodels.stereo.evaluate",
                            description=EVALUATE_HELP, epilog=EVALUATE_EXAMPLE)
    parser.add_argument("model", help="model.keras written by a stereo run")
    parser.add_argument("--data", required=True, help="directory of rectified pairs with "
                        "ground truth (Middlebury, KITTI, SceneFlow or captures layout)")
    parser.add_argument("--max-disparity", type=int_at_least(1), default=None,
                        help="score pixels up to this disparity (default: the model's range); "
                             "ground truth beyond it is counted, not scored")
    parser.add_argument("--sgbm-block-size", type=sgbm_block_size, default=3,
                        help="StereoSGBM blockSize (odd: 1, 3, 5, ...; 0 = no SGBM rows)")
    parser.add_argument("--out", default=None, help="where scores.json/csv go "
                        "(default: DATA_eval next to the data directory)")
    add_data_options(parser)
    add_inference_options(parser)
    args = parser.parse_args(argv)
    options = inference_options(args)
    out = check_out_dir(args.out or f"{Path(args.data).resolve()}_eval")
    check_model_files([args.model, *args.ensemble])
    data_format, pairs = read_data(args.data, args, need_truth=True)
    from tfmodels.stereo.inference import load_stereo_models, model_geometry
    from tfmodels.stereo.scoring import scores_table

    models = load_stereo_models([args.model, *args.ensemble])
    model_max, volume_scale = model_geometry(models[0])
    max_disparity = check_max_disparity(args.max_disparity, model_max)
    rows = evaluate_pairs(models, pairs, max_disparity, args.sgbm_block_size, options)
    title = (f"{len(pairs)} {data_format} pairs from {args.data}, full size; model "
             f"{' + '.join([args.model, *args.ensemble])} (max_disparity {model_max}, cost volume "
             f"1/{volume_scale}); {options.describe()}; scored up to {max_disparity} px; "
             f"SGBM blockSize {args.sgbm_block_size}")
    table = scores_table(rows, title)
    print(table)
    beyond = rows["total"]["n_beyond_max_disparity"]
    if beyond:
        print(f"{beyond} valid ground-truth pixels beyond {max_disparity} px were not scored")
    write_scores(out, rows, {"model": str(args.model), "ensemble": list(args.ensemble),
                             "inference": dataclasses.asdict(options), "data": str(args.data),
                             "data_format": data_format, "max_disparity": max_disparity,
                             "sgbm_block_size": args.sgbm_block_size})
    io.write_text(out / "scores.txt", table + "\n")
    print(f"wrote {out}/{{scores.json, scores.csv, scores.txt}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
