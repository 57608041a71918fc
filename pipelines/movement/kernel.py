"""Movement-kernel and time-of-day features of an integrated step-selection function.

An iSSF (amt's `fit_issf`) scores each candidate end point of a step with the step length
`sl`, `log(sl)` and the cosine of the turning angle relative to the previous step's
bearing. With a uniform-area choice set, coefficients on `step_km` and `log_step_km`
describe a gamma step-length kernel, and the one on `cos_turn` a von Mises turning kernel.

Two conventions the field leaves open are fixed here, and the simulator uses the same
functions, so its coefficients are recoverable by construction:
* staying in the origin cell has step length 0 and no log; `log_step_km` uses half the
  decision's nearest candidate spacing there (the typical within-cell displacement);
* `cos_turn` is 0 where a turn is undefined: the stay-put candidate, the first step of a
  burst (no previous step), and after a step that stayed put (no previous bearing).
"""
from __future__ import annotations

import numpy as np


def log_step_km(distance_km: np.ndarray, spacing_km: np.ndarray) -> np.ndarray:
    """log(step length in km); for the stay-put candidate log(spacing_km / 2)."""
    distance_km = np.asarray(distance_km, dtype=float)
    floor = np.broadcast_to(np.asarray(spacing_km, dtype=float) / 2.0, distance_km.shape)
    return np.log(np.where(distance_km > 0, distance_km, floor))


def cos_turn(heading: np.ndarray, previous_heading: np.ndarray,
             distance_km: np.ndarray) -> np.ndarray:
    """cos(candidate bearing − previous step's bearing); 0 where no turn is defined.

    `previous_heading` is NaN where the decision has no previous bearing (burst start, or
    the previous step stayed in its cell)."""
    heading = np.asarray(heading, dtype=float)
    previous = np.broadcast_to(np.asarray(previous_heading, dtype=float), heading.shape)
    defined = (np.asarray(distance_km) > 0) & np.isfinite(heading) & np.isfinite(previous)
    return np.where(defined, np.cos(np.where(defined, heading - previous, 0.0)), 0.0)


def local_hour(times, timezone: str = "UTC") -> np.ndarray:
    """Fractional hour of the day (0 ≤ h < 24) of naive-UTC `times` on `timezone`'s clock."""
    import pandas as pd

    stamps = pd.DatetimeIndex(np.asarray(times).astype("datetime64[ns]")).tz_localize("UTC")
    local = stamps.tz_convert(timezone)
    return (local.hour + local.minute / 60.0 + local.second / 3600.0).to_numpy(float)


def hour_harmonics(times, timezone: str = "UTC") -> tuple[np.ndarray, np.ndarray]:
    """(sin, cos) of 2π · local hour / 24: midnight and 23:59 are neighbours."""
    angle = 2 * np.pi * local_hour(times, timezone) / 24.0
    return np.sin(angle), np.cos(angle)
