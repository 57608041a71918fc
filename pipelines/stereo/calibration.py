"""Stereo calibration: focal length, baseline and doffs, from a .npz or Middlebury calib.txt.

Depth and disparity of a rectified pair are tied by Z = f·B / (d + doffs): f the focal
length in pixels, B the baseline, doffs the x-difference of the two principal points
(0 for most rigs; Middlebury crops its views, so doffs ≠ 0 there). Two files carry it:

    calib.npz   focal_px, baseline_m (metres), optional doffs_px      (tflab captures)
    calib.txt   Middlebury 2014: cam0=[f 0 cx; 0 f cy; 0 0 1], cam1=…, doffs=…,
                baseline=… (millimetres), width, height, ndisp=…, vmin, vmax

A missing key or an implausible value is a one-line `UserError` naming the key and the fix.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from tflab.errors import UserError

FOCAL_KEYS = ("focal_px", "fx")
BASELINE_KEYS = ("baseline_m", "baseline")
MIDDLEBURY_KEYS = ("cam0", "baseline", "doffs", "ndisp")


@dataclasses.dataclass(frozen=True)
class Calibration:
    focal_px: float
    baseline_m: float
    doffs_px: float = 0.0
    ndisp: int | None = None  # Middlebury's bound on the disparity range (px), if given

    def depth_m(self, disparity: np.ndarray) -> np.ndarray:
        """Z = f·B / (d + doffs) in metres; 0 where d + doffs <= 0 (no depth)."""
        shifted = np.asarray(disparity, np.float64) + self.doffs_px
        depth = np.zeros_like(shifted)
        ok = shifted > 0
        depth[ok] = self.focal_px * self.baseline_m / shifted[ok]
        return depth.astype(np.float32)


def depth_to_disparity(depth_m: np.ndarray, focal_px: float, baseline_m: float,
                       doffs_px: float = 0.0) -> np.ndarray:
    """d = f·B / Z − doffs on valid pixels (Z > 0); 0 where depth is 0 (invalid)."""
    depth_m = np.asarray(depth_m, np.float64)
    disparity = np.zeros_like(depth_m)
    valid = depth_m > 0
    disparity[valid] = focal_px * baseline_m / depth_m[valid] - doffs_px
    return disparity.astype(np.float32)


def _check(calib: Calibration, path: Path) -> Calibration:
    if not calib.focal_px > 0:
        raise UserError(f"calibration {path}: focal length must be > 0 pixels, got "
                        f"{calib.focal_px}")
    if not 0 < calib.baseline_m < 2.0:
        raise UserError(f"calibration {path}: baseline {calib.baseline_m} m is not a stereo "
                        f"baseline in metres (expected 0 < B < 2; millimetres? divide by 1000)")
    return calib


def read_npz_calibration(path: Path) -> Calibration:
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
    doffs = float(values["doffs_px"][0]) if "doffs_px" in values else 0.0
    return _check(Calibration(float(focal[0]), abs(float(baseline[0])), doffs), path)


def read_middlebury_calib(path: Path) -> Calibration:
    """calib.txt of a Middlebury 2014 scene (baseline in mm → metres)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read calibration {path} ({err}); expected Middlebury "
                        f"calib.txt lines key=value") from None
    entries = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    entries = {k.strip(): v.strip() for k, v in entries.items()}
    missing = [key for key in MIDDLEBURY_KEYS if key not in entries]
    if missing:
        raise UserError(f"calibration {path} lacks {', '.join(missing)} (found: "
                        f"{', '.join(sorted(entries)) or 'nothing'}); a Middlebury calib.txt "
                        f"has cam0=[f 0 cx; 0 f cy; 0 0 1], baseline=<mm>, doffs=<px>, "
                        f"ndisp=<px>")
    try:
        focal = float(re.findall(r"[-+0-9.eE]+", entries["cam0"])[0])
        baseline_mm, doffs = float(entries["baseline"]), float(entries["doffs"])
        ndisp = int(float(entries["ndisp"]))
    except (ValueError, IndexError):
        raise UserError(f"calibration {path}: cam0, baseline, doffs and ndisp must be numbers "
                        f"(cam0=[f 0 cx; 0 f cy; 0 0 1])") from None
    return _check(Calibration(focal, baseline_mm / 1000.0, doffs, ndisp), path)


def load_calibration(path: str | Path) -> Calibration:
    """A .npz (tflab captures) or calib.txt (Middlebury), chosen by the file name."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"calibration file {path} not found; pass --calib calib.npz "
                        f"(focal_px, baseline_m) or a Middlebury calib.txt")
    if path.suffix.lower() == ".txt":
        return read_middlebury_calib(path)
    return read_npz_calibration(path)


def read_calibration(path: str | Path) -> tuple[float, float]:
    """(focal length in pixels, baseline in metres) from a .npz; UserError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"calibration file {path} not found; pass --calib FILE.npz with "
                        f"focal_px and baseline_m")
    calib = read_npz_calibration(path)
    return calib.focal_px, calib.baseline_m
