"""Choice sets on a raster's own pixel grid: the same offsets around every origin pixel.

On a regular grid the candidates of an origin are the origin plus fixed (row, col)
offsets, so their distances and bearings are computed once for all decisions and a
choice set is an integer addition — the way deepSSF and `amt` see a landscape (a disk of
radius `max_km`, or a square window of half-width `max_km`, around the origin pixel).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from tflab.errors import UserError

WINDOWS = ("disk", "square")


@dataclasses.dataclass(frozen=True)
class PixelWindow:
    """Offsets of a choice set, origin first, then by distance (ties: row, col)."""

    drow: np.ndarray         # int64 [W]
    dcol: np.ndarray         # int64 [W]
    distance_km: np.ndarray  # float64 [W] between pixel centres
    heading: np.ndarray      # float64 [W] radians clockwise from grid north; NaN at origin
    spacing_km: float        # smallest nonzero candidate distance (one pixel)

    @property
    def width(self) -> int:
        return len(self.drow)


def pixel_window(pixel_width_km: float, pixel_height_km: float, max_km: float,
                 window: str = "disk") -> PixelWindow:
    """Offsets of every pixel within `max_km` of the origin pixel's centre (north-up grid:
    row numbers grow southward)."""
    if window not in WINDOWS:
        raise UserError(f"window must be one of {', '.join(WINDOWS)}, got {window!r}")
    if not (pixel_width_km > 0 and pixel_height_km > 0):
        raise UserError("raster pixels must have a positive width and height")
    reach_c = int(np.floor(max_km / pixel_width_km + 1e-9))
    reach_r = int(np.floor(max_km / pixel_height_km + 1e-9))
    if reach_c < 1 or reach_r < 1:
        raise UserError(f"max_km={max_km:g} is smaller than one raster pixel "
                        f"({pixel_width_km * 1000:g} × {pixel_height_km * 1000:g} m); "
                        f"increase max_km")
    drow, dcol = np.meshgrid(np.arange(-reach_r, reach_r + 1), np.arange(-reach_c, reach_c + 1),
                             indexing="ij")
    drow, dcol = drow.ravel(), dcol.ravel()
    east, north = dcol * pixel_width_km, -drow * pixel_height_km
    distance = np.hypot(east, north)
    keep = distance <= max_km + 1e-9 if window == "disk" else np.ones(len(drow), bool)
    order = np.lexsort((dcol[keep], drow[keep], distance[keep]))
    drow, dcol = drow[keep][order], dcol[keep][order]
    east, north, distance = east[keep][order], north[keep][order], distance[keep][order]
    heading = np.arctan2(east, north)
    heading[distance == 0] = np.nan
    return PixelWindow(drow=drow.astype(np.int64), dcol=dcol.astype(np.int64),
                       distance_km=distance, heading=heading,
                       spacing_km=float(min(pixel_width_km, pixel_height_km)))


def step_heading(x0, y0, x1, y1) -> np.ndarray:
    """Bearing of projected steps (radians clockwise from grid north); NaN for no move."""
    dx, dy = np.asarray(x1, float) - np.asarray(x0, float), np.asarray(y1, float) - y0
    heading = np.arctan2(dx, dy)
    return np.where((dx == 0) & (dy == 0), np.nan, heading)
