"""PFM (portable float map) read and write: the disparity format of Middlebury and SceneFlow.

    header  "Pf" (1 channel) or "PF" (3 channels), newline
            "<width> <height>", newline
            "<scale>", newline — its sign is the byte order: < 0 little-endian, > 0 big
    data    float32 rows, stored *bottom row first*

So a reader must flip the rows and honour the sign of the scale; SceneFlow's files have a
negative scale (little-endian), most Middlebury files too. Invalid pixels are stored as
inf (Middlebury) and stay inf here: the readers turn them into the validity mask.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tflab import io
from tflab.errors import UserError

_HEADER = re.compile(rb"^(P[Ff])\s+(\d+)\s+(\d+)\s+([-+0-9.eE]+)\s")


def read_pfm(path: str | Path) -> np.ndarray:
    """(H, W) or (H, W, 3) float32, top row first; UserError if the file is not a PFM."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read PFM {path} ({err.strerror}); check the path") from None
    match = _HEADER.match(raw[:256])
    if not match:
        raise UserError(f"{path} is not a PFM file (no 'Pf'/'PF' header with width, height "
                        f"and scale); write disparities with pipelines.stereo.pfm.write_pfm")
    kind, width, height, scale = match.groups()
    channels = 3 if kind == b"PF" else 1
    width, height, scale = int(width), int(height), float(scale)
    count = width * height * channels
    data = raw[match.end():]
    if len(data) < 4 * count or scale == 0:
        raise UserError(f"PFM {path} is truncated or has scale 0: header says {width}x{height}"
                        f"x{channels} floats ({4 * count} bytes), found {len(data)} bytes")
    dtype = "<f4" if scale < 0 else ">f4"
    values = np.frombuffer(data[:4 * count], dtype=dtype).astype(np.float32)
    shape = (height, width, 3) if channels == 3 else (height, width)
    return np.ascontiguousarray(values.reshape(shape)[::-1])  # bottom row first on disk


def write_pfm(path: str | Path, array: np.ndarray) -> None:
    """Write (H, W) or (H, W, 3) floats as little-endian PFM (scale −1), atomically."""
    array = np.asarray(array, np.float32)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"PFM holds (H, W) or (H, W, 3) arrays, got {array.shape}")
    kind = "PF" if array.ndim == 3 else "Pf"
    header = f"{kind}\n{array.shape[1]} {array.shape[0]}\n-1\n".encode("ascii")
    body = np.ascontiguousarray(array[::-1]).astype("<f4").tobytes()
    with io.atomic_path(path) as tmp:
        Path(tmp).write_bytes(header + body)
