"""In-memory stereo splits: the one shape both data sources (TFDS, capture folders) produce.

Why numpy in memory: the default images are small (48×96), so a whole split fits in RAM,
the OpenCV baseline needs plain arrays anyway, and `tf.data` slices them without re-decoding
PNGs every epoch.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from tflab.errors import UserError


@dataclasses.dataclass
class StereoSplit:
    """N rectified pairs: uint8 left/right (N, H, W, 3), float32 disparity in px (N, H, W),
    bool validity (N, H, W) — or, for training on crops of pairs of several sizes, lists
    of per-pair arrays (pipelines/stereo/directory.py)."""

    left: np.ndarray
    right: np.ndarray
    disparity: np.ndarray
    valid: np.ndarray

    def __len__(self) -> int:
        return len(self.left)  # an array, or a list of pairs of several sizes

    def take(self, index) -> "StereoSplit":
        return StereoSplit(self.left[index], self.right[index], self.disparity[index],
                           self.valid[index])


@dataclasses.dataclass
class StereoPair:
    """One rectified pair at its own size, as a reader found it (any data format).

    disparity/valid are None when the directory has no ground truth (predict only);
    where there is ground truth, invalid pixels hold 0 and `valid` is False.
    """

    name: str
    left: np.ndarray                   # uint8 (H, W, 3) RGB
    right: np.ndarray
    disparity: np.ndarray | None = None  # float32 (H, W) px
    valid: np.ndarray | None = None      # bool (H, W)
    calibration: object | None = None    # pipelines.stereo.calibration.Calibration

    @property
    def has_truth(self) -> bool:
        return self.disparity is not None


def split_counts(n: int, val_fraction: float, test_fraction: float,
                 source: str) -> tuple[int, int, int]:
    """(n_train, n_val, n_test) in sorted-name order; UserError if a split would be empty."""
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    n_train = n - n_val - n_test
    if n_train < 1 or (val_fraction > 0 and n_val < 1) or (test_fraction > 0 and n_test < 1):
        raise UserError(f"{source} has {n} pairs, too few to split into train/validation/test "
                        f"with val_fraction={val_fraction}, test_fraction={test_fraction}; "
                        f"add pairs or change the fractions")
    return n_train, n_val, n_test


def stack_pairs(pairs: list[StereoPair]) -> StereoSplit:
    """Same-size pairs with ground truth as one in-memory split."""
    return StereoSplit(*(np.stack([getattr(p, key) for p in pairs])
                         for key in ("left", "right", "disparity", "valid")))


@dataclasses.dataclass
class StereoData:
    """What `FAMILY.load_data` returns: train/validation/test splits plus where they came from."""

    train: StereoSplit
    validation: StereoSplit
    test: StereoSplit
    source: str  # e.g. "tfds synthetic_stereo/target_48x96_d24_n128-64-256_s0:1.0.0"


def default_data_dir() -> Path:
    """TFDS data_dir: $TFLAB_DATA_DIR, else ~/.cache/tflab/tfds."""
    return Path(os.environ.get("TFLAB_DATA_DIR") or Path.home() / ".cache" / "tflab" / "tfds")
