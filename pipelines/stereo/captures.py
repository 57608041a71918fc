"""Real stereo captures from a directory, with disparity from depth via the calibration.

Layout (files are matched by stem, e.g. left/0001.png ↔ right/0001.png ↔ depth/0001.npy):

    my_captures/
      left/        rectified left images (png/jpg/bmp/tif)
      right/       rectified right images, same size as the matching left image
      disparity/   float .npy, pixels, 0 = invalid          } exactly one of
      depth/       float .npy, metres, 0 = invalid            } these two
    calib.npz      focal_px (focal length, pixels), baseline_m (baseline, metres)

Depth becomes disparity through d = f·B / Z (pinhole, rectified pair). Every check that can
blame the files raises `UserError` with one line naming the file and the fix, because a
capture folder is typed by hand and a wrong unit (millimetres instead of metres) otherwise
trains a network on disparities a thousand times too small without any error.

`read_capture_pairs` returns the pairs at their own size (predict, evaluate); for training,
`load_captures` resizes them to the configured size (INTER_AREA for images, nearest for
disparity and validity, disparity scaled by the width ratio) and split in sorted-name order into
train/validation/test by the configured fractions.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipelines.stereo.calibration import (  # noqa: F401  read_calibration: re-exported
    depth_to_disparity, load_calibration, read_calibration)
from pipelines.stereo.splits import StereoData, StereoPair, StereoSplit, split_counts
from tflab.errors import UserError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
PLAUSIBLE_DEPTH_M = (0.05, 100.0)  # median valid depth outside this → wrong unit


def check_depth_unit(depth_m: np.ndarray, path: Path) -> None:
    """Refuse depth maps whose valid values cannot be metres (mm and cm are the usual slips)."""
    if np.any(depth_m < 0) or not np.all(np.isfinite(depth_m)):
        raise UserError(f"depth {path} has negative or non-finite values; store metres "
                        f"with 0 for invalid pixels")
    valid = depth_m[depth_m > 0]
    if valid.size == 0:
        return
    median = float(np.median(valid))
    low, high = PLAUSIBLE_DEPTH_M
    if not low <= median <= high:
        hint = "millimetres? divide by 1000" if median > high else "check the unit"
        raise UserError(f"depth {path} has median {median:.4g}, outside {low}-{high} m; "
                        f"depth must be in metres ({hint})")


def files_by_stem(folder: Path, suffixes: set[str]) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in suffixes}


def read_image(path: Path) -> np.ndarray:
    """uint8 RGB (H, W, 3); grey images become three equal channels."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise UserError(f"cannot read image {path}; use png/jpg/bmp/tif")
    return np.ascontiguousarray(image[..., ::-1])  # BGR → RGB


def check_same_size(image: np.ndarray, other: np.ndarray, path: Path, other_path: Path):
    """Left/right, or image/ground truth, must have the same height and width."""
    if image.shape[:2] != other.shape[:2]:
        raise UserError(f"{path} is {image.shape[1]}x{image.shape[0]} but {other_path} is "
                        f"{other.shape[1]}x{other.shape[0]}; left, right and ground truth "
                        f"must be the same size (rectify both views)")


def _read_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path).astype(np.float64)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read {path} as .npy ({err}); save with np.save") from None
    if array.ndim != 2:
        raise UserError(f"{path} has shape {array.shape}; expected a 2-D (H, W) map")
    return array


def _resize(pair: StereoPair, height: int, width: int):
    """To the network's size: area-average images, nearest for disparity, scaled by width."""
    left, right, disparity = pair.left, pair.right, pair.disparity
    h0, w0 = disparity.shape
    if (h0, w0) == (height, width):
        return left, right, disparity
    left = cv2.resize(left, (width, height), interpolation=cv2.INTER_AREA)
    right = cv2.resize(right, (width, height), interpolation=cv2.INTER_AREA)
    disparity = cv2.resize(disparity, (width, height), interpolation=cv2.INTER_NEAREST)
    return left, right, disparity * (width / w0)


def read_capture_pairs(root: str | Path, calib: str | Path | None) -> list[StereoPair]:
    """Every pair of a capture directory at its own size, ground truth in pixels.

    `calib` defaults to root/calib.npz when the directory has one.
    """
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"data directory {root} not found; give --data DIR with left/, right/ "
                        f"and disparity/ or depth/")
    if not any(root.iterdir()):
        raise UserError(f"data directory {root} is empty; put rectified pairs in left/ and "
                        f"right/ with ground truth in disparity/ or depth/")
    for name in ("left", "right"):
        if not (root / name).is_dir():
            raise UserError(f"{root} has no {name}/ folder; expected left/, right/ and "
                            f"disparity/ or depth/")
    has_disp, has_depth = (root / "disparity").is_dir(), (root / "depth").is_dir()
    if has_disp == has_depth:
        raise UserError(f"{root} needs exactly one of disparity/ (pixels) or depth/ (metres); "
                        f"found {'both' if has_disp else 'neither'}")
    truth_dir = root / ("disparity" if has_disp else "depth")
    lefts = files_by_stem(root / "left", IMAGE_SUFFIXES)
    rights = files_by_stem(root / "right", IMAGE_SUFFIXES)
    truths = files_by_stem(truth_dir, {".npy"})
    if not lefts:
        raise UserError(f"{root / 'left'} contains no images (png/jpg/bmp/tif); nothing to "
                        f"train on")
    for stem in lefts:
        for folder, files in ((root / "right", rights), (truth_dir, truths)):
            if stem not in files:
                raise UserError(f"{lefts[stem]} has no match in {folder}/ (files are paired "
                                f"by name, e.g. left/{stem}.png ↔ {folder.name}/{stem}.*)")
    calib = calib or (root / "calib.npz" if (root / "calib.npz").is_file() else None)
    calibration = load_calibration(calib) if calib else None
    if has_depth and calibration is None:
        raise UserError(f"{root} has depth/ in metres; converting it to disparity needs "
                        f"--calib FILE.npz with focal_px and baseline_m")
    return [_read_pair(stem, lefts, rights, truths, calibration if has_depth else None,
                       calibration) for stem in sorted(lefts)]


def load_captures(root: str | Path, calib: str | Path | None, height: int, width: int,
                  val_fraction: float, test_fraction: float) -> StereoData:
    """Read a capture directory into train/validation/test splits (sorted-name order)."""
    pairs = [_resize(pair, height, width) for pair in read_capture_pairs(root, calib)]
    return _split(pairs, val_fraction, test_fraction, f"captures {root}")


def _read_pair(stem, lefts, rights, truths, depth_calibration, calibration) -> StereoPair:
    left, right = read_image(lefts[stem]), read_image(rights[stem])
    check_same_size(left, right, lefts[stem], rights[stem])
    truth = _read_npy(truths[stem])
    check_same_size(left, truth, lefts[stem], truths[stem])
    if depth_calibration is not None:
        check_depth_unit(truth, truths[stem])
        c = depth_calibration
        truth = depth_to_disparity(truth, c.focal_px, c.baseline_m, c.doffs_px)
    elif np.any(truth < 0) or not np.all(np.isfinite(truth)):
        raise UserError(f"disparity {truths[stem]} has negative or non-finite values; store "
                        f"pixels with 0 for invalid")
    truth = truth.astype(np.float32)
    return StereoPair(stem, left, right, truth, truth > 0, calibration)


def _split(pairs, val_fraction, test_fraction, source) -> StereoData:
    n_train, n_val, n_test = split_counts(len(pairs), val_fraction, test_fraction, source)
    left, right, disp = (np.stack(part) for part in zip(*pairs))
    full = StereoSplit(left, right, disp, disp > 0)
    bounds = np.cumsum([0, n_train, n_val, n_test])
    parts = [full.take(slice(bounds[i], bounds[i + 1])) for i in range(3)]
    return StereoData(train=parts[0], validation=parts[1], test=parts[2], source=source)
