"""Benchmark: the mimic_v3 grid, seed populations vs one-by-one, side by side in one run.

    python bench/mimic_grid.py                      # compare on the v3 slice, then the full grid
    python bench/mimic_grid.py --slice feature_set=v3 --workers 2 --no-full
    python bench/mimic_grid.py --slice epochs=100 --no-full   # the whole grid, both ways

1. The comparison: the same slice of the grid (default `feature_set=v3`: 4 configurations ×
   5 seeds = 20 runs) through the real CLI twice, `--population on` and `--population off`,
   at the same `--workers`, one after the other in this process — ratio first, then minutes.
2. The main job as a user runs it: `python -m tuning.grid mimic_v3` with no flags (60 runs),
   wall clock including start-up and data, with the GMP per feature set and the seed spread.

Every line names the machine (CPU model, AVX-512 or AVX2, cores), the date and the load,
and is appended to bench/RESULTS_mimic.md.
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


def machine() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in flags.splitlines()
                  if line.startswith("model name")), platform.processor() or "?")
    simd = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "no AVX2")
    return f"{model}, {simd}, {os.cpu_count()} cores"


def run_grid(out: Path, args: list[str]) -> tuple[float, "pd.DataFrame"]:
    import pandas as pd

    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "tuning.grid", "mimic_v3", "--out", str(out), *args]
    print("$ " + " ".join(command[1:]), flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    minutes = (time.perf_counter() - started) / 60
    return minutes, pd.read_csv(out / "results.csv")


def record(line: str) -> None:
    print(line, flush=True)
    with open(ROOT / "bench" / "RESULTS_mimic.md", "a") as handle:
        handle.write(line + "\n")


def stamp() -> str:
    return (f"{datetime.datetime.now():%Y-%m-%d %H:%M} ({machine()}; load "
            f"{os.getloadavg()[0]:.1f})")


def grid_summary(rows, minutes: float) -> str:
    """Runs, minutes, GMPs per feature set and the seed spread, as one record line."""
    done = rows[rows["status"] == "COMPLETED"]
    per_set = done.groupby("feature_set")[["gmp_val", "true_gmp_val", "gmp_val_moving",
                                          "gmp_random"]].mean()
    spread = (done.groupby(["feature_set", "num_layers", "layer_size"])["best_val_loss"]
              .agg(lambda v: v.quantile(0.9) - v.min()))
    return (f"{len(rows)} runs ({len(done)} completed) in **{minutes:.1f} min** wall incl. "
            f"start-up and data; mean gmp_val / true / moving / random per feature set: "
            + ", ".join(f"{name} {r.gmp_val:.3f} / {r.true_gmp_val:.3f} / "
                        f"{r.gmp_val_moving:.3f} / {r.gmp_random:.3f}"
                        for name, r in per_set.iterrows())
            + f"; seed spread (p90 − min) of best_val_loss per configuration "
            f"{spread.min():.3f}–{spread.max():.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slice", default="feature_set=v3",
                        help="--set narrowing the grid for the side-by-side comparison "
                             "(a no-op such as epochs=100 compares the whole grid)")
    parser.add_argument("--workers", default=None,
                        help="--workers for both sides of the comparison (default: the CLI's)")
    parser.add_argument("--no-compare", action="store_true", help="skip the comparison")
    parser.add_argument("--no-full", action="store_true", help="skip the full default grid")
    parser.add_argument("--out", default="/tmp/tflab_bench_grid")
    args = parser.parse_args()
    out = Path(args.out)
    common = ["--set", args.slice] + (["--workers", args.workers] if args.workers else [])
    if not args.no_compare:
        started = stamp()
        on, on_rows = run_grid(out / "population", [*common, "--population", "on"])
        off, off_rows = run_grid(out / "one_by_one", [*common, "--population", "off"])
        ok = (on_rows["status"] == "COMPLETED").sum(), (off_rows["status"] == "COMPLETED").sum()
        keys = ["feature_set", "num_layers", "layer_size", "random_seed"]
        merged = on_rows.merge(off_rows, on=keys, suffixes=("_pop", "_solo"))
        gap = (merged["best_val_loss_pop"] - merged["best_val_loss_solo"]).abs().max()
        record(f"- {started}: `python -m tuning.grid mimic_v3 --set {args.slice}"
               + (f" --workers {args.workers}" if args.workers else "")
               + f" --population on|off`, side by side in one run: populations "
               f"**{off / on:.2f}× faster** ({on:.2f} min vs {off:.2f} min one by one, wall "
               f"clock incl. start-up and data; {ok[0]} and {ok[1]} of {len(on_rows)} runs "
               f"completed); max |best_val_loss difference| population vs solo, same seed: "
               f"{gap:.2e}")
        for side, rows, minutes in (("populations", on_rows, on), ("one by one", off_rows, off)):
            record(f"  - {side}: " + grid_summary(rows, minutes))
    if not args.no_full:
        started = stamp()
        minutes, rows = run_grid(out / "full", [])
        record(f"- {started}: `python -m tuning.grid mimic_v3` (README command 1, no flags): "
               + grid_summary(rows, minutes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
