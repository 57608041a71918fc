"""Synthetic, smooth, seasonal covariate fields over a North-Pacific box.

Stand-ins for the ocean covariates of real tracks, mixed-layer thickness (`mlt`, metres)
and net primary productivity (`npp`, mg C m⁻² day⁻¹): positive everywhere, smooth in
space with structure at the scale of a few hundred km (so that cells 40–80 km apart offer
noticeably different values), and changing with the time of year (so the same cell is
attractive in one season and not in another). Pure numpy functions of
(lat, lon, day_of_year); they are defined outside the box too.
"""
from __future__ import annotations

import numpy as np

BOX = {"lat_min": 40.0, "lat_max": 60.0, "lon_min": -170.0, "lon_max": -130.0}
YEAR = 365.25


def in_box(lat, lon) -> np.ndarray:
    return ((lat >= BOX["lat_min"]) & (lat <= BOX["lat_max"])
            & (lon >= BOX["lon_min"]) & (lon <= BOX["lon_max"]))


def _season(day_of_year, peak_day: float) -> np.ndarray:
    """+1 on `peak_day`, -1 half a year later."""
    return np.cos(2 * np.pi * (np.asarray(day_of_year, dtype=float) - peak_day) / YEAR)


def mlt(lat, lon, day_of_year) -> np.ndarray:
    """Mixed-layer thickness (m): deep in late winter, shallow in summer, patchy in space."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    patches = np.sin(2 * np.pi * (lat - 40.0) / 5.0) * np.cos(2 * np.pi * (lon + 170.0) / 7.0)
    gradient = (lat - 50.0) / 10.0  # deeper to the north
    log_m = np.log(45.0) + 0.7 * _season(day_of_year, 60.0) + 0.8 * patches + 0.3 * gradient
    return np.exp(log_m)


def npp(lat, lon, day_of_year) -> np.ndarray:
    """Net primary productivity: a bloom that moves north from spring to late summer."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    bloom_lat = 47.0 + 8.0 * _season(day_of_year, 200.0)  # 55 °N in July, 39 °N in January
    bloom = np.exp(-((lat - bloom_lat) / 5.0) ** 2)
    eddies = np.cos(2 * np.pi * (lat - 40.0) / 6.0 + 0.3) * np.sin(2 * np.pi * (lon + 170.0) / 8.0)
    log_p = np.log(300.0) + 1.0 * bloom + 0.6 * eddies + 0.3 * _season(day_of_year, 170.0)
    return np.exp(log_p)
