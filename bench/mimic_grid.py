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
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    minutes = (time.perf_counter() - started) / 60
    per_trial = minutes * 60 / args.max_trials
    line = (f"- {datetime.date.today()} {platform.machine()} {os.cpu_count()} cores: "
            f"mimic_v3 {args.max_trials} trials, workers={args.workers}, "
            f"sets={args.overrides or 'none'}: {minutes:.2f} min wall "
            f"({per_trial:.1f} s/trial incl. start-up and data)")
    if args.max_trials < 60:
        line += f"; linear extrapolation to 60 trials: {per_trial * 60 / 60:.1f} min"
    print(line)
    with open(ROOT / "bench" / "RESULTS_mimic.md", "a") as handle:
        handle.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
