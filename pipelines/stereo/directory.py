"""Training data from a Middlebury, KITTI or SceneFlow directory, at the pairs' own sizes.

The pairs are split in sorted-name order by the configured fractions. Pairs of one size
are stacked (padded to the network's multiple; padding invalid). Pairs of several sizes
(KITTI's frames differ by a few pixels, Middlebury's scenes by hundreds) keep their own
size in the training split, which then needs random crops (`crop_height`, `crop_width`);
validation and test pairs are centre-cropped to the largest size they all share (rounded
down to the multiple, one size for both) — cropping, never resizing, so every disparity
keeps its meaning.
Full-size scores of any directory come from `python -m tfmodels.stereo.evaluate`.
"""
from __future__ import annotations

import numpy as np

from pipelines.stereo.crops import pad_split
from pipelines.stereo.formats import read_pairs
from pipelines.stereo.splits import (StereoData, StereoPair, StereoSplit, split_counts,
                                     stack_pairs)
from tflab.errors import UserError


def _centre_crop(pair: StereoPair, height: int, width: int) -> StereoPair:
    h, w = pair.left.shape[:2]
    top, left = (h - height) // 2, (w - width) // 2
    window = (slice(top, top + height), slice(left, left + width))
    return StereoPair(pair.name, pair.left[window], pair.right[window],
                      pair.disparity[window], pair.valid[window], pair.calibration)


def _common_size(pairs: list[StereoPair], multiple: int) -> tuple[int, int]:
    return (min(p.left.shape[0] for p in pairs) // multiple * multiple,
            min(p.left.shape[1] for p in pairs) // multiple * multiple)


def _evaluation_split(pairs: list[StereoPair], size: tuple[int, int]) -> StereoSplit:
    return stack_pairs([_centre_crop(p, *size) for p in pairs])


def load_directory(root, data_format: str, calib, val_fraction: float, test_fraction: float,
                   multiple: int, crop: tuple[int, int] | None) -> StereoData:
    """Train/validation/test splits of a data set directory (see the module docstring)."""
    data_format, pairs = read_pairs(root, data_format, calib, need_truth=True)
    source = f"{data_format} {root}"
    n_train, n_val, n_test = split_counts(len(pairs), val_fraction, test_fraction, source)
    sizes = {p.left.shape[:2] for p in pairs}
    if len(sizes) == 1:
        full = pad_split(stack_pairs(pairs), multiple)
        bounds = np.cumsum([0, n_train, n_val, n_test])
        parts = [full.take(slice(bounds[i], bounds[i + 1])) for i in range(3)]
        return StereoData(*parts, source=source)
    if not crop:
        raise UserError(f"{source}: pairs come in {len(sizes)} sizes; train on random crops "
                        f"with --set crop_height=H --set crop_width=W")
    train = pairs[:n_train]
    smallest = (min(p.left.shape[0] for p in train), min(p.left.shape[1] for p in train))
    if crop[0] > smallest[0] or crop[1] > smallest[1]:
        raise UserError(f"{source}: crop {crop[0]}x{crop[1]} is larger than the smallest "
                        f"training pair ({smallest[0]}x{smallest[1]}); choose a smaller crop")
    train_split = StereoSplit(*([getattr(p, k) for p in train]
                                for k in ("left", "right", "disparity", "valid")))
    # one size for validation *and* test: the compiled test step is then traced once, with
    # static H and W (a retrace with relaxed shapes would lose them)
    size = _common_size(pairs[n_train:], multiple)
    return StereoData(train_split, _evaluation_split(pairs[n_train:n_train + n_val], size),
                      _evaluation_split(pairs[n_train + n_val:], size), source=source)
