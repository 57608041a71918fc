"""Choice-set building speed and peak memory at GPS scale, each case in a fresh process.

    python -m bench.mimic_choicesets                    # all cases, a table on stdout
    python -m bench.mimic_choicesets --case buffalo_h3  # one case, JSON

Cases (what a mimic run does from the file to padded `ChoiceSets`, features included):
* `daily_h3_res4` — the built-in daily simulator's tracks (H3 res 4, 100 km: ≈ 19 choices),
  through the user-track path: the scale the pipeline was built for;
* `buffalo_h3_res10` — deepssf's buffalo (EPSG:3112, hourly bursts, NDVI + slope rasters,
  H3 res 10 within 1.8 km: 645 choices), as `mimic_buffalo` loads it;
* `landscape_raster_25m` — the GPS-scale simulator's walkers on a 25 m raster, the
  raster's own pixels within 1.8 km as cells (≈ 16 000 choices, deepSSF's scale).
Reported: choice rows, wall seconds of `load_movement`, choices/s, and the process's peak
RSS above its RSS after imports, per million choice rows.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ("daily_h3_res4", "buffalo_h3_res10", "landscape_raster_25m")


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_case(case: str) -> dict:
    from configs.base import load_config
    from pipelines.movement import load_movement

    folder = Path(tempfile.mkdtemp())
    if case == "daily_h3_res4":
        from pipelines.movement.simulator.walk import SimulatorSpec, simulate

        tracks, covariates, _ = simulate(SimulatorSpec(n_individuals=111,
                                                       decisions_per_individual=200, seed=0))
        tracks.to_csv(folder / "tracks.csv", index=False)
        covariates.to_parquet(folder / "cov.parquet")
        config = load_config("mimic_v3", [f"covariates_path={folder / 'cov.parquet'}"])
        data_path = str(folder / "tracks.csv")
    elif case == "buffalo_h3_res10":
        config, data_path = load_config("mimic_buffalo"), None
    else:
        from pipelines.movement.simulator import landscape

        landscape.write_dataset(folder, seed=0, n_individuals=10, n_steps=60, max_km=1.8,
                                pixel_m=25.0, shape=(400, 400))
        config = load_config("mimic_landscape", [
            f"data_path={folder / 'tracks.csv'}", f"covariates=habitat:{folder / 'habitat.tif'}",
            "max_km=1.8"])
        data_path = None
    base = _rss_mib()
    started = time.perf_counter()
    data = load_movement(config, data_path)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(int(s.mask.sum()) for _, s in data.splits())
    return {"case": case, "choice_rows": rows, "decisions": sum(
        s.num_decisions for _, s in data.splits()), "seconds": round(seconds, 2),
        "choices_per_s": round(rows / seconds), "peak_rss_mib": round(peak),
        "rss_after_imports_mib": round(base),
        "peak_mib_per_million_choices": round((peak - base) / (rows / 1e6), 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    print("| case | decisions | choice rows | seconds | choices/s | peak RSS MiB | "
          "MiB per M choices |")
    for case in CASES:
        done = subprocess.run([sys.executable, "-m", "bench.mimic_choicesets", "--case", case],
                              capture_output=True, text=True)
        if done.returncode:
            print(f"| {case} | failed: {done.stderr.strip().splitlines()[-1]} |")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {case} | {r['decisions']} | {r['choice_rows']} | {r['seconds']} | "
              f"{r['choices_per_s']} | {r['peak_rss_mib']} | "
              f"{r['peak_mib_per_million_choices']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
