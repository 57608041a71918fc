"""Per-choice features of the original mimic study, as named feature sets v1 ⊂ v2 ⊂ v3.

`raw_features` is the single definition of every feature; the known-truth simulator draws
its moves from a softmax that is linear in exactly these arrays, so a linear model fitted
on the pipeline's features can recover the simulator's coefficients. `compute_features`
adds the one data-dependent step: log covariates are centred with the mean over the
*training* individuals only (validation data must not leak into the inputs). Centring
shifts every choice of a decision equally, so conditional-logit coefficients are unchanged.
"""
from __future__ import annotations

import difflib
import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from pipelines.movement import kernel
from pipelines.movement.expressions import compile_expression, names_in
from tflab.errors import UserError

_V1 = ["normed_distance", "stay_put"]
_V2 = _V1 + ["heading_sin", "heading_cos"]
FEATURE_SETS: dict[str, list[str]] = {
    "v1": _V1,                                                    # how far
    "v2": _V2,                                                    # + which way
    "v3": _V2 + ["log_mlt", "log_npp", "cos_time", "sin_time"],   # + environment, season
}
COVARIATE_OF = {"log_mlt": "mlt", "log_npp": "npp"}  # feature -> covariate column it logs
INPUTS_OF = {"normed_distance": ("distance_km",), "stay_put": ("distance_km",),
             "heading_sin": ("distance_km", "heading"),
             "heading_cos": ("distance_km", "heading"),
             "log_mlt": ("mlt",), "log_npp": ("npp",), "cos_time": ("time",),
             "sin_time": ("time",)}


def resolve_feature_set(feature_set: str) -> list[str]:
    """Feature names of a named set, or of a comma-separated list of names/expressions."""
    if feature_set in FEATURE_SETS:
        return list(FEATURE_SETS[feature_set])
    names = [n.strip().replace(" ", "") for n in str(feature_set).split(",") if n.strip()]
    if names and not re.fullmatch(r"v\d+", str(feature_set).strip()):
        return names
    raise UserError(f"unknown feature set {feature_set!r}; known sets: "
                    + "; ".join(f"{k} = {', '.join(v)}" for k, v in FEATURE_SETS.items())
                    + "; or a comma-separated list such as step_km,log_step_km,cos_turn,ndvi")


def required_covariates(names: Iterable[str]) -> list[str]:
    """Covariate columns (e.g. `mlt`) a list of feature names needs."""
    return [COVARIATE_OF[n] for n in names if n in COVARIATE_OF]


def day_of_year(times) -> np.ndarray:
    """Fractional day of year counted from 0 (Jan 1, 00:00 = 0.0)."""
    times = np.asarray(times).astype("datetime64[ns]")
    since_new_year = times - times.astype("datetime64[Y]").astype("datetime64[ns]")
    return since_new_year / np.timedelta64(1, "D")


def raw_features(names: Iterable[str], *, distance_km: np.ndarray | None = None,
                 heading: np.ndarray | None = None, day: np.ndarray | None = None,
                 covariates: Mapping[str, np.ndarray] | None = None,
                 max_km: float = 100.0) -> dict[str, np.ndarray]:
    """Uncentred feature arrays (any shape, broadcast) for the requested names.

    normed_distance = distance_km / max_km; stay_put = 1 where distance_km == 0;
    heading_sin/cos = sin/cos of the bearing (0 when staying put: no direction);
    log_<c> = log of covariate c (must be > 0); cos/sin_time = cos/sin(2π · day / 365.25)
    with `day` the fractional day of year of the decision.
    """
    covariates = covariates or {}
    out = {}
    for name in names:
        if name == "normed_distance":
            out[name] = distance_km / float(max_km)
        elif name == "stay_put":
            out[name] = (distance_km == 0).astype(float)
        elif name in ("heading_sin", "heading_cos"):
            moving = (distance_km > 0) & np.isfinite(heading)
            trig = np.sin if name == "heading_sin" else np.cos
            out[name] = np.where(moving, trig(np.where(moving, heading, 0.0)), 0.0)
        elif name in COVARIATE_OF:
            values = np.asarray(covariates[COVARIATE_OF[name]], dtype=float)
            if (values <= 0).any():
                raise UserError(f"covariate {COVARIATE_OF[name]!r} has "
                                f"{int((values <= 0).sum())} values <= 0; {name} takes its "
                                f"log, so values must be positive")
            out[name] = np.log(values)
        elif name in ("cos_time", "sin_time"):
            angle = 2 * np.pi * np.asarray(day, dtype=float) / 365.25
            out[name] = np.cos(angle) if name == "cos_time" else np.sin(angle)
        else:
            raise KeyError(name)
    return out


# Movement, direction and time variables every feature expression may use; any other
# name is a column of the table (a covariate: centred on training rows, see below).
MOVEMENT_INPUTS = {"step_km": ("distance_km",), "log_step_km": ("distance_km", "spacing_km"),
                   "cos_turn": ("distance_km", "heading", "prev_heading"),
                   "hour_sin": ("time",), "hour_cos": ("time",)}
BASE_NAMES = set(INPUTS_OF) | set(MOVEMENT_INPUTS)


class _Variables(dict):
    """Feature variables computed from the table on first use (expression environment)."""

    def __init__(self, table: pd.DataFrame, feature_set: str, max_km: float, timezone: str):
        super().__init__()
        self.table, self.feature_set, self.max_km, self.tz = table, feature_set, max_km, timezone

    def column(self, name: str) -> np.ndarray:
        return self.table[name].to_numpy(float)

    def __missing__(self, name: str) -> np.ndarray:
        for column in INPUTS_OF.get(name, ()) + MOVEMENT_INPUTS.get(name, ()):
            if column not in self.table.columns:
                _missing_input(name, column, self.feature_set)
        if name in INPUTS_OF:
            t = self.table
            value = raw_features(
                [name], distance_km=self.column("distance_km") if "distance_km" in t else None,
                heading=self.column("heading") if "heading" in t else None,
                day=day_of_year(t["time"]) if name in ("cos_time", "sin_time") else None,
                covariates={c: t[c].to_numpy() for c in required_covariates([name])},
                max_km=self.max_km)[name]
        elif name == "step_km":
            value = self.column("distance_km")
        elif name == "log_step_km":
            spacing = self.column("spacing_km")
            value = kernel.log_step_km(self.column("distance_km"),
                                       np.where(np.isfinite(spacing), spacing, self.max_km))
        elif name == "cos_turn":
            value = kernel.cos_turn(self.column("heading"), self.column("prev_heading"),
                                    self.column("distance_km"))
        elif name in ("hour_sin", "hour_cos"):
            sin, cos = kernel.hour_harmonics(self.table["time"].to_numpy(), self.tz)
            self["hour_sin"], self["hour_cos"] = sin, cos
            return self[name]
        else:
            value = pd.to_numeric(self.table[name], errors="coerce").to_numpy(float)
        self[name] = value
        return value


def _missing_input(name: str, column: str, feature_set: str) -> None:
    if column in COVARIATE_OF.values():
        raise UserError(f"feature set {feature_set} needs covariate {column!r} (for "
                        f"{name}); supply a covariate table with columns time, cell (or "
                        f"lat, lon) and {', '.join(COVARIATE_OF.values())} via "
                        f"--set covariates_path=PATH, or use feature_set v2")
    raise UserError(f"feature {name!r} of set {feature_set} needs column {column!r} in "
                    f"the choice table (or a ready {name!r} column)")


def check_feature_names(names, covariates, what: str = "") -> None:
    """Raise naming the first name a feature reads that is neither a movement/time variable
    nor one of `covariates` (with the closest match)."""
    known = BASE_NAMES | set(covariates)
    what = what or (f"a covariate ({', '.join(covariates) or 'none given'}); fix feature_set "
                    f"or name the raster in --set covariates=")
    for feature in names:
        unknown = sorted(names_in(feature) - known)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UserError(f"feature {feature!r} reads {unknown[0]!r}{hint}, which is neither "
                            f"a known feature ({', '.join(sorted(BASE_NAMES))}) nor {what}")


def is_centred(name: str) -> bool:
    """Covariate features are centred on training rows; movement and time ones are not."""
    return name in COVARIATE_OF or bool(names_in(name) - BASE_NAMES)


def compute_features(table: pd.DataFrame, feature_set: str, *, max_km: float,
                     train_individuals=None, train_rows: np.ndarray | None = None,
                     centering: Mapping[str, float] | None = None,
                     timezone: str = "UTC",
                     covariate_columns: Iterable[str] = ()) -> tuple[pd.DataFrame, dict]:
    """Feature columns for every row of a long choice table, and the statistics used.

    A feature is a name or an expression over names (`log(npp)`, `ndvi^2`, `ndvi*slope`);
    names are the movement/time variables (`BASE_NAMES`) or columns of the table. A column
    already named like a feature (a user's ready table) is taken verbatim. Features that
    read a covariate are centred with the mean over the training rows (`train_rows`, or
    the rows of `train_individuals`), or, when scoring new data with a trained run, with
    that run's saved `centering` (the model saw those inputs). Centring shifts every
    choice of a decision equally, so conditional-logit coefficients are unchanged.
    The returned stats dict (JSON-ready) is what a scorer needs to reproduce the features.
    """
    names = resolve_feature_set(feature_set)
    known = BASE_NAMES | {str(c) for c in table.columns}
    covariate_columns = list(covariate_columns)
    verbatim = [n for n in names if n in table.columns and n not in BASE_NAMES
                and n not in covariate_columns]
    variables = _Variables(table, feature_set, max_km, timezone)
    arrays = {}
    for name in names:
        if name in verbatim:
            continue
        check_feature_names([name], set(known) - BASE_NAMES, "a column or covariate of the data")
        arrays[name] = compile_expression(name, known, f"feature {name!r}")(variables)
        arrays[name] = np.broadcast_to(arrays[name], (len(table),)).astype(float)
        if not np.isfinite(arrays[name]).all():
            bad = int((~np.isfinite(arrays[name])).sum())
            raise UserError(f"feature {name!r} is not finite on {bad} of {len(table)} choice "
                            f"rows (log of a value <= 0?); transform it differently, e.g. "
                            f"log(x + 1)")
    if centering is None:
        if train_rows is None:
            train_rows = table["individual"].isin(list(train_individuals)).to_numpy()
        if not train_rows.any():
            raise UserError("no rows belong to the training split; check the split settings")
        centering = {name: float(arrays[name][train_rows].mean())
                     for name in arrays if is_centred(name)}
        n_train_rows = int(train_rows.sum())
    else:
        n_train_rows = 0  # scoring: nothing is estimated here
    for name in arrays:
        if name in centering:
            arrays[name] = arrays[name] - centering[name]
    for name in verbatim:
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            raise UserError(f"feature column {name!r} has missing or non-numeric values")
        arrays[name] = values
    frame = pd.DataFrame({name: arrays[name].astype(np.float32) for name in names},
                         index=table.index)
    stats = {"feature_set": feature_set, "feature_names": names, "max_km": float(max_km),
             "centering": centering, "verbatim": verbatim, "timezone": timezone,
             "covariate_columns": covariate_columns,
             "centering_measured_as": "mean of each covariate feature over every choice row "
                                      "of the training split",
             "n_train_rows": n_train_rows}
    return frame, stats
