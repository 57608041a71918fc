"""What `predict` writes for one pair: disparity as PFM and .npy, a colour PNG, metric depth.

    NAME_disparity.pfm / .npy   float32 px, the input's full size
    NAME_disparity.png          turbo colour map (near = red) with a colour bar in px
    NAME_depth.npy / .pfm       metres, Z = f·B / (d + doffs), only with a calibration
                                (0 where d + doffs <= 0)
Every file is written atomically (temp file + rename).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipelines.stereo.pfm import write_pfm
from tflab import io

BAR_WIDTH, BAR_MARGIN = 24, 56  # colour bar and its label column, px


def colour_disparity(disparity: np.ndarray, max_disparity: float) -> np.ndarray:
    """BGR uint8 image of the map (0..max_disparity → turbo) with a labelled colour bar."""
    height, width = disparity.shape
    scale = max(float(max_disparity), 1e-6)
    levels = np.clip(disparity / scale * 255.0, 0, 255).astype(np.uint8)
    image = cv2.applyColorMap(levels, cv2.COLORMAP_TURBO)
    ramp = np.linspace(255, 0, height).astype(np.uint8)[:, None].repeat(BAR_WIDTH, 1)
    bar = cv2.applyColorMap(ramp, cv2.COLORMAP_TURBO)
    labels = np.full((height, BAR_MARGIN, 3), 255, np.uint8)
    font_scale = max(0.3, min(0.5, height / 600))
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = int(round((1 - fraction) * (height - 1)))
        text = f"{fraction * scale:.0f}px"
        y_text = min(max(y + 4, 10), height - 2)
        cv2.putText(labels, text, (3, y_text), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    (0, 0, 0), 1, cv2.LINE_AA)
    gap = np.full((height, 4, 3), 255, np.uint8)
    return np.concatenate([image, gap, bar, labels], axis=1)


def write_png(path: Path, image: np.ndarray) -> None:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode {path}")
    with io.atomic_path(path) as tmp:
        Path(tmp).write_bytes(encoded.tobytes())


def write_npy(path: Path, array: np.ndarray) -> None:
    with io.atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array)


def write_prediction(out: Path, name: str, disparity: np.ndarray, max_disparity: float,
                     calibration=None) -> list[Path]:
    """All output files of one pair; returns their paths."""
    stem = out / name
    written = [stem.with_name(f"{name}_disparity.pfm"), stem.with_name(f"{name}_disparity.npy"),
               stem.with_name(f"{name}_disparity.png")]
    write_pfm(written[0], disparity)
    write_npy(written[1], disparity.astype(np.float32))
    write_png(written[2], colour_disparity(disparity, max_disparity))
    if calibration is not None:
        depth = calibration.depth_m(disparity)
        written += [stem.with_name(f"{name}_depth.npy"), stem.with_name(f"{name}_depth.pfm")]
        write_npy(written[3], depth)
        write_pfm(written[4], depth)
    return written
