"""Real rectified pairs that ship inside an installed package, written in a standard layout.

scikit-image bundles one Middlebury 2014 scene in its wheel: `skimage.data.
stereo_motorcycle()`, the *Motorcycle* pair down-sampled 4× to 741×500, with ground-truth
disparity (inf = unknown; 7.2–59.9 px, 92.7 % of the pixels known). Its calibration at
that size is in the function's docstring: f = 994.978 px, doffs = 31.086 px,
B = 193.001 mm. No tflab data set is built from it (pipelines/stereo/photo_textures.py
excludes it), so it measures transfer to real photographs.

`write_middlebury_motorcycle(root)` writes it as a Middlebury scene folder (im0.png,
im1.png, disp0.pfm, calib.txt), which `evaluate` and `predict` read like any other.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipelines.stereo.pfm import write_pfm
from tflab import io

MOTORCYCLE_CALIB = {"focal_px": 994.978, "cx0": 311.193, "cy": 254.877, "doffs": 31.086,
                    "baseline_mm": 193.001}


def motorcycle_calib_txt(width: int, height: int, ndisp: int) -> str:
    c = MOTORCYCLE_CALIB
    cam0 = f"[{c['focal_px']} 0 {c['cx0']}; 0 {c['focal_px']} {c['cy']}; 0 0 1]"
    cam1 = (f"[{c['focal_px']} 0 {c['cx0'] + c['doffs']:.3f}; 0 {c['focal_px']} {c['cy']}; "
            f"0 0 1]")
    return (f"cam0={cam0}\ncam1={cam1}\ndoffs={c['doffs']}\nbaseline={c['baseline_mm']}\n"
            f"width={width}\nheight={height}\nndisp={ndisp}\n")


def write_middlebury_motorcycle(root: str | Path) -> Path:
    """root/Motorcycle/{im0.png, im1.png, disp0.pfm, calib.txt}; returns the scene folder."""
    from skimage import data

    left, right, disparity = data.stereo_motorcycle()
    scene = Path(root) / "Motorcycle"
    for name, image in (("im0.png", left), ("im1.png", right)):
        ok, encoded = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
        with io.atomic_path(scene / name) as tmp:
            Path(tmp).write_bytes(encoded.tobytes())
    disparity = np.where(np.isfinite(disparity), disparity, np.inf).astype(np.float32)
    write_pfm(scene / "disp0.pfm", disparity)
    # ndisp: the next multiple of 16 above the largest known disparity (59.9 px → 64)
    ndisp = int(np.ceil(np.max(disparity[np.isfinite(disparity)]) / 16.0) * 16)
    io.write_text(scene / "calib.txt", motorcycle_calib_txt(left.shape[1], left.shape[0], ndisp))
    return scene
