"""Run a config's grid with KerasTuner: `python -m tuning.grid CONFIG`.

    python -m tuning.grid mimic_v3 [--data PATH] [--out DIR] [--set key=value ...]
                                   [--max-trials N]

Every grid axis (`config.grid`, batch_size / epochs / random_seed included) is declared up
front on KerasTuner's `HyperParameters`, so `GridSearch` knows the grid size before the
first trial. Each trial is one `family.train` into its own run directory, seeded for real
with its `random_seed` (KerasTuner never seeds a model). Outputs in DIR:

    trials/trial_ID/      one run directory per trial (config, history, metrics, model)
    tuner/                KerasTuner state: re-running the same command resumes — finished
                          trials are kept, the trial that was running restarts
    results.csv           one row per trial: hyperparameters, status, metrics
    summary.csv           per configuration across seeds: n, min, median, p90, spread
    grid.png              objective per configuration, one dot per seed
    hparams/              TensorBoard HParams (`tensorboard --logdir DIR`)

A trial whose loss diverges (NaN) is marked FAILED and the grid goes on.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from configs.base import BaseConfig, load_config
from tflab.errors import UserError, main_guard
from tuning import parallel

# KerasTuner/TensorFlow load only after the config and grid are checked: TF prints start-up
# lines on stderr that no setting silences, and a typo deserves one clean line.


def declare_grid(config: BaseConfig):
    """All axes up front; values are validated by building each config before running."""
    if not config.grid:
        raise UserError(f"config {config.name!r} has an empty grid; add "
                        f"grid = {{'field': [values]}} to configs/{config.name}.py or use "
                        f"python -m tfmodels.fit")
    import keras_tuner as kt

    hp = kt.HyperParameters()
    for axis, values in config.grid.items():
        values = list(values)
        kinds = {type(v) for v in values}
        if len(kinds) > 1 and kinds != {int, float}:
            raise UserError(f"grid axis {axis!r} mixes types {sorted(k.__name__ for k in kinds)}")
        if kinds == {int, float}:
            values = [float(v) for v in values]
        if len(set(values)) != len(values):
            raise UserError(f"grid axis {axis!r} repeats a value: {values}")
        hp.Choice(axis, values, ordered=False)
    return hp


def grid_configs(config: BaseConfig) -> int:
    """Check every value on every axis builds a valid config; return the grid size."""
    size = 1
    for axis, values in config.grid.items():
        for value in values:
            config.with_values({axis: value})
        size *= len(values)
    return size


def write_outputs(out_dir: Path, config: BaseConfig, objective: tuple[str, str],
                  spread_metrics=()) -> dict:
    from tuning import report, results

    axes = list(config.grid)
    table = results.collect_results(out_dir / "tuner", out_dir / "trials", axes)
    from tflab import io

    io.write_csv(out_dir / "results.csv", table)
    summary = results.summarise(table, axes, objective[0], objective[1])
    if spread_metrics:  # a family's own seed statistics (mean ± std, seeds that got there)
        summary = results.with_seed_spread(summary, table, axes, spread_metrics)
    io.write_csv(out_dir / "summary.csv", summary)
    score = f"best_{objective[0]}" if f"best_{objective[0]}" in table else objective[0]
    report.plot_grid(table, axes, score, out_dir / "grid.png",
                     title=f"{config.name}: {score} per configuration")
    metric_names = [c for c in ("train_loss_true", "val_loss", f"best_{objective[0]}",
                                "gmp_val", "gmp_val_moving", objective[0]) if c in table]
    report.write_hparams(table, axes, metric_names, out_dir)
    counts = table["status"].value_counts().to_dict() if not table.empty else {}
    return {"trials": len(table), **counts}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tuning.grid", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", help="config name: a file configs/NAME.py with a grid")
    parser.add_argument("--data", default=None, help="input data (default: built-in simulator)")
    parser.add_argument("--out", default=None, help="grid directory (default grids/CONFIG)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a config field for every trial; "
                        "a grid axis may be narrowed with a single value")
    parser.add_argument("--max-trials", type=int, default=None,
                        help="stop after N trials in total (resumable)")
    parser.add_argument("--workers", type=int, default=1,
                        help="trial processes side by side (KerasTuner chief/worker on "
                        "loopback); each uses --threads compute threads")
    parser.add_argument("--threads", type=int, default=1,
                        help="compute threads per worker when --workers > 1")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser


def narrow_grid(config: BaseConfig, overrides: list[str]) -> BaseConfig:
    """`--set epochs=3` on a grid axis replaces that axis by the single value."""
    from configs.base import parse_overrides

    values = parse_overrides(overrides)
    grid = dict(config.grid)
    for key, value in values.items():
        if key in grid:
            grid[key] = [getattr(config, key)]
    config.grid = grid
    return config


@main_guard
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = narrow_grid(load_config(args.config, args.overrides), args.overrides)
    if not config.grid:
        declare_grid(config)  # raises the empty-grid error
    grid_size = grid_configs(config)
    if args.max_trials is not None and args.max_trials < 1:
        raise UserError("--max-trials must be >= 1")
    if args.workers < 1 or args.threads < 1:
        raise UserError("--workers and --threads must be >= 1")
    from tfmodels.families import get_family

    family = get_family(config.family)
    checked = None
    if args.data and not args.worker:  # the user's data, checked before TensorFlow loads
        checked = family.load_data(config, args.data)
    import keras_tuner as kt

    from tfmodels.runtime import quiet_console
    from tuning.search import FamilyGridSearch

    quiet_console()
    hp = declare_grid(config)
    out_dir = Path(args.out or Path("grids") / config.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    objective = family.objective
    if not args.worker:
        print(f"grid {config.name}: {grid_size} trials over "
              f"{', '.join(f'{k}[{len(v)}]' for k, v in config.grid.items())} -> {out_dir}",
              flush=True)
    def make_tuner():
        return FamilyGridSearch(
            config, args.data, out_dir, grid_size, verbose=True,
            objective=kt.Objective(objective[0], objective[1]),
            hyperparameters=hp,
            max_trials=min(grid_size, args.max_trials or grid_size),
            max_consecutive_failed_trials=grid_size + 1,
            directory=str(out_dir), project_name="tuner", overwrite=False)

    if args.worker:  # a subprocess started by run_with_workers: run trials, write nothing
        parallel.configure_worker_threads()
        make_tuner().search(verbose=0)
        return 0
    started = time.perf_counter()
    if args.workers > 1:
        worker_argv = [a for a in (argv if argv is not None else sys.argv[1:])]
        os.environ["TFLAB_WORKERS"] = str(args.workers)
        codes = parallel.run_with_workers(make_tuner, worker_argv, args.workers, args.threads)
        if any(codes):
            print(f"warning: worker exit codes {codes}; re-run the same command to resume",
                  file=sys.stderr)
    else:
        tuner = make_tuner()
        if checked is not None:
            tuner.keep_data(config, checked)
        previously = tuner._finished_trials()
        if previously:
            print(f"resuming: {previously} finished trials kept", flush=True)
        try:
            tuner.search(verbose=0)
        except kt.errors.FatalError as err:
            if isinstance(err.__cause__, UserError):
                raise err.__cause__ from None
            raise
    counts = write_outputs(out_dir, config, objective, getattr(family, "summary_metrics", ()))
    print(f"grid done in {(time.perf_counter() - started) / 60:.1f} min this session: "
          f"{counts}; wrote {out_dir}/results.csv, summary.csv, grid.png, hparams/", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
