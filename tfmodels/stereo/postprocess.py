"""Classical clean-up of a dense disparity map: left–right check, occlusion fill, median.

A network trained on synthetic scenes answers everywhere, also where no answer can be
right: left-image pixels whose match is hidden in the right view (occlusions beside every
foreground edge) or falls outside it (the left border). There its soft-argmax drifts to an
average of the surfaces it sees, which costs many pixels a few px each. The field's cheap
remedy (SGM's post-processing, Hirschmüller 2008) needs only a second disparity map, the
right view's:
  lr check   a left pixel x is kept when the right view's disparity at x − d_L(x) agrees
             with d_L(x) within `threshold` px (the match leads back to the same surface);
             a match outside the right image is never kept;
  fill       each refused pixel takes the lower of its nearest kept neighbours on the row
             (the background, which is what an occluded pixel sees: KITTI's interpolation,
             the very fill the SGBM baseline's holes get, tfmodels.stereo.baseline);
  median     a k×k median then removes isolated outliers and the streaks a row fill leaves.
Everything is NumPy on (H, W) float32 maps, so it is exact, testable on tiny arrays and
independent of which network produced the maps.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from tfmodels.stereo.baseline import fill_holes


def warp_right_to_left(right_disparity: np.ndarray, left_disparity: np.ndarray) -> np.ndarray:
    """d_R at the nearest pixel to x − d_L(x), for every left pixel; NaN outside the image.

    Nearest, not linear: interpolating d_R across a depth edge would invent intermediate
    disparities that a drifting left answer could agree with.
    """
    height, width = left_disparity.shape
    x_match = np.rint(np.arange(width, dtype=np.float64)[None, :] - left_disparity)
    inside = (x_match >= 0.0) & (x_match <= width - 1.0)
    columns = np.clip(x_match, 0, width - 1).astype(np.int64)
    warped = right_disparity[np.arange(height)[:, None], columns]
    return np.where(inside, warped, np.nan).astype(np.float32)


def lr_consistent(left_disparity: np.ndarray, right_disparity: np.ndarray,
                  threshold: float) -> np.ndarray:
    """Bool (H, W): left pixels whose match is inside the right view and leads back."""
    warped = warp_right_to_left(right_disparity, left_disparity)
    with np.errstate(invalid="ignore"):
        return np.abs(warped - left_disparity) <= threshold  # NaN (outside) -> False


def median(disparity: np.ndarray, size: int) -> np.ndarray:
    """k×k median (edges reflected); size 0 or 1 returns the map unchanged."""
    if size <= 1:
        return disparity
    return ndimage.median_filter(disparity, size=int(size), mode="reflect").astype(np.float32)


def clean_disparity(left_disparity: np.ndarray, right_disparity: np.ndarray | None,
                    lr_threshold: float, median_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(cleaned map, kept mask): lr check + background fill if a threshold > 0, then median.

    With no check the kept mask is all True. A row with no kept pixel at all falls back to
    the network's own answers (better than fill_holes' zeros).
    """
    disparity = left_disparity.astype(np.float32)
    kept = np.ones(disparity.shape, bool)
    if lr_threshold > 0:
        if right_disparity is None:
            raise ValueError("the left-right check needs the right view's disparity")
        kept = lr_consistent(disparity, right_disparity, lr_threshold)
        filled = fill_holes(disparity, kept)
        empty_rows = ~kept.any(axis=1)
        filled[empty_rows] = disparity[empty_rows]
        disparity = filled
    return median(disparity, median_size), kept
