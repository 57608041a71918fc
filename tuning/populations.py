"""Grid trials that are seed populations: one KerasTuner trial = one configuration, all of
its random seeds trained together (`family.train_population`).

KerasTuner's space then holds every axis but `random_seed`, plus a fixed `random_seeds`
entry ("0,1,2,3,4") that records which seeds the trial trained. Each member gets its own
run directory, `trials/trial_ID/seed_K/`, and its own row in results.csv. What the trial
reports to the oracle: the objective as the median over the members that finished, and
every member's numbers flattened as `seed_K/NAME` (`seed_K/failed` = 1 for a member whose
loss diverged), so the oracle's record alone rebuilds the per-member table.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from configs.grid_keys import SEED_AXIS, SEEDS_HP


def uses_populations(config, family, requested: str) -> bool:
    """Populations when the family trains them, the grid has several seeds, and the user
    did not ask for one-by-one training (`--population off`)."""
    seeds = config.grid.get(SEED_AXIS, [])
    supported = getattr(family, "supports_population", lambda config: False)
    if requested != "on" or len(seeds) < 2 or not supported(config):
        return False
    # every value of every axis must allow it (e.g. no exactly-solved linear grid point)
    return all(supported(config.with_values({axis: value}))
               for axis, values in config.grid.items() for value in values)


def seeds_text(seeds) -> str:
    return ",".join(str(int(s)) for s in seeds)


def parse_seeds(text: str) -> list[int]:
    return [int(s) for s in str(text).split(",") if s.strip()]


def member_dir(trial_dir: Path, seed: int) -> Path:
    return Path(trial_dir) / f"seed_{seed}"


def numeric(metrics: dict) -> dict:
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(float(v))}


def trial_report(members: dict[int, dict], failed: set[int], objective: str) -> dict:
    """What a population trial returns to KerasTuner: objective median + flattened members."""
    out = {}
    for seed, metrics in members.items():
        for key, value in numeric(metrics).items():
            out[f"seed_{seed}/{key}"] = value
        out[f"seed_{seed}/failed"] = 1.0 if seed in failed else 0.0
    for key in {k for seed, m in members.items() if seed not in failed for k in numeric(m)}:
        values = [numeric(m)[key] for seed, m in members.items()
                  if seed not in failed and key in numeric(m)]
        out[key] = float(np.median(values))
    if objective not in out:
        out[objective] = float("nan")
    return out


def finished_before(trial_dir: Path, configs, read_json, config_text) -> dict | None:
    """Every member's metrics if this population already finished (killed before
    KerasTuner recorded it); None if any member is missing: the population re-runs."""
    members = {}
    for config in configs:
        run_dir = member_dir(trial_dir, config.random_seed)
        metrics_file, config_file = run_dir / "metrics.json", run_dir / "config.json"
        if not (metrics_file.exists() and config_file.exists()):
            return None
        if read_json(config_file) != config_text(config.to_dict()):
            return None
        members[config.random_seed] = read_json(metrics_file)
    return members


def run_population_trial(tuner, trial, values: dict) -> dict:
    """Train one configuration's seeds together; print one line with every member."""
    from tflab import io

    seeds = parse_seeds(values.pop(SEEDS_HP))
    base = tuner.base_config.with_values(values)
    configs = [base.with_values({SEED_AXIS: seed}) for seed in seeds]
    trial_dir = tuner.trials_dir / f"trial_{trial.trial_id}"
    described = " ".join(f"{k}={v}" for k, v in values.items()
                         if len(tuner.base_config.grid.get(k, [])) > 1)
    label = f"{tuner.who}population [{trial.trial_id}] {described} seeds {seeds_text(seeds)}"
    objective = tuner.oracle.objective.name
    kept = finished_before(trial_dir, configs, io.read_json, io.read_json_text)
    if kept is not None:
        failed = {s for s, m in kept.items() if m.get("status") == "FAILED"}
        tuner.say(f"{label} -> finished before the interruption; kept, not re-run")
        return tuner.check_report(trial_report(kept, failed, objective))
    started = time.perf_counter()
    results = tuner.family.train_population(
        configs, tuner.data_for(base), [member_dir(trial_dir, s) for s in seeds], verbose=0)
    seconds = time.perf_counter() - started
    members = {r.config.random_seed: r.metrics for r in results}
    failed = {r.config.random_seed for r in results if r.failed}
    tuner.record_duration(seconds)
    done = max(1, tuner.finished_populations())  # this one included
    score = f"best_{objective}"
    shown = " ".join("FAILED" if s in failed else f"{members[s].get(score, float('nan')):.4f}"
                     for s in seeds)
    medians = "".join(f"  median {k}={np.median([members[s][k] for s in alive]):.4f}"
                      for alive in [[s for s in seeds if s not in failed]]
                      for k in ("gmp_val", "gmp_val_moving")
                      if alive and all(k in members[s] for s in alive))
    tuner.say(f"{label.replace('population [', f'population {done}/{tuner.grid_size} [', 1)} -> "
          f"{score} per seed: {shown}{medians}  ({seconds:.1f}s for {len(seeds)} members, "
          f"eta {tuner.eta_minutes(done):.1f} min)")
    return tuner.check_report(trial_report(members, failed, objective))
