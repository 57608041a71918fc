"""Does a grid give the same results.csv with a chief and two workers as in one process?

    python bench/grid_distributed.py [--out DIR] [--set key=value ...] [--population on|off]

Runs the same grid twice through the real CLI: once in one process, once as a chief plus
two `--connect` workers on loopback, each in its own directory (no shared disk). Then
joins the two results.csv on the grid axes and prints, per metric, the largest absolute
difference (timing columns left out: they measure the machine, not the model), and each
run's wall time. Same seeds must give the same metrics.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = ["simulator_config=tiny", "epochs=3", "batch_size=64", "feature_set=v2",
                "num_layers=2"]
NOT_MODEL = {"seconds", "worker", "trial"}


def _cli(args, cwd, log):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "tuning.grid", *args], cwd=cwd, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_single(base: Path, grid_args: list[str]) -> float:
    (base / "single").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(base / "single.log", "w") as log:
        code = _cli([*grid_args, "--out", "grid", "--workers", "1"], base / "single", log).wait()
    assert code == 0, f"single-process grid failed, see {base / 'single.log'}"
    return time.perf_counter() - started


def run_distributed(base: Path, grid_args: list[str]) -> float:
    port = _port()
    for name in ("chief", "a", "b"):
        (base / name).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    logs = {name: open(base / f"{name}.log", "w") for name in ("chief", "a", "b")}
    chief = _cli([*grid_args, "--out", "grid", "--chief", "--bind", f"127.0.0.1:{port}"],
                 base / "chief", logs["chief"])
    workers = [_cli([*grid_args, "--out", "grid", "--connect", f"127.0.0.1:{port}"],
                    base / name, logs[name]) for name in ("a", "b")]
    codes = [chief.wait(), *(w.wait() for w in workers)]
    for log in logs.values():
        log.close()
    assert codes == [0, 0, 0], f"exit codes {codes}, see the logs in {base}"
    return time.perf_counter() - started


def compare(single: Path, distributed: Path, axes: list[str]) -> pd.DataFrame:
    one, many = pd.read_csv(single), pd.read_csv(distributed)
    assert len(one) == len(many), (len(one), len(many))
    joined = one.merge(many, on=axes, suffixes=("_one", "_many"), validate="one_to_one")
    rows = []
    for column in one.columns:
        if column in axes or column in NOT_MODEL or column == "status":
            continue
        a, b = joined[f"{column}_one"], joined[f"{column}_many"]
        if pd.api.types.is_numeric_dtype(a):
            rows.append({"metric": column, "max_abs_diff": float((a - b).abs().max())})
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/tflab-grid-distributed")
    parser.add_argument("--config", default="mimic_v3")
    parser.add_argument("--set", dest="sets", action="append", default=None)
    parser.add_argument("--population", choices=("on", "off"), default="on")
    args = parser.parse_args()
    base = Path(args.out)
    grid_args = [args.config, "--population", args.population]
    for item in args.sets or DEFAULT_SETS:
        grid_args += ["--set", item]
    print("grid:", " ".join(grid_args), flush=True)
    single_s = run_single(base, grid_args)
    many_s = run_distributed(base, grid_args)
    results_one = base / "single" / "grid" / "results.csv"
    results_many = base / "chief" / "grid" / "results.csv"
    table = pd.read_csv(results_many)
    axes = [c for c in ("random_seed", "layer_size", "num_layers", "feature_set") if c in table]
    diff = compare(results_one, results_many, axes)
    print(diff.to_string(index=False))
    print(f"trials: {len(table)}, statuses: {table['status'].value_counts().to_dict()}, "
          f"workers: {table['worker'].value_counts().to_dict()}")
    print(f"largest difference over every metric: {diff['max_abs_diff'].max():.3g}")
    print(f"wall time (shared box, one run each): one process {single_s:.0f} s, "
          f"chief + 2 workers {many_s:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
