"""OpenCV StereoSGBM, scored with the same masked metrics as the network.

SGBM is a sparse method: it refuses pixels (left border, low texture, failed left–right
check, speckles). So one number is not enough; following the field's practice we report
  density      share of ground-truth-valid pixels where SGBM returned a disparity,
  epe_valid    EPE on those pixels only (flattering: the hard pixels were skipped),
  epe_filled   EPE with the holes counted, each hole filled along its row with the lower
               of its two valid neighbours (KITTI devkit's background interpolation),
so its accuracy can be compared with a dense network's on the very same pixels.

`compute()` returns int16 disparity × 16; invalid pixels are (minDisparity − 1) × 16.
"""
from __future__ import annotations

import cv2
import numpy as np

from pipelines.stereo.splits import StereoSplit
from tfmodels.stereo.losses import disparity_errors

BLOCK_SIZES = (3, 5, 7, 9)


def make_sgbm(max_disparity: int, block_size: int, channels: int = 3):
    num = int(np.ceil(max_disparity / 16.0)) * 16  # must be a multiple of 16
    area = channels * block_size * block_size
    return cv2.StereoSGBM_create(minDisparity=0, numDisparities=num, blockSize=block_size,
                                 P1=8 * area, P2=32 * area, disp12MaxDiff=1,
                                 uniquenessRatio=10, speckleWindowSize=50, speckleRange=2,
                                 preFilterCap=63, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)


def sgbm_disparity(matcher, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(disparity px float32, predicted mask) for one RGB uint8 pair.

    An image no wider than numDisparities leaves SGBM no column to match (OpenCV fails on
    it): every pixel is then a hole.
    """
    if left.shape[1] <= matcher.getNumDisparities() + matcher.getBlockSize():
        return np.zeros(left.shape[:2], np.float32), np.zeros(left.shape[:2], bool)
    raw = matcher.compute(np.ascontiguousarray(left[..., ::-1]),
                          np.ascontiguousarray(right[..., ::-1]))
    predicted = raw >= 0  # minDisparity = 0 → invalid is −16
    return np.where(predicted, raw / 16.0, 0.0).astype(np.float32), predicted


def fill_holes(disparity: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Fill each row's holes with min(left neighbour, right neighbour), edges extended."""
    out = disparity.astype(np.float32).copy()
    width = disparity.shape[1]
    cols = np.arange(width)
    for row in range(disparity.shape[0]):
        ok = predicted[row]
        if not ok.any():
            out[row] = 0.0
            continue
        left_idx = np.maximum.accumulate(np.where(ok, cols, -1))
        right_idx = np.minimum.accumulate(np.where(ok, cols, width)[::-1])[::-1]
        left_val = np.where(left_idx >= 0, out[row, np.clip(left_idx, 0, width - 1)], np.inf)
        right_val = np.where(right_idx < width, out[row, np.clip(right_idx, 0, width - 1)],
                             np.inf)
        out[row] = np.where(ok, out[row], np.minimum(left_val, right_val))
    return out


def evaluate_sgbm(split: StereoSplit, max_disparity: int, block_size: int) -> dict:
    """Density, EPE on its valid predictions and EPE with holes filled, on `split`."""
    matcher = make_sgbm(max_disparity, block_size)
    preds, masks = zip(*(sgbm_disparity(matcher, l, r) for l, r in zip(split.left, split.right)))
    preds, masks = np.stack(preds), np.stack(masks)
    filled = np.stack([fill_holes(p, m) for p, m in zip(preds, masks)])
    gt_valid = split.valid.astype(bool)
    on_valid = disparity_errors(preds, split.disparity, gt_valid & masks)
    with_holes = disparity_errors(filled, split.disparity, gt_valid)
    return {"block_size": block_size,
            "density": float((gt_valid & masks).sum() / max(gt_valid.sum(), 1)),
            "epe_valid": on_valid["epe"], "bad1_valid": on_valid["bad1"],
            "bad3_valid": on_valid["bad3"],
            "epe_filled": with_holes["epe"], "bad1_filled": with_holes["bad1"],
            "bad3_filled": with_holes["bad3"]}


def tuned_sgbm(validation: StereoSplit, test: StereoSplit, max_disparity: int) -> dict:
    """Pick blockSize on the validation split (by EPE with holes), then score the test split.

    A fair baseline gets the same chance to fit the domain that the network's early stopping
    gets from the validation split.
    """
    scores = {bs: evaluate_sgbm(validation, max_disparity, bs)["epe_filled"]
              for bs in BLOCK_SIZES}
    best = min(scores, key=lambda bs: (np.nan_to_num(scores[bs], nan=np.inf), bs))
    return evaluate_sgbm(test, max_disparity, best)
