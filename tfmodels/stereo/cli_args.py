"""What the stereo `predict` and `evaluate` commands share: data options, reading the pairs.

Both read and check the data (layout, sizes, calibration keys, PFM headers) with NumPy and
OpenCV only, before TensorFlow is imported, so a bad directory costs one line and exit 2.
"""
from __future__ import annotations

import argparse

from pipelines.stereo.formats import FORMATS, read_pairs
from tflab.errors import UserError

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


def check_max_disparity(requested: int | None, model_max: int) -> int:
    """The scoring range: the model's own unless a smaller one is asked for."""
    if requested is None:
        return model_max
    if not 1 <= requested <= model_max:
        raise UserError(f"--max-disparity {requested} is outside 1..{model_max}, the range "
                        f"this network's cost volume covers")
    return requested
