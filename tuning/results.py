"""Collect a grid's trials into tables: results.csv (one row per trial), summary.csv.

KerasTuner has no DataFrame export, so we read its `trial_*/trial.json`: status,
hyperparameters and every numeric metric the trial reported to the oracle
(`tuning.trial_table`), so the tables need no run directory and no shared disk.

The summary groups trials that differ only in `random_seed` — a random start can move val
loss as much as the architecture does (bench/RESULTS_mimic.md, "seeds and fit quality") —
and reports, per configuration: n seeds, min / median / 90th percentile of the best val
loss, the spread (90th − min), the mean of the other metrics, and how it compares with the
best configuration at the seeds' noise (`tuning/noise.py`: difference of medians, a
bootstrap interval over seeds, and `vs_best` = best / indistinguishable / worse).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from configs.grid_keys import SEED_AXIS
from tuning.noise import versus_best


def collect_results(tuner_dir: Path, trials_dir: Path | None, axes: list[str]) -> pd.DataFrame:
    """One row per trial (per member of a seed population); `trials_dir` is not read."""
    from tuning.trial_table import collect_rows

    return pd.DataFrame(collect_rows(tuner_dir, axes))


def summarise(results: pd.DataFrame, axes: list[str], objective: str,
              direction: str = "min") -> pd.DataFrame:
    """Per configuration (all axes but random_seed): seed statistics of the objective."""
    done = results[results["status"] == "COMPLETED"].copy()
    group_axes = [a for a in axes if a != SEED_AXIS and a in done.columns]
    score = f"best_{objective}" if f"best_{objective}" in done.columns else objective
    if done.empty or score not in done.columns:
        return pd.DataFrame(columns=[*group_axes, "n"])
    done[score] = pd.to_numeric(done[score], errors="coerce")
    numeric = [c for c in done.columns if c not in (*axes, "trial", "run", "status", score)
               and pd.api.types.is_numeric_dtype(done[c])]
    rows, groups = [], {}
    grouped = done.groupby(group_axes, dropna=False, sort=True) if group_axes else [((), done)]
    for key, part in grouped:
        key = key if isinstance(key, tuple) else (key,)
        values = part[score].dropna().to_numpy()
        groups[len(rows)] = values
        best = values.min() if direction == "min" else values.max()
        p90 = np.percentile(values, 90 if direction == "min" else 10)
        row = dict(zip(group_axes, key))
        row.update({
            "n": len(values),
            f"{score}_min" if direction == "min" else f"{score}_max": best,
            f"{score}_median": float(np.median(values)),
            f"{score}_p90" if direction == "min" else f"{score}_p10": float(p90),
            f"{score}_spread": float(abs(p90 - best)),
        })
        for column in numeric:
            row[f"{column}_mean"] = float(part[column].mean())
        rows.append(row)
    summary = pd.DataFrame(rows)
    if rows:
        noise = versus_best(groups, direction).set_index("key")
        summary = summary.join(noise)
    order_col = f"{score}_median"
    return summary.sort_values(order_col, ascending=(direction == "min")).reset_index(drop=True)


def seed_spread(results: pd.DataFrame, axes: list[str], metrics) -> pd.DataFrame:
    """Per configuration: mean, sample sd (ddof = 1; NaN for a single value), min and max
    of each metric over its seeds, and `_n`, how many seeds have a value at all
    (`episodes_to_90` is empty for a seed that never got there, so its mean alone would
    hide the failures)."""
    done = results[results["status"] == "COMPLETED"] if "status" in results else results
    group_axes = [a for a in axes if a != SEED_AXIS and a in done.columns]
    rows = []
    grouped = done.groupby(group_axes, dropna=False, sort=True) if group_axes else [((), done)]
    for key, part in grouped:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(group_axes, key), seeds=len(part))
        for metric in metrics:
            values = pd.to_numeric(part.get(metric, pd.Series(dtype=float)),
                                   errors="coerce").dropna().to_numpy()
            row[f"{metric}_n"] = len(values)
            for stat, fn in (("mean", np.mean), ("sd", _sample_sd), ("min", np.min),
                             ("max", np.max)):
                row[f"{metric}_{stat}"] = float(fn(values)) if len(values) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def _sample_sd(values: np.ndarray) -> float:
    """The one spread of the project: sample standard deviation (ddof=1), NaN for n < 2."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def with_seed_spread(summary: pd.DataFrame, results: pd.DataFrame, axes: list[str],
                     metrics) -> pd.DataFrame:
    """`summary` with `seed_spread`'s columns joined on the configuration axes."""
    spread = seed_spread(results, axes, metrics)
    keys = [a for a in axes if a != SEED_AXIS and a in spread.columns]
    if summary.empty:
        return spread
    summary = summary.drop(columns=[c for c in spread.columns if c in summary.columns
                                    and c not in keys])
    if not keys:
        return pd.concat([summary.reset_index(drop=True), spread], axis=1)
    return summary.merge(spread, on=keys, how="outer")
