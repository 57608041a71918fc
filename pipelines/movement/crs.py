"""Coordinate reference systems for tracks and rasters (pyproj), checked in one line.

A GPS export is in lat/lon, a UTM zone or a national grid; a covariate raster is in
whatever its producer chose. Points are always transformed to the raster's CRS for a
lookup (the raster itself is never reprojected: resampling would change its values), and
to lon/lat for H3. `always_xy=True` everywhere: x = easting or longitude, y = northing or
latitude, whatever axis order the EPSG definition lists.
"""
from __future__ import annotations

import functools

import numpy as np

from tflab.errors import UserError

LONLAT = "EPSG:4326"


@functools.lru_cache(maxsize=None)
def parse_crs(text: str, what: str = "crs"):
    """A `pyproj.CRS` from text such as EPSG:3112, or a UserError naming the fix."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(str(text).strip())
    except CRSError:
        raise UserError(f"{what} {text!r} is not a coordinate reference system pyproj knows; "
                        f"write it as EPSG:NNNN (e.g. --set crs=EPSG:32633)") from None


@functools.lru_cache(maxsize=None)
def _transformer(source: str, target: str):
    from pyproj import Transformer

    return Transformer.from_crs(parse_crs(source), parse_crs(target), always_xy=True)


def transform(x, y, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Points (x, y) in `source` → (x, y) in `target` (both as text, e.g. EPSG:3112)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if parse_crs(source) == parse_crs(target):
        return x.copy(), y.copy()
    tx, ty = _transformer(source, target).transform(x, y)
    return np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)


def is_projected(text: str) -> bool:
    """True for a CRS in linear units (metres, feet), False for geographic degrees."""
    return bool(parse_crs(text).is_projected)


def metres_per_unit(text: str) -> float:
    """Length of one axis unit of a projected CRS in metres (1 for metre grids)."""
    crs = parse_crs(text)
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(factor)
