"""Benchmark: tflab's exact linear solve vs statsmodels vs choice-learn, side by side.

    taskset -c 0 nice -n 5 python -m bench.mimic_linear [--decisions 20000] [--no-simulator]

Two data sets, each fitted by all three in one run on one machine (pin the run to one core
with `taskset`: the subprocesses inherit it, so every estimator gets the same core):

* the simulator: `mimic_linear` (v3 features) on the paper-sized built-in simulator;
* a long table `individual, decision, choice, selected, x1..x4` written to a CSV, whose
  training split has `--decisions` decisions with 7–19 choices each (conditional logit
  with known coefficients `TABLE_BETA`).

Estimators, all on the same training decisions and identified features:
* tflab: `python -m tfmodels.fit mimic_linear` in a subprocess (Newton, tfmodels/mimic/
  exact.py); fit seconds = metrics.json `seconds` (the solve), wall = the subprocess;
* statsmodels `ConditionalLogit` in this process: BFGS (its default) then Newton from
  there, because BFGS alone stops short of the optimum (see tests/oracles.py); fit seconds
  = both fits, wall = + building its long arrays. Its optimum is the reference;
* choice-learn `ConditionalLogit` (default L-BFGS) in its own venv (bench/choicelearn_fit.py,
  `--choicelearn-python`); fit seconds = its `model.fit`, wall = the subprocess.
Accuracy: max |coefficient − statsmodels'| and the relative difference of the exact
float64 NLL (statsmodels' `loglike`) at each estimator's coefficients to statsmodels' own.
Appends the table to bench/RESULTS_mimic.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS_mimic.md"
TABLE_BETA = (-1.5, 0.8, -0.4, 0.6)
VAL_FRACTION = 0.36  # mimic's default; the table is sized so the training split is exact


def choice_table(train_decisions: int, seed: int = 0) -> pd.DataFrame:
    """Long table of a 4-feature conditional logit, 7–19 choices per decision, 125
    decisions per individual, sized so that mimic's 36 % validation split leaves exactly
    `train_decisions` training decisions."""
    per_individual = 125
    train_individuals = train_decisions // per_individual
    individuals = round(train_individuals / (1 - VAL_FRACTION))
    rng = np.random.default_rng(seed)
    decisions = individuals * per_individual
    sizes = rng.integers(7, 20, size=decisions)
    decision = np.repeat(np.arange(decisions), sizes)
    x = np.column_stack([rng.uniform(0, 1, len(decision)), rng.normal(size=len(decision)),
                         rng.normal(size=len(decision)), rng.random(len(decision)) < 0.2])
    utility = x @ np.asarray(TABLE_BETA) + rng.gumbel(size=len(decision))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    best = np.maximum.reduceat(utility, starts)
    selected = (utility == np.repeat(best, sizes)).astype(int)
    return pd.DataFrame({"individual": decision // per_individual, "decision": decision,
                         "choice": np.arange(len(decision)) - np.repeat(starts, sizes),
                         "selected": selected, **{f"x{i + 1}": x[:, i] for i in range(4)}})


def run_tflab(data_path, overrides, out: Path) -> dict:
    command = [sys.executable, "-m", "tfmodels.fit", "mimic_linear", "--out", str(out),
               "--quiet"] + (["--data", str(data_path)] if data_path else [])
    for pair in overrides:
        command += ["--set", pair]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    metrics = json.loads((out / "metrics.json").read_text())
    table = pd.read_csv(out / "coefficients.csv")
    return {"fit": metrics["seconds"], "wall": wall, "table": table,
            "note": f"{metrics['iterations']} Newton steps, converged={metrics['converged']}"}


def run_statsmodels(choice_sets, columns) -> tuple[dict, object]:
    from statsmodels.discrete.conditional_models import ConditionalLogit

    from tests.oracles import long_table

    started = time.perf_counter()
    y, x, groups = long_table(choice_sets)
    model = ConditionalLogit(y, x[:, columns], groups=groups)
    fit_started = time.perf_counter()
    start = model.fit(disp=0, maxiter=500)
    polished = model.fit(disp=0, method="newton", start_params=start.params, maxiter=50,
                         tol=1e-12)
    done = time.perf_counter()
    score = np.abs(model.score(polished.params)).max()
    return ({"fit": done - fit_started, "wall": done - started, "beta": polished.params,
             "se": polished.bse, "llf": polished.llf,
             "note": f"BFGS then Newton, max |score| {score:.1e}"}, model)


def run_choicelearn(python: str, choice_sets, columns, scratch: Path) -> dict:
    path = scratch / "choice_sets.npz"
    np.savez(path, features=choice_sets.features[..., columns], mask=choice_sets.mask,
             selected=choice_sets.selected)
    started = time.perf_counter()
    done = subprocess.run([python, str(ROOT / "bench" / "choicelearn_fit.py"), str(path)],
                          check=True, capture_output=True, text=True,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    wall = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"fit": result["fit_seconds"], "wall": wall,
            "beta": np.asarray(result["coefficients"]),
            "note": f"L-BFGS, {result['evaluations']} loss evaluations"}


def compare(name: str, config_overrides, data_path, args, scratch: Path) -> list[str]:
    from configs.base import load_config
    from tfmodels.families import get_family
    from tfmodels.mimic.family import varies_within_decisions

    config = load_config("mimic_linear", config_overrides)
    data = get_family("mimic").load_data(config, data_path)
    columns = np.flatnonzero(varies_within_decisions(data.train))
    tflab = run_tflab(data_path, config_overrides, scratch / f"tflab-{name}")
    tflab["beta"] = tflab["table"]["coefficient"].to_numpy()[columns]
    statsmodels, model = run_statsmodels(data.train, columns)
    peers = {"tflab": tflab, "statsmodels": statsmodels}
    if args.choicelearn_python:
        peers["choice-learn"] = run_choicelearn(args.choicelearn_python, data.train, columns,
                                                scratch)
    reference = -statsmodels["llf"]
    rows = data.train.mask.sum()
    lines = [f"**{name}**: {data.train.num_decisions:,} training decisions, {rows:,} choice "
             f"rows, {data.train.mask.sum(axis=1).min()}–{data.train.mask.sum(axis=1).max()} "
             f"choices per decision, {len(columns)} identified features",
             "", "| estimator | fit s | wall s | fit ratio (peer / tflab) | max abs coef diff "
             "| NLL rel diff | how |", "|---|---|---|---|---|---|---|"]
    for label, result in peers.items():
        nll = -model.loglike(np.asarray(result["beta"], dtype=float))
        lines.append(f"| {label} | {result['fit']:.3f} | {result['wall']:.1f} | "
                     f"{result['fit'] / tflab['fit']:.1f} | "
                     f"{np.abs(result['beta'] - statsmodels['beta']).max():.1e} | "
                     f"{(nll - reference) / reference:+.1e} | {result['note']} |")
    se_gap = np.abs(tflab["table"]["se"].to_numpy()[columns] / statsmodels["se"] - 1).max()
    lines += ["", f"tflab SEs vs statsmodels' bse: max relative difference {se_gap:.1e}", ""]
    print("\n".join(lines), flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=20_000,
                        help="training decisions of the long table")
    parser.add_argument("--no-simulator", action="store_true", help="long table only")
    parser.add_argument("--choicelearn-python", default="/work/venv-choicelearn/bin/python",
                        help="python of a venv with choice-learn ('' = skip that peer)")
    args = parser.parse_args()
    import tflab  # noqa: F401  (quiet TF start-up)

    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()[0]
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if not args.no_simulator:
            lines += compare("simulator (mimic_linear, v3)", [], None, args, scratch)
        table = choice_table(args.decisions)
        path = scratch / "choices.csv"
        table.to_csv(path, index=False)
        lines += compare(f"long table ({len(table):,} rows, x1..x4)",
                         ["feature_set=x1,x2,x3,x4"], path, args, scratch)
    affinity = len(os.sched_getaffinity(0))
    header = (f"\n## {started:%Y-%m-%d %H:%M} UTC — exact linear solve vs peers "
              f"(`python -m bench.mimic_linear`)\n\n{platform.machine()} {os.cpu_count()} "
              f"cores (run pinned to {affinity}), load average {load:.1f} at the start "
              f"(the box was shared), one run, all estimators side by side.\n")
    with open(RESULTS, "a") as handle:
        handle.write(header + "\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
