"""Per-choice features of the original mimic study, as named feature sets v1 ⊂ v2 ⊂ v3.

`raw_features` is the single definition of every feature; the known-truth simulator draws
its moves from a softmax that is linear in exactly these arrays, so a linear model fitted
on the pipeline's features can recover the simulator's coefficients. `compute_features`
adds the one data-dependent step: log covariates are centred with the mean over the
*training* individuals only (validation data must not leak into the inputs). Centring
shifts every choice of a decision equally, so conditional-logit coefficients are unchanged.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

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
    """Feature names of a named set, or of an explicit comma-separated list of columns."""
    if feature_set in FEATURE_SETS:
        return list(FEATURE_SETS[feature_set])
    names = [n.strip() for n in str(feature_set).split(",") if n.strip()]
    if "," in str(feature_set) and names:
        return names  # explicit columns of a ready choice table (or known feature names)
    raise UserError(f"unknown feature set {feature_set!r}; known sets: "
                    + "; ".join(f"{k} = {', '.join(v)}" for k, v in FEATURE_SETS.items()))


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


def _check_inputs(table: pd.DataFrame, name: str, feature_set: str) -> None:
    for column in INPUTS_OF[name]:
        if column in table.columns:
            continue
        if column in COVARIATE_OF.values():
            raise UserError(f"feature set {feature_set} needs covariate {column!r} (for "
                            f"{name}); supply a covariate table with columns time, cell (or "
                            f"lat, lon) and {', '.join(COVARIATE_OF.values())} via "
                            f"--set covariates_path=PATH, or use feature_set v2")
        raise UserError(f"feature {name!r} of set {feature_set} needs column {column!r} in "
                        f"the choice table (or a ready {name!r} column)")


def compute_features(table: pd.DataFrame, feature_set: str, *, max_km: float,
                     train_individuals=None,
                     centering: Mapping[str, float] | None = None) -> tuple[pd.DataFrame, dict]:
    """Feature columns for every row of a long choice table, and the statistics used.

    A column already named like a feature (a user's ready table) is taken verbatim;
    every other feature is computed from its inputs (`INPUTS_OF`). Log covariates are
    centred with the mean over the rows of `train_individuals`, or, when scoring new data
    with a trained run, with that run's saved `centering` (the model saw those inputs).
    The returned stats dict (JSON-ready) is what a scorer needs to reproduce the features.
    """
    names = resolve_feature_set(feature_set)
    known = set(INPUTS_OF)
    verbatim = [n for n in names if n in table.columns]
    for name in names:
        if name not in verbatim and name not in known:
            raise UserError(f"feature {name!r} is neither a column of the choice table nor a "
                            f"known feature ({', '.join(sorted(known))})")
        if name not in verbatim:
            _check_inputs(table, name, feature_set)
    computed = [n for n in names if n not in verbatim]
    arrays = raw_features(
        computed,
        distance_km=table["distance_km"].to_numpy(float) if "distance_km" in table else None,
        heading=table["heading"].to_numpy(float) if "heading" in table else None,
        day=day_of_year(table["time"]) if "time" in table and
        any(n in ("cos_time", "sin_time") for n in computed) else None,
        covariates={c: table[c].to_numpy() for c in required_covariates(computed)},
        max_km=max_km)
    if centering is None:
        is_train = table["individual"].isin(list(train_individuals)).to_numpy()
        if not is_train.any():
            raise UserError("no rows belong to the training individuals; check val_fraction")
        centering = {name: float(arrays[name][is_train].mean())
                     for name in computed if name in COVARIATE_OF}
    else:
        is_train = np.zeros(len(table), dtype=bool)  # scoring: nothing is estimated here
    for name in computed:
        if name in COVARIATE_OF:
            arrays[name] = arrays[name] - centering[name]
    for name in verbatim:
        values = pd.to_numeric(table[name], errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            raise UserError(f"feature column {name!r} has missing or non-numeric values")
        arrays[name] = values
    frame = pd.DataFrame({name: arrays[name].astype(np.float32) for name in names},
                         index=table.index)
    stats = {"feature_set": feature_set, "feature_names": names, "max_km": float(max_km),
             "centering": centering, "verbatim": verbatim,
             "centering_measured_as": "mean of log(covariate) over every choice row of the "
                                      "training individuals",
             "n_train_rows": int(is_train.sum())}
    return frame, stats
