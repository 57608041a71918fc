"""Every table of the report, computed once from the scored choices (`build_tables`).

Kept apart from the CLI so tests and notebooks get the same numbers as the HTML page:
`build_tables(...)` returns name → DataFrame, each of which the report writes as NAME.csv.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from configs.families.mimic import MimicConfig
from tflab.errors import UserError
from tfmodels.mimic.diagnose import calibration, gmp_tables
from tfmodels.mimic.diagnose.density import density_table
from tfmodels.mimic.diagnose.scored import LABELS, decision_table

DEFAULT_SUBSET = "distance_km > 0"  # the "moving" GMP: what the model knows beyond distance
DECISION_COLUMNS = ("individual", "split", "month", "stayed", "distance_bin", "selected_km",
                    "n_choices")


def metric_checks(overall: pd.DataFrame, subsets: pd.DataFrame, metrics: dict
                  ) -> pd.DataFrame:
    """The report's own numbers beside the run's metrics.json (they must agree)."""
    rows = []
    for split in ("train", "val"):
        mine = overall[(overall["split"] == split) & (overall["model"] == LABELS["model"])]
        pairs = [(f"gmp_{split}", mine["gmp"]),
                 (f"nll_decision_{split}", mine["mean_nll"])]
        truth = overall[(overall["split"] == split) & (overall["model"] == LABELS["truth"])]
        pairs.append((f"true_gmp_{split}", truth["gmp"]))
        moving = subsets[(subsets["split"] == split) & (subsets["choices"] == DEFAULT_SUBSET)]
        pairs.append((f"gmp_{split}_moving", moving["gmp_model"] if "gmp_model" in moving
                      else moving.iloc[:0]))
        for name, values in pairs:
            if name in metrics and metrics[name] is not None and len(values):
                report, saved = float(values.iloc[0]), float(metrics[name])
                rows.append({"check": f"report vs metrics.json {name}", "report": report,
                             "expected": saved, "abs_difference": abs(report - saved)})
    return pd.DataFrame(rows)


def sample_decisions(decisions: pd.DataFrame, count: int, seed: int) -> list[int]:
    """A few decisions to map: mostly moves (the interesting ones), one stay, seeded."""
    split = "val" if (decisions["split"] == "val").any() else decisions["split"].iloc[0]
    part = decisions[decisions["split"] == split]
    rng = np.random.default_rng(seed)
    moved = part.index[~part["stayed"].to_numpy()].to_numpy()
    stayed = part.index[part["stayed"].to_numpy()].to_numpy()
    n_stay = min(len(stayed), 1 if count > 1 else 0)
    picks = list(rng.choice(moved, size=min(len(moved), count - n_stay), replace=False))
    picks += list(rng.choice(stayed, size=n_stay, replace=False))
    return sorted(int(d) for d in picks)


def pairs_for(choices: pd.DataFrame, config: MimicConfig) -> pd.DataFrame:
    """Contrast pairs per split, sampled with the seeds training uses for its views."""
    parts = []
    for split in sorted(choices["split"].unique()):
        seed = config.split_seed + (1 if split == "val" else 0)
        parts.append(calibration.contrast_pairs(
            choices, split, alternatives=config.alternatives_per_decision,
            per_individual=config.decisions_per_individual, seed=seed))
    return pd.concat(parts, ignore_index=True)


def check_requests(choices: pd.DataFrame, group_by: list[str], subsets: list[str]) -> None:
    """Every --choices condition and --group-by column refers to columns the data has."""
    from pipelines.movement.expressions import compile_condition

    columns = gmp_tables.subset_columns(choices)
    for text in subsets:
        compile_condition(text, columns, "--choices")
    known = sorted((set(columns) | set(DECISION_COLUMNS) | set(choices.columns))
                   - set(gmp_tables.HIDDEN_COLUMNS))
    for name in group_by:
        if name not in known:
            raise UserError(f"--group-by {name!r} is not a column of the scored data; known: "
                            f"{', '.join(c for c in known if ':' not in c)}")


def build_tables(choices: pd.DataFrame, config: MimicConfig, metrics: dict, *,
                 group_by: list[str], subsets: list[str], min_pairs: int
                 ) -> dict[str, pd.DataFrame]:
    """name → table for every section of the report (see tfmodels/mimic/report.py)."""
    columns = gmp_tables.subset_columns(choices)
    decisions = decision_table(choices, config.max_km)
    check_requests(choices, group_by, subsets)
    for name in group_by:
        if name not in decisions:
            source = columns.get(name, name)
            decisions[name] = choices[choices["selected"] == 1].set_index("decision")[source]
    tables = {"decisions": decisions.reset_index()}
    tables["overall"] = gmp_tables.overall_table(decisions)
    tables["groups"] = pd.concat(
        [gmp_tables.group_table(decisions, by)
         for by in [*gmp_tables.STANDARD_GROUPS, *group_by]], ignore_index=True)
    tables["recombine"] = gmp_tables.recombine(tables["groups"], tables["overall"])
    tables["subsets"] = pd.concat([gmp_tables.subset_table(choices, text, columns)
                                   for text in subsets], ignore_index=True)
    tables["checks"] = metric_checks(tables["overall"], tables["subsets"], metrics)
    tables["stay_share"] = calibration.stay_share_table(decisions)
    tables["reliability"] = calibration.reliability_table(choices)
    pairs = pairs_for(choices, config)
    tables["pc_sensitivity"] = calibration.pc_table(decisions, pairs,
                                                    config.alternatives_per_decision)
    tables["contrast_bins"] = calibration.contrast_bin_table(pairs, config.max_km, min_pairs)
    tables["log_density"] = density_table(choices, decisions, config.timezone)
    return tables
