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


KEY_BASE = 1 << 24  # pixel key = (row + KEY_BASE) * 2 KEY_BASE + (col + KEY_BASE)


def pixel_key(row, col) -> np.ndarray:
    """One int64 per pixel, defined off the raster too (negative rows/cols)."""
    return ((np.asarray(row, np.int64) + KEY_BASE) * (2 * KEY_BASE)
            + (np.asarray(col, np.int64) + KEY_BASE))


def key_pixel(key) -> tuple[np.ndarray, np.ndarray]:
    key = np.asarray(key, np.int64)
    return key // (2 * KEY_BASE) - KEY_BASE, key % (2 * KEY_BASE) - KEY_BASE


def grid_scale_km(grid) -> float:
    """Kilometres per CRS unit of a raster whose pixels are the cells (projected only)."""
    from pipelines.movement import crs as crs_lib

    if not crs_lib.is_projected(grid.crs):
        raise UserError(f"cells=raster needs a raster in a projected CRS (metres), but "
                        f"{grid.name!r} is in {grid.crs}; use --set cells=h3 for it")
    return crs_lib.metres_per_unit(grid.crs) / 1000.0


def long_pixel_table(decisions, grid, *, max_km: float, window: str = "disk"):
    """One row per (decision, candidate pixel), like `choicesets.long_choice_table` for H3.

    Candidates are the origin pixel plus the window's offsets (off the raster too: the
    covariates' `outside` policy decides about those). Columns: `individual, decision,
    time, choice (pixel key), selected, distance_km, heading, x, y` (pixel centre in the
    raster's CRS), `prev_heading, spacing_km, area_km2`. A decision whose selected pixel is
    outside the window is dropped and counted.
    """
    import pandas as pd

    scale = grid_scale_km(grid)
    width_km, height_km = (abs(v) * scale for v in grid.pixel_size)
    offsets = pixel_window(width_km, height_km, max_km, window)
    row0, col0 = key_pixel(decisions["origin"].to_numpy())
    rows = row0[:, None] + offsets.drow[None, :]
    cols = col0[:, None] + offsets.dcol[None, :]
    keys = pixel_key(rows, cols)
    is_selected = keys == decisions["selected"].to_numpy()[:, None]
    inside = is_selected.any(axis=1)
    if not inside.all():
        print(f"long_pixel_table: dropped {int((~inside).sum())} of {len(inside)} decisions "
              f"whose selected pixel is outside the {window} of {max_km:g} km")
    if not inside.any():
        raise UserError(f"no decision has its selected pixel within max_km={max_km:g} km; "
                        f"increase max_km")
    kept = np.flatnonzero(inside)
    n, w = len(kept), offsets.width
    x, y = grid.pixel_centre(rows[kept].ravel(), cols[kept].ravel())
    repeat = lambda column: np.repeat(decisions[column].to_numpy()[kept], w)  # noqa: E731
    return pd.DataFrame({
        "individual": repeat("individual"),
        "decision": np.repeat(np.arange(n, dtype=np.int64), w),
        "time": repeat("time"),
        "choice": keys[kept].ravel(),
        "selected": is_selected[kept].ravel().astype(np.int64),
        "distance_km": np.tile(offsets.distance_km, n),
        "heading": np.tile(offsets.heading, n),
        "x": x, "y": y,
        "prev_heading": repeat("prev_heading"),
        "burst": repeat("burst"),
        "spacing_km": offsets.spacing_km,
        "area_km2": width_km * height_km,
    })
