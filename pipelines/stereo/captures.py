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

Pairs are resized to the configured size (INTER_AREA for images, nearest for disparity and
validity, disparity scaled by the width ratio) and split in sorted-name order into
train/validation/test by the configured fractions.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipelines.stereo.splits import StereoData, StereoSplit
from tflab.errors import UserError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
FOCAL_KEYS = ("focal_px", "fx")
BASELINE_KEYS = ("baseline_m", "baseline")
PLAUSIBLE_DEPTH_M = (0.05, 100.0)  # median valid depth outside this → wrong unit


def read_calibration(path: str | Path) -> tuple[float, float]:
    """(focal length in pixels, baseline in metres) from a .npz; UserError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"calibration file {path} not found; pass --calib FILE.npz with "
                        f"focal_px and baseline_m")
    try:
        with np.load(path) as npz:
            values = {key: np.asarray(npz[key]).ravel() for key in npz.files}
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read calibration {path} as .npz ({err}); save it with "
                        f"np.savez(path, focal_px=..., baseline_m=...)") from None
    focal = next((values[k] for k in FOCAL_KEYS if k in values), None)
    baseline = next((values[k] for k in BASELINE_KEYS if k in values), None)
    missing = [name for name, v in (("focal_px", focal), ("baseline_m", baseline)) if v is None]
    if missing:
        raise UserError(f"calibration {path} lacks {' and '.join(missing)} (found keys: "
                        f"{', '.join(sorted(values)) or 'none'}); save it with "
                        f"np.savez(path, focal_px=<pixels>, baseline_m=<metres>)")
    focal, baseline = float(focal[0]), abs(float(baseline[0]))
    if not focal > 0:
        raise UserError(f"calibration {path}: focal_px must be > 0 pixels, got {focal}")
    if not 0 < baseline < 2.0:
        raise UserError(f"calibration {path}: baseline_m={baseline} is not a stereo baseline "
                        f"in metres (expected 0 < B < 2; millimetres? divide by 1000)")
    return focal, baseline


def depth_to_disparity(depth_m: np.ndarray, focal_px: float, baseline_m: float) -> np.ndarray:
    """d = f·B / Z on valid pixels (Z > 0); 0 where depth is 0 (invalid)."""
    depth_m = np.asarray(depth_m, np.float64)
    disparity = np.zeros_like(depth_m)
    valid = depth_m > 0
    disparity[valid] = focal_px * baseline_m / depth_m[valid]
    return disparity.astype(np.float32)


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


def _files(folder: Path, suffixes: set[str]) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in suffixes}


def _read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise UserError(f"cannot read image {path}; use png/jpg/bmp/tif")
    return image[..., ::-1]  # BGR → RGB


def _read_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path).astype(np.float64)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read {path} as .npy ({err}); save with np.save") from None
    if array.ndim != 2:
        raise UserError(f"{path} has shape {array.shape}; expected a 2-D (H, W) map")
    return array


def _resize(left, right, disparity, height, width):
    """To the network's size: area-average images, nearest for disparity, scaled by width."""
    h0, w0 = disparity.shape
    if (h0, w0) == (height, width):
        return left, right, disparity
    left = cv2.resize(left, (width, height), interpolation=cv2.INTER_AREA)
    right = cv2.resize(right, (width, height), interpolation=cv2.INTER_AREA)
    disparity = cv2.resize(disparity, (width, height), interpolation=cv2.INTER_NEAREST)
    return left, right, disparity * (width / w0)


def load_captures(root: str | Path, calib: str | Path | None, height: int, width: int,
                  val_fraction: float, test_fraction: float) -> StereoData:
    """Read a capture directory into train/validation/test splits (sorted-name order)."""
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
    lefts, rights = _files(root / "left", IMAGE_SUFFIXES), _files(root / "right", IMAGE_SUFFIXES)
    truths = _files(truth_dir, {".npy"})
    if not lefts:
        raise UserError(f"{root / 'left'} contains no images (png/jpg/bmp/tif); nothing to "
                        f"train on")
    for stem in lefts:
        for folder, files in ((root / "right", rights), (truth_dir, truths)):
            if stem not in files:
                raise UserError(f"{lefts[stem]} has no match in {folder}/ (files are paired "
                                f"by name, e.g. left/{stem}.png ↔ {folder.name}/{stem}.*)")
    focal_baseline = None
    if has_depth:
        if not calib:
            raise UserError(f"{root} has depth/ in metres; converting it to disparity needs "
                            f"--calib FILE.npz with focal_px and baseline_m")
        focal_baseline = read_calibration(calib)
    pairs = [_read_pair(stem, lefts, rights, truths, focal_baseline, height, width)
             for stem in sorted(lefts)]
    return _split(pairs, val_fraction, test_fraction, f"captures {root}")


def _read_pair(stem, lefts, rights, truths, focal_baseline, height, width):
    left, right = _read_image(lefts[stem]), _read_image(rights[stem])
    if left.shape != right.shape:
        raise UserError(f"{lefts[stem]} is {left.shape[1]}x{left.shape[0]} but "
                        f"{rights[stem]} is {right.shape[1]}x{right.shape[0]}; left and right "
                        f"images must be the same size (rectify both)")
    truth = _read_npy(truths[stem])
    if truth.shape != left.shape[:2]:
        raise UserError(f"{truths[stem]} is {truth.shape[1]}x{truth.shape[0]} but the images "
                        f"are {left.shape[1]}x{left.shape[0]}; ground truth must match")
    if focal_baseline is not None:
        check_depth_unit(truth, truths[stem])
        truth = depth_to_disparity(truth, *focal_baseline)
    elif np.any(truth < 0) or not np.all(np.isfinite(truth)):
        raise UserError(f"disparity {truths[stem]} has negative or non-finite values; store "
                        f"pixels with 0 for invalid")
    left, right, truth = _resize(left, right, truth.astype(np.float32), height, width)
    return left, right, truth


def _split(pairs, val_fraction, test_fraction, source) -> StereoData:
    n = len(pairs)
    n_test = int(round(n * test_fraction))
    n_val = int(round(n * val_fraction))
    n_train = n - n_val - n_test
    if n_train < 1 or (val_fraction > 0 and n_val < 1) or (test_fraction > 0 and n_test < 1):
        raise UserError(f"{source} has {n} pairs, too few to split into train/validation/test "
                        f"with val_fraction={val_fraction}, test_fraction={test_fraction}; "
                        f"add captures or change the fractions")
    left, right, disp = (np.stack(part) for part in zip(*pairs))
    full = StereoSplit(left, right, disp, disp > 0)
    bounds = np.cumsum([0, n_train, n_val, n_test])
    parts = [full.take(slice(bounds[i], bounds[i + 1])) for i in range(3)]
    return StereoData(train=parts[0], validation=parts[1], test=parts[2], source=source)
