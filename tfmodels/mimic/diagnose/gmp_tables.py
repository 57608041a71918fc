"""GMP tables: overall per split, per group of decisions, and on subsets of choices.

* overall: GMP and mean NLL per split for every model, and D-NLP — the mean over
  individuals of each individual's mean per-decision NLL, so animals with many fixes do not
  dominate the score (the paper's per-individual view);
* groups: the same per individual, month, stay vs move, selected-distance bin or any
  column, with the decision count beside each; `recombine` checks that the count-weighted
  geometric mean of a grouping's GMPs gives back the overall GMP (nothing lost or doubled);
* subsets: choices meeting a condition (`--choices "normed_distance > 0"`), the others
  dropped and each decision's odds renormalised over what is left, scored on decisions
  whose selection is in the subset: "what does the model say when distance cannot cheat".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.movement.expressions import evaluate_condition
from tfmodels.mimic.diagnose.scored import LABELS, gmp, models_in, selected_log_prob

STANDARD_GROUPS = ("individual", "month", "stayed", "distance_bin")
HIDDEN_COLUMNS = ("selected", "decision", "probability", "true_prob")  # answers, not inputs


def _models(decisions: pd.DataFrame) -> list[str]:
    return [c[len("logp_"):] for c in decisions.columns if c.startswith("logp_")]


def overall_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """Per split and model: decisions, individuals, GMP, mean NLL, D-NLP."""
    rows = []
    for split, part in decisions.groupby("split", sort=True):
        for model in _models(part):
            nll = -part[f"logp_{model}"]
            rows.append({"split": split, "model": LABELS[model], "decisions": len(part),
                         "individuals": part["individual"].nunique(), "gmp": gmp(-nll),
                         "mean_nll": float(nll.mean()),
                         "d_nlp": float(nll.groupby(part["individual"]).mean().mean())})
    return pd.DataFrame(rows)


def group_table(decisions: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per split and value of `by`: decisions, GMP of every model, the run's mean NLL."""
    values = decisions[by]
    if by not in STANDARD_GROUPS and pd.api.types.is_float_dtype(values) \
            and values.nunique() > 12:
        values = pd.qcut(values, 5, duplicates="drop").astype(str)  # quintiles of a number
    rows = []
    for (split, group), part in decisions.groupby([decisions["split"], values], sort=True):
        row = {"split": split, "group_by": by, "group": group, "decisions": len(part)}
        for model in _models(part):
            row[f"gmp_{model}"] = gmp(part[f"logp_{model}"])
        row["mean_nll_model"] = float(-part["logp_model"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def recombine(groups: pd.DataFrame, overall: pd.DataFrame) -> pd.DataFrame:
    """Count-weighted geometric mean of each grouping's GMPs vs the overall GMP."""
    rows = []
    for (split, by), part in groups.groupby(["split", "group_by"], sort=True):
        weights = part["decisions"].to_numpy(float)
        recombined = float(np.exp((weights * np.log(part["gmp_model"])).sum() / weights.sum()))
        whole = overall[(overall["split"] == split) & (overall["model"] == LABELS["model"])]
        total = float(whole["gmp"].iloc[0])
        rows.append({"split": split, "group_by": by, "groups": len(part),
                     "decisions": int(weights.sum()), "gmp_overall": total,
                     "gmp_recombined": recombined, "abs_difference": abs(recombined - total)})
    return pd.DataFrame(rows)


def subset_table(choices: pd.DataFrame, condition: str, columns: dict[str, str]
                 ) -> pd.DataFrame:
    """Renormalised GMP of every model on the choices meeting `condition`.

    `columns` maps the names a user may write (feature names, distance_km, ...) to columns
    of `choices`. Per split: decisions scored (their selection meets the condition), their
    GMP per model, and the null's (1 / choices left).
    """
    env = {name: choices[column].to_numpy() for name, column in columns.items()}
    keep = evaluate_condition(condition, env)
    rows = []
    for split in sorted(choices["split"].unique()):
        in_split = keep & (choices["split"].to_numpy() == split)
        row = {"split": split, "choices": condition}
        for model in models_in(choices):
            log_p = selected_log_prob(choices, model, in_split)
            row["decisions"] = len(log_p)
            row[f"gmp_{model}"] = gmp(log_p)
        row["decisions_in_split"] = int(((choices["split"] == split)
                                         & (choices["selected"] == 1)).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def subset_columns(choices: pd.DataFrame) -> dict[str, str]:
    """Names usable in a choice condition: features (without the `feature:` prefix) and the
    numeric columns of the choice table."""
    names = {c[len("feature:"):]: c for c in choices.columns if c.startswith("feature:")}
    for column in choices.columns:
        if ":" not in column and pd.api.types.is_numeric_dtype(choices[column]) \
                and not column.startswith("logodds") and column not in HIDDEN_COLUMNS:
            names.setdefault(column, column)
    return names
