"""Benchmark: tflab's exact linear solve vs statsmodels, timed to one stopping rule.

    taskset -c 0 nice -n 5 python -m bench.mimic_linear [--decisions 2000,8000] [--no-simulator]

Every estimator stops by the same rule — max |gradient of the mean NLL per decision| ≤
`--gradient-tol` (default 1e-7, tflab's default) — and the rule is checked after the fact:
each one's achieved gradient is recomputed here in float64 at the coefficients it returned
and printed beside its time. Fitted on the same training decisions and identified features
(pin the run to one core with `taskset`: the tflab subprocess inherits it):

* tflab: `python -m tfmodels.fit mimic_linear --set gradient_tol=TOL` in a subprocess (Newton
  with the exact Hessian, tfmodels/mimic/exact.py); fit s = metrics.json `seconds` (the
  solve: trace + every pass), wall = the whole subprocess;
* statsmodels `ConditionalLogit`, BFGS (its default optimizer), run through statsmodels'
  own `LikelihoodModel.fit` because `ConditionalLogit.fit` does not forward tolerances:
  statsmodels minimises −loglike / n_rows, so the rule becomes scipy's `gtol = TOL · D /
  n_rows` with the max-norm. BFGS may stop early on precision loss; the gradient column
  shows where it stopped;
* statsmodels `ConditionalLogit`, BFGS with its default tolerance, then Newton
  (`method="newton"`, its Hessian a numerical derivative of the score) from there, stopped
  by a callback as soon as the rule holds (the callback's gradient evaluation is inside
  the timed span). Newton alone from 0 is undamped and diverged to NaN on the simulator
  (bench/RESULTS_mimic.md), so BFGS brings it into range first, as tests/oracles.py does.
fit s for statsmodels = the optimizer alone; wall = + building its arrays and model.
The optional choice-learn peer (bench/choicelearn_fit.py, L-BFGS with its own tolerance, not
this rule) runs only with `--choicelearn-python`.

Accuracy is against a float64 Newton solve on the exact likelihood run until its step is
below 1e-9 (tests/oracles.py; untimed, its own gradient is printed): max |coefficient difference| and the relative NLL difference.
Appends the tables to bench/RESULTS_mimic.md with the command, machine and load.
"""
from __future__ import annotations

import argparse
import dataclasses
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


def run_tflab(data_path, overrides, tol: float, out: Path) -> dict:
    command = [sys.executable, "-m", "tfmodels.fit", "mimic_linear", "--out", str(out),
               "--quiet", "--set", f"gradient_tol={tol:g}"]
    command += ["--data", str(data_path)] if data_path else []
    for pair in overrides:
        command += ["--set", pair]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    metrics = json.loads((out / "metrics.json").read_text())
    table = pd.read_csv(out / "coefficients.csv")
    return {"fit": metrics["seconds"], "wall": wall, "table": table,
            "note": f"{metrics['iterations']} Newton steps (float32 model; its own "
                    f"max abs grad {metrics['grad_norm']:.1e})"}


class _Reached(Exception):
    """Raised from an optimizer callback once the stopping rule holds."""

    def __init__(self, params):
        super().__init__()
        self.params = np.asarray(params)


def run_statsmodels(choice_sets, columns, tol: float, method: str) -> dict:
    from statsmodels.base.model import LikelihoodModel
    from statsmodels.discrete.conditional_models import ConditionalLogit

    from tests.oracles import long_table

    started = time.perf_counter()
    y, x, groups = long_table(choice_sets)
    model = ConditionalLogit(y, x[:, columns], groups=groups)
    decisions, rows = choice_sets.num_decisions, len(y)
    start = np.zeros(len(columns))
    fit_started = time.perf_counter()
    if method == "bfgs":
        # statsmodels minimises -loglike / rows: scale the per-decision rule to it
        result = LikelihoodModel.fit(model, start_params=start, method="bfgs",
                                     gtol=tol * decisions / rows, norm=np.inf,
                                     maxiter=10_000, disp=0, skip_hessian=True)
        params, how = result.params, (f"BFGS, {result.mle_retvals.get('gcalls')} gradient calls, "
                                f"converged={result.mle_retvals.get('converged')}")
    else:
        steps = []

        def reached(params):
            steps.append(1)
            if np.abs(model.score(params)).max() / decisions <= tol:
                raise _Reached(params)

        start = model.fit(disp=0, maxiter=500).params  # ConditionalLogit's default BFGS
        try:
            reached(start)
            result = LikelihoodModel.fit(model, start_params=start, method="newton",
                                         tol=0.0, maxiter=100, disp=0, skip_hessian=True,
                                         callback=reached)
            params = result.params
        except _Reached as done:
            params = done.params
        how = f"default BFGS, then {len(steps) - 1} Newton steps (numerical Hessian)"
    done = time.perf_counter()
    return {"fit": done - fit_started, "wall": done - started, "beta": np.asarray(params),
            "note": how}


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
            "note": f"L-BFGS (its own tolerance), {result['evaluations']} loss evaluations"}


def nll_and_gradient(choice_sets, columns, beta) -> tuple[float, np.ndarray]:
    """Mean NLL per decision and its gradient in float64 at `beta` (the rule's quantity)."""
    x = choice_sets.features[..., columns].astype(np.float64)
    rows = np.arange(choice_sets.num_decisions)
    utility = np.where(choice_sets.mask.astype(bool), x @ np.asarray(beta, float), -np.inf)
    top = utility.max(axis=1, keepdims=True)
    log_p = utility - top - np.log(np.exp(utility - top).sum(axis=1, keepdims=True))
    expected = np.einsum("dc,dcf->df", np.exp(log_p), x)
    gradient = (expected - x[rows, choice_sets.selected]).mean(axis=0)
    return float(-log_p[rows, choice_sets.selected].mean()), gradient


def reference_optimum(choice_sets, columns) -> tuple[np.ndarray, np.ndarray]:
    """Float64 Newton on the exact likelihood (tests/oracles.py): (beta, se)."""
    from tests.oracles import conditional_logit

    subset = dataclasses.replace(choice_sets, features=choice_sets.features[..., columns])
    return conditional_logit(subset)


def compare(name: str, config_overrides, data_path, args, scratch: Path) -> list[str]:
    from configs.base import load_config
    from tfmodels.families import get_family
    from tfmodels.mimic.family import varies_within_decisions

    config = load_config("mimic_linear", config_overrides)
    data = get_family("mimic").load_data(config, data_path)
    train = data.train
    columns = np.flatnonzero(varies_within_decisions(train))
    tol = args.gradient_tol
    tflab = run_tflab(data_path, config_overrides, tol, scratch / f"tflab-{name}")
    tflab["beta"] = tflab["table"]["coefficient"].to_numpy()[columns]
    peers = {"tflab Newton": tflab,
             "statsmodels BFGS": run_statsmodels(train, columns, tol, "bfgs"),
             "statsmodels BFGS + Newton": run_statsmodels(train, columns, tol, "newton")}
    if args.choicelearn_python:
        peers["choice-learn"] = run_choicelearn(args.choicelearn_python, train, columns,
                                                scratch)
    beta_ref, se_ref = reference_optimum(train, columns)
    reference, gradient = nll_and_gradient(train, columns, beta_ref)
    sizes = train.mask.sum(axis=1)
    lines = [f"**{name}**: {train.num_decisions:,} training decisions, {train.mask.sum():,} "
             f"choice rows, {sizes.min()}–{sizes.max()} choices per decision, {len(columns)} "
             f"identified features; rule: max abs gradient of the mean NLL ≤ {tol:g}; "
             f"reference optimum's max abs gradient {np.abs(gradient).max():.1e}", "",
             "| estimator | fit s | wall s | fit ratio (peer / tflab) | achieved max abs grad "
             "| rule met | max abs coef diff | NLL rel diff | how |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, result in peers.items():
        nll, grad = nll_and_gradient(train, columns, result["beta"])
        achieved = np.abs(grad).max()
        lines.append(f"| {label} | {result['fit']:.2f} | {result['wall']:.1f} | "
                     f"{result['fit'] / tflab['fit']:.1f} | {achieved:.1e} | "
                     f"{'yes' if achieved <= tol else 'no'} | "
                     f"{np.abs(result['beta'] - beta_ref).max():.1e} | "
                     f"{(nll - reference) / reference:+.1e} | {result['note']} |")
    se_gap = np.abs(tflab["table"]["se"].to_numpy()[columns] / se_ref - 1).max()
    lines += ["", f"tflab SEs vs the reference's (inverse information at its optimum): max "
              f"relative difference {se_gap:.1e}", ""]
    print("\n".join(lines), flush=True)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", default="20000",
                        help="training decisions of the long table, comma-separated sizes")
    parser.add_argument("--gradient-tol", type=float, default=1e-7,
                        help="the stopping rule every estimator is timed to")
    parser.add_argument("--no-simulator", action="store_true", help="long tables only")
    parser.add_argument("--choicelearn-python", default="",
                        help="python of a venv with choice-learn ('' = skip that peer)")
    args = parser.parse_args()
    import tflab  # noqa: F401  (quiet TF start-up)

    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if not args.no_simulator:
            lines += compare("simulator (mimic_linear, v3)", [], None, args, scratch)
        for size in [int(s) for s in args.decisions.split(",")]:
            table = choice_table(size)
            path = scratch / f"choices-{size}.csv"
            table.to_csv(path, index=False)
            lines += compare(f"long table ({len(table):,} rows, x1..x4)",
                             ["feature_set=x1,x2,x3,x4"], path, args, scratch)
    affinity = len(os.sched_getaffinity(0))
    end_load = os.getloadavg()
    header = (f"\n## {started:%Y-%m-%d %H:%M} UTC — exact linear solve vs statsmodels, one "
              f"stopping rule (`python -m bench.mimic_linear {' '.join(sys.argv[1:])}`)\n\n"
              f"{platform.machine()} {os.cpu_count()} cores (run pinned to {affinity}), load "
              f"average (1/5/15 min) {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} at the start, "
              f"{end_load[0]:.1f}/{end_load[1]:.1f}/{end_load[2]:.1f} at the end; one run, "
              f"all estimators side by side.\n")
    with open(RESULTS, "a") as handle:
        handle.write(header + "\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
