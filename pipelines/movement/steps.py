"""Which fixes become steps: calendar time steps, or bursts with a time tolerance.

Two resampling rules, chosen by `time_tolerance`:

* "" (calendar steps, the daily default): time is cut into steps of `time_step` from the
  Unix epoch ("1D" = UTC calendar days); within a step only the last fix is kept; two kept
  fixes in adjacent steps form a step of the animal. A step's time is the start of the
  origin's time step.
* a tolerance such as "10min" (GPS schedules, amt's `track_resample`): from each kept fix,
  the next one is the first fix at least `time_step − tolerance` later; if it is also at
  most `time_step + tolerance` later the burst goes on, otherwise that fix starts a new
  burst. A step's time is its origin fix's own time.

Either way a gap ends a burst: no step spans it, and the first step of a burst has no
turning angle. Every kept fix carries its `burst` number (per individual, 0, 1, ...).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tflab.errors import UserError


def parse_duration(text: str, what: str, *, allow_zero: bool = False) -> pd.Timedelta:
    """A positive (or, with allow_zero, non-negative) fixed duration such as 1h or 10min."""
    try:
        value = pd.Timedelta(text)
    except (ValueError, TypeError):
        value = None
    if value is None or value < pd.Timedelta(0) or (value == pd.Timedelta(0) and not allow_zero):
        raise UserError(f"{what} {text!r} is not a {'non-negative' if allow_zero else 'positive'}"
                        f" fixed duration; use e.g. --set {what}=1D, 1h or 10min")
    return value


def resample_fixes(tracks: pd.DataFrame, time_step: str,
                   time_tolerance: str = "") -> tuple[pd.DataFrame, dict]:
    """Kept fixes (sorted tracks' rows, plus `burst` and `step_time`) and counts of what
    was dropped. `tracks` is the output of `tracks.validate_tracks`."""
    step = parse_duration(time_step, "time_step")
    if not time_tolerance:
        return _calendar_steps(tracks, step)
    tolerance = parse_duration(time_tolerance, "time_tolerance", allow_zero=True)
    if tolerance >= step:
        raise UserError(f"time_tolerance {time_tolerance} must be shorter than time_step "
                        f"{time_step}; e.g. --set time_tolerance=10min for hourly fixes")
    return _bursts(tracks, step, tolerance)


def _calendar_steps(tracks: pd.DataFrame, step: pd.Timedelta) -> tuple[pd.DataFrame, dict]:
    index = tracks["time"].to_numpy().astype("datetime64[ns]").astype(np.int64) // step.value
    frame = tracks.assign(step=index)
    kept = frame.drop_duplicates(["individual", "step"], keep="last").reset_index(drop=True)
    same = kept["individual"].to_numpy()[1:] == kept["individual"].to_numpy()[:-1]
    adjacent = same & (np.diff(kept["step"].to_numpy()) == 1)
    new_burst = np.r_[True, ~adjacent]
    kept["burst"] = _number_within(kept["individual"].to_numpy(), new_burst)
    kept["step_time"] = pd.to_datetime(kept["step"].to_numpy() * step.value)
    counts = {"superseded": len(frame) - len(kept), "gaps": int((same & ~adjacent).sum())}
    return kept.drop(columns="step"), counts


def _bursts(tracks: pd.DataFrame, step: pd.Timedelta,
            tolerance: pd.Timedelta) -> tuple[pd.DataFrame, dict]:
    times = tracks["time"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    individual = pd.factorize(tracks["individual"])[0]
    bounds = np.r_[0, np.flatnonzero(np.diff(individual)) + 1, len(times)]
    early, late = step.value - tolerance.value, step.value + tolerance.value
    kept, new_burst = [], []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        t = times[start:stop]
        i, first = 0, True
        while i < len(t):
            kept.append(start + i)
            new_burst.append(first)
            j = int(np.searchsorted(t, t[i] + early, side="left"))
            first = j < len(t) and t[j] > t[i] + late
            i = j
    rows = np.asarray(kept, dtype=np.int64)
    out = tracks.iloc[rows].reset_index(drop=True)
    starts = np.asarray(new_burst, dtype=bool)
    out["burst"] = _number_within(out["individual"].to_numpy(), starts)
    out["step_time"] = out["time"]
    same = out["individual"].to_numpy()[1:] == out["individual"].to_numpy()[:-1]
    counts = {"superseded": len(tracks) - len(out), "gaps": int((same & starts[1:]).sum())}
    return out, counts


def _number_within(individual: np.ndarray, new_burst: np.ndarray) -> np.ndarray:
    """Running burst number per individual (0 at each individual's first fix)."""
    codes = pd.factorize(individual)[0]
    first = np.r_[True, codes[1:] != codes[:-1]]
    starts = np.asarray(new_burst, dtype=bool) | first
    total = np.cumsum(starts)
    offset = total[first][np.cumsum(first) - 1]
    return (total - offset).astype(np.int64)


def step_pairs(fixes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) row indices of consecutive kept fixes of one individual and burst."""
    ind = fixes["individual"].to_numpy()
    burst = fixes["burst"].to_numpy()
    same = (ind[1:] == ind[:-1]) & (burst[1:] == burst[:-1])
    origin = np.flatnonzero(same)
    return origin, origin + 1
