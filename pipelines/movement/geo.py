"""Spherical geometry on numpy arrays: great-circle distance and initial bearing.

Every distance in the movement pipeline (the choice-set radius, `distance_km`, the
simulator's step lengths) goes through `great_circle_km`, so the filter that builds a
choice set and the column that later says how far a choice is can never disagree at the
`max_km` boundary. The Earth radius is the one h3 uses (`h3.great_circle_distance`).
"""
from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.007180918475  # h3's mean Earth radius


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km between points given in degrees (broadcasts)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def bearing_rad(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Initial bearing from point 1 to point 2, radians clockwise from north, in (-pi, pi].

    `sin(bearing)` is the eastward and `cos(bearing)` the northward component of a move.
    Identical points give 0 here; callers that need "no heading" mask them themselves.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    y = np.sin(dlmb) * np.cos(phi2)
    x = np.cos(phi1) * np.sin(phi2) - np.sin(phi1) * np.cos(phi2) * np.cos(dlmb)
    return np.arctan2(y, x)
