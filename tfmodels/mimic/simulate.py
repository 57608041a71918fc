"""Simulate movement forward from a trained mimic run: `python -m tfmodels.mimic.simulate`.

    python -m tfmodels.mimic.simulate RUN_DIR --start tracks.csv --days 200 --out sim.csv
    python -m tfmodels.mimic.simulate RUN_DIR --cells 840c... --start-date 2020-06-01 \\
        --days 90 --individuals 50 --seed 1 --out sim.csv
    python -m tfmodels.mimic.simulate RUN_DIR --start tracks.csv --days 365 --mode mass \\
        --out mass.csv

paths (default): K animals, each step one cell drawn from the model's probabilities over
the choice set it would have had in training (see `tfmodels.mimic.forward`); written as
tracks `individual, time, lat, lon` (cell centres) that `tfmodels.fit --data` reads back.
Animal i starts at the first fix of the i-th individual of --start (cycling when
--individuals is larger) or at the i-th of --cells. mass: the start cells' share of
animals propagated day by day through each day's transition matrix; writes per-day cell
probabilities and OUT.png (small multiples). `--truth` uses the simulator's true model
instead of the run (runs trained on the simulator only), for comparison.

On the simulator's fields, OUT_covariates.csv holds the covariates of every choice the
animals faced, so `tfmodels.fit mimic_v3 --data OUT --set covariates_path=OUT_covariates.csv`
refits on the simulated tracks. Prints, and writes to OUT_summary.json, the stay-put share
and step-distance distribution of the simulated tracks beside those of the --start tracks
(measured the same way: consecutive fixes of one animal, great-circle distance between cell
centres; start tracks of single fixes have no steps to show).
"""
from __future__ import annotations

import sys
from pathlib import Path

import h3
import numpy as np
import pandas as pd

from pipelines.movement.geo import great_circle_km
from pipelines.movement.tracks import read_table, validate_covariates, validate_tracks
from tflab import io
from tflab.cli import ArgumentParser, check_out_file, float_at_least, int_at_least
from tflab.errors import UserError, main_guard

STEP_BINS = (0.0, 1e-6, 45.0, 75.0, 90.0, 1e9)  # stay, 1st ring, 2nd, ... (km, res 4)
STEP_LABELS = ("0 (stay)", "(0, 45]", "(45, 75]", "(75, 90]", "> 90")


def starts_from(args, resolution: int) -> tuple[list[str], np.ndarray, list]:
    """(start cells, start times, individual ids) of the K simulated animals (main has
    checked that exactly one of --start and --cells is given)."""
    if args.start is not None:
        tracks = start_tracks(args.start)
        first = tracks.groupby("individual", sort=True).head(1).reset_index(drop=True)
        cells = [h3.latlng_to_cell(a, b, resolution) for a, b in zip(first["lat"], first["lon"])]
        times, names = first["time"].to_numpy(), first["individual"].tolist()
    else:
        cells = [c.strip() for c in args.cells.split(",") if c.strip()]
        bad = [c for c in cells if not h3.is_valid_cell(c)]
        if bad or not cells:
            raise UserError(f"--cells: {bad[0] if bad else args.cells!r} is not an H3 cell id; "
                            f"write ids such as 840c4a3ffffffff, comma-separated")
        other = {h3.get_resolution(c) for c in cells} - {resolution}
        if other:
            raise UserError(f"--cells are H3 resolution {sorted(other)}, the run's cells "
                            f"{resolution}; use cells of resolution {resolution}")
        times = np.full(len(cells), np.datetime64(args.start_date, "ns"))
        names = list(range(len(cells)))
    k = args.individuals or len(cells)
    pick = np.arange(k) % len(cells)
    ids = [names[i] if k == len(cells) else f"{names[i]}_{n}" for n, i in enumerate(pick)]
    if args.start_date is not None and args.start is not None:
        times = np.full(len(cells), np.datetime64(args.start_date, "ns"))
    return [cells[i] for i in pick], np.asarray(times)[pick], ids


def start_tracks(path: str) -> pd.DataFrame:
    """The --start tracks; one fix per individual is enough (only its first fix is used)."""
    return validate_tracks(read_table(path), min_fixes=1)


def parse_start_date(text: str) -> pd.Timestamp:
    """--start-date as a timestamp (naive, as the tracks' times are), or a UserError."""
    try:
        when = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        when = pd.NaT
    if when is pd.NaT:
        raise UserError(f"--start-date {text!r} is not a date; write an ISO date such as "
                        f"2020-06-01 or 2020-06-01T12:00")
    return when.tz_convert(None) if when.tzinfo is not None else when


def output_paths(out: Path) -> list[Path]:
    """Every file a simulation may write: OUT, OUT_summary.json, OUT_covariates.csv, OUT.png."""
    stem = str(out.with_suffix(""))
    return [out, Path(stem + "_summary.json"), Path(stem + "_covariates.csv"),
            out.with_suffix(".png")]


def step_summary(tracks: pd.DataFrame) -> dict:
    """Stay-put share and step-distance histogram of consecutive fixes (per animal)."""
    tracks = tracks.sort_values(["individual", "time"], kind="stable")
    same = tracks["individual"].to_numpy()[1:] == tracks["individual"].to_numpy()[:-1]
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    km = great_circle_km(lat[:-1], lon[:-1], lat[1:], lon[1:])[same]
    counts = np.histogram(km, bins=STEP_BINS)[0]
    moves = km[km > 1e-6]
    stay = float((km <= 1e-6).mean()) if len(km) else float("nan")  # no steps: no share
    return {"steps": int(len(km)), "stay_put_share": stay,
            "step_km_share": dict(zip(STEP_LABELS, (counts / max(len(km), 1)).tolist())),
            "mean_move_km": float(moves.mean()) if len(moves) else 0.0}


def make_world(run_dir: Path, config, metrics: dict, covariates_path: str | None):
    from pipelines.movement.daily import table_covariates
    from pipelines.movement.features import required_covariates, resolve_feature_set
    from tfmodels.mimic.forward import World

    on_simulator = str(metrics.get("data_source", "simulator:")).startswith("simulator:")
    needed = required_covariates(resolve_feature_set(config.feature_set))
    path = covariates_path or config.covariates_path
    if needed and not on_simulator:
        if not path:
            raise UserError(f"the run's features need covariates {', '.join(needed)} where "
                            f"the animals go; pass --covariates TABLE")
        return World.for_config(config, table_covariates(
            validate_covariates(read_table(path), needed)))
    world = World.for_config(config)
    world.record_covariates = bool(needed)  # the fields' values, for fitting on the tracks
    return world


def run(args) -> dict:
    from tfmodels.mimic.forward import (RunChooser, TruthChooser, propagate_mass,
                                        simulate_paths)
    from tfmodels.mimic.score import read_run

    config, _ = read_run(args.run_dir)
    metrics = io.read_json(args.run_dir / "metrics.json") if (args.run_dir / "metrics.json"
                                                               ).exists() else {}
    cells, times, names = starts_from(args, config.resolution)
    world = make_world(args.run_dir, config, metrics, args.covariates)
    if args.truth:
        if not str(metrics.get("data_source", "")).startswith("simulator:"):
            raise UserError("--truth needs a run trained on the built-in simulator")
        chooser = TruthChooser(config.simulator_config)
    else:
        chooser = RunChooser(args.run_dir)
    start_ids = world.catalog.ids(cells)
    if args.mode == "mass":
        unique, counts = np.unique(start_ids, return_counts=True)
        mass = propagate_mass(chooser, world, unique, counts / counts.sum(), times.min(),
                              args.days, args.min_mass)
        io.write_csv(args.out, mass)
        from tfmodels.mimic.mass_maps import small_multiples

        small_multiples(mass, output_paths(args.out)[3])
        totals = mass.groupby("day")["probability"].sum()
        summary = {"mode": "mass", "days": args.days, "cells_last_day": int(
            (mass["day"] == args.days).sum()), "max_abs_total_minus_1": float(
            (totals - 1).abs().max())}
    else:
        ids, fix_times = simulate_paths(chooser, world, start_ids, times, args.days, args.seed)
        lat, lon = world.catalog.latlon(ids.reshape(-1))
        tracks = pd.DataFrame({"individual": np.repeat(np.asarray(names, dtype=object),
                                                       args.days + 1),
                               "time": fix_times.reshape(-1), "lat": lat, "lon": lon})
        if all(isinstance(n, (int, np.integer)) for n in names):
            tracks["individual"] = tracks["individual"].astype(np.int64)
        io.write_csv(args.out, tracks)
        if world.recorded:
            covariates_out = output_paths(args.out)[2]
            io.write_csv(covariates_out, world.covariate_table())
            print(f"wrote {covariates_out}: the simulator's covariates at every choice the "
                  f"animals faced (fit on the tracks with --set covariates_path=...)")
        summary = {"mode": "paths", "model": "simulator truth" if args.truth else
                   str(args.run_dir), "seed": args.seed, "simulated": step_summary(tracks)}
        if args.start is not None:
            start = step_summary(start_tracks(args.start))
            if start["steps"]:  # single start fixes make no step to compare with
                summary["start_tracks"] = start
    summary["measured_as"] = ("consecutive fixes of one animal; great-circle km between "
                              "cell centres; stay = 0 km")
    io.write_json(output_paths(args.out)[1], summary)
    return summary


def print_summary(summary: dict) -> None:
    if summary["mode"] == "mass":
        print(f"mass: {summary['days']} days, {summary['cells_last_day']} cells on the last; "
              f"per-day total − 1 at most {summary['max_abs_total_minus_1']:.2g}")
        return
    for name in ("simulated", "start_tracks"):
        if name in summary:
            s = summary[name]
            shares = ", ".join(f"{k} {s['step_km_share'][k]:.3f}" for k in STEP_LABELS)
            print(f"  {name:>12}: {s['steps']} steps, stay-put share "
                  f"{s['stay_put_share']:.4f}, mean move {s['mean_move_km']:.1f} km; "
                  f"step km shares: {shares}")


CLI_HELP = """Simulate animals forward from a trained mimic run, on H3 cells.

reads:  RUN_DIR (scorer.keras, config.json, features.json), start positions (--start
        tracks: each individual's first fix, or --cells), covariates where the animals go
        (--covariates; the simulator's own fields for runs on the simulator)
writes: --out: paths: tracks individual, time, lat, lon (tfmodels.fit --data reads them),
        OUT_covariates.csv on the simulator's fields; mass: day, time, cell, lat, lon,
        probability and OUT.png (small multiples); OUT_summary.json
prints: stay-put share and step-distance shares of the simulated and the start tracks
        (paths), or the largest deviation of a day's total mass from 1 (mass)
"""

CLI_EXAMPLE = """example:
  python -m tfmodels.mimic.simulate runs/mimic_v3 --start tracks.csv --days 200 \\
      --individuals 50 --seed 1 --out sim.csv
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m tfmodels.mimic.simulate",
                            description=CLI_HELP, epilog=CLI_EXAMPLE)
    parser.add_argument("run_dir", type=Path, help="a mimic run directory")
    parser.add_argument("--start", default=None, help="tracks CSV: animals start at each "
                        "individual's first fix (one fix per individual is enough)")
    parser.add_argument("--cells", default=None, help="comma-separated H3 start cells")
    parser.add_argument("--start-date", default=None,
                        help="start date (default: the tracks' first fixes; 2020-01-01 "
                             "with --cells)")
    parser.add_argument("--days", type=int_at_least(1), required=True,
                        help="time steps to simulate")
    parser.add_argument("--individuals", type=int_at_least(1), default=None,
                        help="animals to simulate (default: one per start)")
    parser.add_argument("--seed", type=int_at_least(0), default=0, help="seeds the draws (paths)")
    parser.add_argument("--mode", choices=("paths", "mass"), default="paths")
    parser.add_argument("--min-mass", type=float_at_least(0, high=1), default=1e-12,
                        help="mass mode: cells holding less keep their mass in place that "
                             "day (total conserved; bounds the far tail; 0 = exact)")
    parser.add_argument("--covariates", default=None, help="covariate table where animals go "
                        "(default: the run's covariates_path; the simulator's own fields)")
    parser.add_argument("--truth", action="store_true",
                        help="simulate from the simulator's true model, not the run")
    parser.add_argument("--out", type=Path, required=True, help="output CSV")
    return parser


@main_guard
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (args.start is None) == (args.cells is None):
        raise UserError("give exactly one of --start TRACKS.csv or --cells CELL[,CELL...]")
    if args.cells is not None and args.start_date is None:
        args.start_date = "2020-01-01"
    if args.start_date is not None:
        args.start_date = parse_start_date(args.start_date)
    check_out_file(args.out)
    for path in output_paths(args.out)[1:]:
        if path.is_dir():
            raise UserError(f"--out {args.out} also writes {path}, which is a directory; "
                            f"choose another --out")
    if not args.run_dir.is_dir():
        raise UserError(f"run directory {args.run_dir} does not exist; pass the directory "
                        f"tfmodels.fit --out wrote")
    summary = run(args)
    print(f"wrote {args.out} ({summary['mode']})")
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
