"""What the stereo `predict` and `evaluate` commands share: data and test-time options.

Both read and check the data (layout, sizes, calibration keys, PFM headers) with NumPy and
OpenCV only, before TensorFlow is imported, so a bad directory costs one line and exit 2.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.stereo.formats import FORMATS, read_pairs
from tflab.cli import float_at_least, int_at_least
from tflab.errors import UserError
from tfmodels.stereo.options import CHOSEN, InferenceOptions

SETTABLE = ("data_format",)


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calib", default=None,
                        help="calibration: calib.npz (focal_px, baseline_m[, doffs_px]) or a "
                             "Middlebury calib.txt; default: the one in the data directory")
    parser.add_argument("--set", action="append", default=[], metavar="data_format=NAME",
                        help=f"name the layout instead of recognising it: {', '.join(FORMATS)}")


def data_settings(pairs_of_set: list[str]) -> dict:
    """`--set key=value` for the keys these commands take (only data_format)."""
    settings = {}
    for item in pairs_of_set:
        key, sep, value = item.partition("=")
        if not sep or key not in SETTABLE:
            raise UserError(f"--set {item!r}: these commands take --set data_format=NAME "
                            f"(one of {', '.join(FORMATS)})")
        settings[key] = value
    return settings


def read_data(root: str, args, need_truth: bool):
    """(format, pairs) of `root` with the command's --calib and --set data_format."""
    settings = data_settings(args.set)
    return read_pairs(root, settings.get("data_format", ""), args.calib, need_truth)


def check_model_files(paths: list[str]) -> None:
    """MODEL and every --ensemble file exist, checked before TensorFlow loads."""
    for path in paths:
        if not Path(path).is_file():
            raise UserError(f"model {path} not found; give a model.keras written by a stereo "
                            f"run, e.g. runs/rich/model.keras")


def check_max_disparity(requested: int | None, model_max: int) -> int:
    """The scoring range: the model's own unless a smaller one is asked for."""
    if requested is None:
        return model_max
    if not 1 <= requested <= model_max:
        raise UserError(f"--max-disparity {requested} is outside 1..{model_max}, the range "
                        f"this network's cost volume covers")
    return requested


def add_inference_options(parser: argparse.ArgumentParser) -> None:
    """--vflip/--no-vflip, --lr-check PX, --median K, --ensemble MODEL (defaults: CHOSEN)."""
    parser.add_argument("--vflip", action=argparse.BooleanOptionalAction, default=CHOSEN.vflip,
                        help="also predict the vertically flipped pair and average (2x the "
                             "passes)")
    parser.add_argument("--lr-check", type=float_at_least(0), default=CHOSEN.lr_threshold,
                        metavar="PX",
                        help="left-right consistency threshold in px: also predict the right "
                             "view (swapped, mirrored pair; 2x the passes), refuse left pixels "
                             "whose match does not lead back within PX and fill them from the "
                             "background along the row; 0 = off")
    parser.add_argument("--median", type=int_at_least(0), default=CHOSEN.median, metavar="K",
                        help="KxK median filter on the result; 0 = off")
    parser.add_argument("--ensemble", action="append", default=[], metavar="MODEL",
                        help="another model.keras of the same geometry whose disparity is "
                             "averaged with MODEL's (repeatable)")
    parser.epilog = (parser.epilog or "") + (
        f"\ntest-time default: {CHOSEN.describe()} (chosen on synthetic pairs, "
        f"bench/stereo_postprocess.py)\n")


def inference_options(args) -> InferenceOptions:
    """The parsed test-time options (their ranges are checked by the argument types)."""
    return InferenceOptions(vflip=args.vflip, lr_threshold=args.lr_check, median=args.median)
