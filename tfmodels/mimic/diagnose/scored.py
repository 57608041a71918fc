"""One frame of scored choices and one of decisions, shared by every diagnosis table.

Models are columns of log-odds in the choice frame (`MODELS` maps a display name to it):
the run itself, the null (every valid choice equally likely: log-odds 0), a distance-only
model when one was fitted, and the simulator's truth (log of its true probabilities).
Only log-odds differences within a decision matter, so a subset of choices is scored by a
softmax over the remaining rows: "drop the choices, renormalise the odds".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

RUN, NULL, DISTANCE, TRUTH = "model", "null", "distance_only", "truth"
LOGODDS = {RUN: "logodds", NULL: None, DISTANCE: "logodds_distance_only",
           TRUTH: "logodds_truth"}
LABELS = {RUN: "this run", NULL: "null (uniform)", DISTANCE: "distance-only",
          TRUTH: "simulator truth"}


def models_in(choices: pd.DataFrame) -> list[str]:
    """The models a choice frame can score, in display order."""
    return [m for m, column in LOGODDS.items() if column is None or column in choices]


def add_truth(choices: pd.DataFrame) -> pd.DataFrame:
    """Simulator data: log of the true probabilities as the truth's log-odds column."""
    if "true_prob" in choices:
        with np.errstate(divide="ignore"):
            choices[LOGODDS[TRUTH]] = np.log(choices["true_prob"].to_numpy(float))
    return choices


def log_softmax_within(values: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """log softmax of `values` over the rows of each decision (float64, −inf stays −inf)."""
    values = pd.Series(np.asarray(values, dtype=np.float64))
    top = values.groupby(decision).transform("max")
    # a decision whose kept choices are all impossible (truth: outside the simulator's box)
    # has no probabilities at all; its rows become NaN and it is never scored
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.exp(values - top).groupby(decision).transform("sum")
        return (values - top - np.log(total.to_numpy())).to_numpy()


def selected_log_prob(choices: pd.DataFrame, model: str,
                      keep: np.ndarray | None = None) -> pd.Series:
    """log P(selected) per decision under `model`, renormalised over the rows in `keep`.

    Decisions whose selected row is not kept are left out (they are not in the subset).
    Indexed by decision id.
    """
    rows = choices if keep is None else choices[keep]
    column = LOGODDS[model]
    values = np.zeros(len(rows)) if column is None else rows[column].to_numpy(float)
    decision = rows["decision"].to_numpy()
    log_p = log_softmax_within(values, decision)
    chosen = rows["selected"].to_numpy() == 1
    return pd.Series(log_p[chosen], index=decision[chosen])


def distance_bin(distance_km: np.ndarray, max_km: float) -> np.ndarray:
    """Selected-distance bins of 0.1 · max_km: 0 = stayed put,
    0.4 = (0.3, 0.4] · max_km."""
    return np.round(np.ceil(np.round(np.asarray(distance_km) / max_km * 10, 6)) / 10, 1)


def decision_table(choices: pd.DataFrame, max_km: float, group_by: str | None = None
                   ) -> pd.DataFrame:
    """One row per decision: individual, split, time, month, n_choices, selected_km,
    distance_bin, stayed, `logp_<model>` for every model and `p_stay_<model>` (the model's
    probability of the origin cell), plus the `group_by` column taken at the selected row."""
    chosen = choices[choices["selected"] == 1].set_index("decision")
    out = pd.DataFrame(index=chosen.index)
    for column in ("individual", "split", "time"):
        if column in chosen:
            out[column] = chosen[column]
    if "time" in out:
        out["month"] = pd.to_datetime(out["time"]).dt.month
    decision = choices["decision"].to_numpy()
    out["n_choices"] = choices.groupby("decision").size().reindex(out.index)
    out["selected_km"] = chosen["distance_km"].astype(float)
    out["distance_bin"] = distance_bin(out["selected_km"].to_numpy(), max_km)
    out["stayed"] = out["selected_km"].to_numpy() == 0
    is_origin = choices["distance_km"].to_numpy() == 0
    for model in models_in(choices):
        out[f"logp_{model}"] = selected_log_prob(choices, model).reindex(out.index)
        column = LOGODDS[model]
        values = np.zeros(len(choices)) if column is None else choices[column].to_numpy(float)
        p = np.exp(log_softmax_within(values, decision))
        out[f"p_stay_{model}"] = (pd.Series(np.where(is_origin, p, 0.0)).groupby(decision)
                                  .sum().reindex(out.index).to_numpy())
    if group_by and group_by not in out:
        out[group_by] = chosen[group_by]
    return out


def gmp(log_p) -> float:
    """Geometric mean probability: exp(mean log P(selected))."""
    log_p = np.asarray(log_p, dtype=float)
    return float(np.exp(log_p.mean())) if len(log_p) else float("nan")
