"""Rows of results.csv from what the oracle received: `trial_*/trial.json` + `oracle.json`.

A trial's metrics travel to the oracle with its report (KerasTuner's `trial.json`), so the
process that holds the oracle can write every table without reading any run directory: a
grid spread over machines needs no shared disk. Two forms of metrics are understood:

- one seed per trial: `{"val_loss": ..., "gmp_val": ...}` -> one row;
- a seed population per trial (`tuning/populations.py`): `seed_<K>/<metric>` for each
  member K (plus the trial's medians) -> one row per member, `random_seed = K`,
  `run = trial_ID/seed_K`, the member FAILED when it reported `seed_<K>/failed = 1`.

`worker` names the tuner id whose report counted (kept by `tuning.oracle.LeaseOracle`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from configs.grid_keys import SEED_AXIS, SEEDS_HP
from tuning.oracle import PRIVATE_PREFIX
from tuning.populations import parse_seeds

MEMBER = re.compile(r"^seed_(\d+)/(.+)$")


def last_values(trial: dict) -> dict[str, float]:
    """Each metric's last reported value, tflab's private lease fields left out."""
    histories = trial.get("metrics", {}).get("metrics", {})
    values = {}
    for name, history in sorted(histories.items()):
        observations = history.get("observations") or []
        if observations and not name.startswith(PRIVATE_PREFIX):
            values[name] = float(observations[-1]["value"][-1])
    return values


def members(metrics: dict[str, float]) -> dict[int, dict[str, float]]:
    """`seed_<K>/<metric>` values grouped by K (empty for a one-seed trial)."""
    grouped: dict[int, dict[str, float]] = {}
    for name, value in metrics.items():
        match = MEMBER.match(name)
        if match:
            grouped.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return dict(sorted(grouped.items()))


def trial_rows(trial: dict, axes: list[str], worker: str) -> list[dict]:
    """One row for a one-seed trial; one per member (`run` = trial_ID/seed_K) for a
    population, whose members come from its `random_seeds` value (or its reports)."""
    values = trial.get("hyperparameters", {}).get("values", {})
    status, trial_id = trial.get("status", ""), trial["trial_id"]
    base = {"trial": trial_id, "run": f"trial_{trial_id}", "status": status}
    base.update({axis: values.get(axis) for axis in axes})
    base["worker"] = worker
    metrics = last_values(trial) if status == "COMPLETED" else {}
    population = members(metrics)
    seeds = (parse_seeds(values[SEEDS_HP]) if SEEDS_HP in values
             else list(population) or None)
    if seeds is None:
        return [{**base, **{k: v for k, v in metrics.items() if k not in base}}]
    rows = []
    for seed in seeds:
        member = dict(population.get(seed, {}))
        failed = member.pop("failed", 0.0) == 1.0
        row = {**base, "run": f"trial_{trial_id}/seed_{seed}", SEED_AXIS: seed,
               "status": "FAILED" if failed else status}
        if status == "COMPLETED" and not failed:
            row.update({k: v for k, v in member.items() if k not in row})
        rows.append(row)
    return rows


def collect_rows(tuner_dir: Path, axes: list[str]) -> list[dict]:
    tuner_dir = Path(tuner_dir)
    oracle_file = tuner_dir / "oracle.json"
    workers = {}
    if oracle_file.exists():
        workers = json.loads(oracle_file.read_text()).get("tflab_workers", {})
    rows = []
    for trial_file in sorted(tuner_dir.glob("trial_*/trial.json")):
        trial = json.loads(trial_file.read_text())
        rows.extend(trial_rows(trial, axes, workers.get(trial["trial_id"], "")))
    return rows
