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
class StereoData:
    """What `FAMILY.load_data` returns: train/validation/test splits plus where they came from."""

    train: StereoSplit
    validation: StereoSplit
    test: StereoSplit
    source: str  # e.g. "tfds synthetic_stereo/target_48x96_d24_n128-64-256_s0:1.0.0"


def default_data_dir() -> Path:
    """TFDS data_dir: $TFLAB_DATA_DIR, else ~/.cache/tflab/tfds."""
    return Path(os.environ.get("TFLAB_DATA_DIR") or Path.home() / ".cache" / "tflab" / "tfds")
