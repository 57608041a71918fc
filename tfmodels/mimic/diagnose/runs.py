"""Which runs a report is about: one run directory, or a grid's best configuration.

A grid directory (`tuning.grid`) has `results.csv` and one run directory per trial under
`trials/` (per member, `trials/trial_ID/seed_K/`, when seeds train as one population; the
`run` column of results.csv names it). Its best configuration is the one with the lowest median of the objective over
its random seeds (the grid summary's order: seeds move val loss as much as architecture
does); the report scores that configuration's best seed and draws every seed's curves.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from configs.grid_keys import SEED_AXIS, SEEDS_HP
from tflab import io
from tflab.errors import UserError


def _run_name(row: pd.Series) -> str:
    """A result row's run directory under trials/: its `run` column (one per member of a
    seed population, trial_ID/seed_K) or, in older grids, trial_ID."""
    run = row.get("run")
    return str(run) if isinstance(run, str) and run else f"trial_{row['trial']}"


@dataclasses.dataclass
class ReportRuns:
    primary: Path              # the run whose tables are reported
    seeds: list[Path]          # every run of the same configuration (primary included)
    description: str           # how they were chosen, for the report's header


def _objective_column(results: pd.DataFrame) -> str:
    for column in ("best_val_loss", "val_loss"):
        if column in results:
            return column
    raise UserError("the grid's results.csv has no val_loss column; re-run "
                    "python -m tuning.grid to finish its trials")


def resolve_runs(path: Path) -> ReportRuns:
    """The runs to report for a run directory or a grid directory."""
    path = Path(path)
    if not path.is_dir():
        raise UserError(f"{path} does not exist; pass a run directory (tfmodels.fit --out) "
                        f"or a grid directory (tuning.grid --out)")
    if not (path / "results.csv").exists():
        return ReportRuns(primary=path, seeds=[path], description=f"run {path}")
    results = pd.read_csv(path / "results.csv", dtype={"trial": str, "run": str})
    done = results[results["status"] == "COMPLETED"].copy()
    done["run_dir"] = [path / "trials" / _run_name(row) for _, row in done.iterrows()]
    done = done[[(d / "scorer.keras").exists() for d in done["run_dir"]]]
    if done.empty:
        raise UserError(f"grid {path} has no completed trial with a scorer; run or resume "
                        f"python -m tuning.grid first")
    first = done["run_dir"].iloc[0] / "config.json"
    axes = [a for a in io.read_json(first).get("grid", {})
            if a not in (SEED_AXIS, SEEDS_HP) and a in done]
    score = _objective_column(done)
    done[score] = pd.to_numeric(done[score], errors="coerce")
    key = done[axes].astype(str).agg("|".join, axis=1) if axes else pd.Series("all",
                                                                                done.index)
    medians = done.groupby(key)[score].median()
    best_key = medians.idxmin()
    chosen = done[key == best_key].sort_values(score)
    trial_dirs = list(chosen["run_dir"])
    setting = ", ".join(f"{a}={chosen[a].iloc[0]}" for a in axes) or "the only configuration"
    description = (f"grid {path}: best configuration by median {score} over seeds "
                   f"({setting}; median {medians[best_key]:.5g}, {len(trial_dirs)} seeds); "
                   f"tables from its best seed, {trial_dirs[0].relative_to(path)} "
                   f"({score} {chosen[score].iloc[0]:.5g})")
    if not np.isfinite(medians[best_key]):
        raise UserError(f"grid {path}: no finite {score} in results.csv")
    return ReportRuns(primary=trial_dirs[0], seeds=trial_dirs, description=description)
