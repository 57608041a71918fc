"""Benchmark: the paper-sized mimic_v3 grid (60 trials) on this machine.

    python bench/mimic_grid.py [--max-trials N] [--workers W] [--set key=value ...]

Runs the real CLI (`python -m tuning.grid mimic_v3`) into a fresh directory and reports
wall-clock minutes, seconds per trial, and — when fewer than 60 trials were run — the
linear extrapolation to 60, labelled as such. Appends one line to bench/RESULTS_mimic.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-trials", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--out", default="/tmp/tflab_bench_grid")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    command = [sys.executable, "-m", "tuning.grid", "mimic_v3", "--out", args.out,
               "--max-trials", str(args.max_trials), "--workers", str(args.workers)]
    for pair in args.overrides:
        command += ["--set", pair]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    minutes = (time.perf_counter() - started) / 60

    import pandas as pd

    results = pd.read_csv(Path(args.out) / "results.csv")
    done = results[results["status"] == "COMPLETED"]
    n = len(results)
    per_trial = minutes * 60 / max(n, 1)
    line = (f"- {datetime.date.today()} {platform.machine()} {os.cpu_count()} cores (load "
            f"before {load_before:.1f}, after {os.getloadavg()[0]:.1f}): `python -m "
            f"tuning.grid mimic_v3 --workers {args.workers}"
            + "".join(f" --set {pair}" for pair in args.overrides)
            + f"`: {n} trials ({len(done)} completed) in **{minutes:.1f} min** wall incl. "
            f"start-up and data ({per_trial:.1f} s/trial)")
    if n < 60:
        line += f"; scaled linearly to 60 trials: {per_trial:.1f} s × 60 = {per_trial:.0f} min"
    per_set = done.groupby("feature_set")[["gmp_val", "true_gmp_val", "gmp_val_moving",
                                          "gmp_random"]].mean()
    line += "; mean gmp_val / true / moving / random per feature set: " + ", ".join(
        f"{name} {row.gmp_val:.3f} / {row.true_gmp_val:.3f} / {row.gmp_val_moving:.3f} / "
        f"{row.gmp_random:.3f}" for name, row in per_set.iterrows())
    print(line)
    with open(ROOT / "bench" / "RESULTS_mimic.md", "a") as handle:
        handle.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
