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


@dataclasses.dataclass
class StereoSplit:
    """N rectified pairs: uint8 left/right (N, H, W, 3), float32 disparity in px (N, H, W),
    bool validity (N, H, W)."""

    left: np.ndarray
    right: np.ndarray
    disparity: np.ndarray
    valid: np.ndarray

    def __len__(self) -> int:
        return int(self.left.shape[0])

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
