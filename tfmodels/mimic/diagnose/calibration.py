"""Calibration: does the model give staying put, and each choice, the probability it has?

* stay-put share: observed share of decisions that stayed vs the mean predicted probability
  of the origin cell, overall and per month (a contrast-trained model can say 55 % where
  the tracks show 65 %);
* reliability: choices binned by predicted probability, observed selection rate per bin;
* p_c sensitivity: trained on contrasts, a stay-put share p becomes p_c = pM / (pM + 1 − p)
  in the pairs (M alternatives per decision), so a 10-point error in p is a ≈1-point error
  in p_c — the reason a contrast loss hides a 55 % vs 65 % gap;
* contrast-bin errors: in contrast pairs, the observed rate at which a choice in distance
  bin a beats one in bin b vs the model's mean probability of the same, per (a, b) with
  enough pairs (distances in tenths of max_km).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.movement.views import to_choice_sets, to_contrasts
from tfmodels.mimic.diagnose.scored import LOGODDS, distance_bin, log_softmax_within

RELIABILITY_EDGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)


def _models(decisions: pd.DataFrame) -> list[str]:
    return [c[len("p_stay_"):] for c in decisions.columns if c.startswith("p_stay_")]


def stay_share_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """Per split, overall ("all") and per month: observed stay share and each model's mean
    predicted stay probability."""
    rows = []
    for split, part in decisions.groupby("split", sort=True):
        groups = [("all", part)]
        if "month" in part:
            groups += [(str(m), p) for m, p in part.groupby("month", sort=True)]
        for month, rows_ in groups:
            row = {"split": split, "month": month, "decisions": len(rows_),
                   "observed": float(rows_["stayed"].mean())}
            row.update({f"predicted_{m}": float(rows_[f"p_stay_{m}"].mean())
                        for m in _models(rows_) if m != "null"})
            rows.append(row)
    return pd.DataFrame(rows)


def reliability_table(choices: pd.DataFrame, model: str = "model") -> pd.DataFrame:
    """Per split and predicted-probability bin: choices, mean predicted, observed rate."""
    p = np.exp(log_softmax_within(choices[LOGODDS[model]].to_numpy(float),
                                  choices["decision"].to_numpy()))
    bins = pd.cut(p, RELIABILITY_EDGES, include_lowest=True)
    frame = pd.DataFrame({"split": choices["split"].to_numpy(), "bin": bins.astype(str),
                          "predicted": p, "selected": choices["selected"].to_numpy()})
    table = (frame.groupby(["split", "bin"], sort=False, observed=True)
             .agg(choices=("selected", "size"), mean_predicted=("predicted", "mean"),
                  observed_rate=("selected", "mean")).reset_index())
    return table.sort_values(["split", "mean_predicted"]).reset_index(drop=True)


def contrast_pc(p: np.ndarray | float, m: float) -> np.ndarray:
    """p_c = pM / (pM + 1 − p): stay-put share p as seen in contrast pairs."""
    p = np.asarray(p, dtype=float)
    return p * m / (p * m + 1.0 - p)


def contrast_pairs(choices: pd.DataFrame, split: str, *, alternatives: int,
                   per_individual: int, seed: int) -> pd.DataFrame:
    """Contrast pairs of one split, sampled exactly as training samples them
    (`views.to_contrasts`), with each model's log-odds carried through as features."""
    models = [m for m, c in LOGODDS.items() if c is not None and c in choices]
    rows = choices[choices["split"] == split]
    sets = to_choice_sets(rows, [LOGODDS[m] for m in models])
    pairs = to_contrasts(sets, decisions_per_individual=per_individual,
                         alternatives_per_decision=alternatives, seed=seed)
    index = np.arange(pairs.num_decisions)
    chosen, other = pairs.selected, 1 - pairs.selected
    out = pd.DataFrame({"split": split,
                        "selected_km": pairs.distance_km[index, chosen],
                        "alternative_km": pairs.distance_km[index, other]})
    for k, model in enumerate(models):
        gap = pairs.features[index, chosen, k] - pairs.features[index, other, k]
        out[f"p_selected_{model}"] = 1.0 / (1.0 + np.exp(-gap.astype(np.float64)))
    return out


def pc_table(decisions: pd.DataFrame, pairs: pd.DataFrame, alternatives: int) -> pd.DataFrame:
    """p_c sensitivity per split: the formula at the observed and at each model's stay share,
    and the contrasts' own rate of stay-put winning the pairs that contain it."""
    rows = []
    for split, part in decisions.groupby("split", sort=True):
        m = float(np.minimum(part["n_choices"] - 1, alternatives).mean())
        contrasts = pairs[pairs["split"] == split]
        with_stay = contrasts[(contrasts["selected_km"] == 0) | (contrasts["alternative_km"] == 0)]
        stay_won = with_stay["selected_km"].to_numpy() == 0
        observed = float(part["stayed"].mean())
        rows.append({"split": split, "source": "observed", "p_stay": observed, "M": m,
                     "p_c_formula": float(contrast_pc(observed, m)),
                     "p_c_in_pairs": float(stay_won.mean()), "pairs_with_stay": len(with_stay)})
        for model in _models(part):
            if model == "null" or f"p_selected_{model}" not in contrasts:
                continue
            p = float(part[f"p_stay_{model}"].mean())
            won = with_stay[f"p_selected_{model}"].to_numpy()
            p_stay_wins = np.where(stay_won, won, 1.0 - won)
            rows.append({"split": split, "source": model, "p_stay": p, "M": m,
                         "p_c_formula": float(contrast_pc(p, m)),
                         "p_c_in_pairs": float(p_stay_wins.mean()),
                         "pairs_with_stay": len(with_stay)})
    return pd.DataFrame(rows)


def contrast_bin_table(pairs: pd.DataFrame, max_km: float, min_pairs: int) -> pd.DataFrame:
    """Per split and (bin a, bin b), a ≠ b: pairs, observed rate that the bin-a choice wins,
    each model's mean probability of the same, and model − observed."""
    models = [c[len("p_selected_"):] for c in pairs.columns if c.startswith("p_selected_")]
    a = distance_bin(pairs["selected_km"].to_numpy(), max_km)
    b = distance_bin(pairs["alternative_km"].to_numpy(), max_km)
    # each pair counts once from each side: (a beats b) and (b loses to a)
    both = pd.DataFrame({"split": np.r_[pairs["split"], pairs["split"]],
                         "bin_a": np.r_[a, b], "bin_b": np.r_[b, a],
                         "a_won": np.r_[np.ones(len(a)), np.zeros(len(a))]})
    for model in models:
        p = pairs[f"p_selected_{model}"].to_numpy()
        both[f"p_{model}"] = np.r_[p, 1.0 - p]
    both = both[both["bin_a"] != both["bin_b"]]
    table = both.groupby(["split", "bin_a", "bin_b"], sort=True).agg(
        pairs=("a_won", "size"), observed=("a_won", "mean"),
        **{f"model_{m}": (f"p_{m}", "mean") for m in models}).reset_index()
    for model in models:
        table[f"error_{model}"] = table[f"model_{model}"] - table["observed"]
    return table[table["pairs"] >= min_pairs].reset_index(drop=True)
