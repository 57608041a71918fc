"""Run a config's grid with KerasTuner: `python -m tuning.grid CONFIG`.

    python -m tuning.grid mimic_v3 [--data PATH] [--out DIR] [--set key=value ...]
                                   [--max-trials N] [--workers N]
    python -m tuning.grid mimic_v3 --out DIR --chief [--bind HOST:PORT]  # holds the grid
    python -m tuning.grid mimic_v3 --out DIR --connect HOST:PORT         # each worker

Every grid axis (`config.grid`, batch_size / epochs / random_seed included) is declared up
front on KerasTuner's `HyperParameters`, so `GridSearch` knows the grid size before the
first trial. Each trial is one `family.train` into its own run directory, seeded for real
with its `random_seed` (KerasTuner never seeds a model). Outputs in DIR:

    trials/trial_ID/      one run directory per trial (config, history, metrics, model);
                          with seed populations trial_ID/seed_K/, one per member
    tuner/                KerasTuner state: re-running the same command resumes — finished
                          trials are kept, the trial that was running restarts
    results.csv           one row per trial: hyperparameters, status, metrics
    summary.csv           per configuration across seeds: n, min, median, p90, spread, and
                          the difference from the best with its seed-bootstrap interval
    grid.png              objective per configuration, one dot per seed
    hparams/              TensorBoard HParams (`tensorboard --logdir DIR`)

A trial whose loss diverges (NaN) is marked FAILED and the grid goes on. With --chief /
--connect (tuning.cluster) the chief writes the tables from the metrics workers report, and
each worker keeps its run directories under its own --out.

Seed populations (default, `--population off` to compare): when the grid has several
`random_seed` values and the family supports it (mimic), all seeds of one configuration
train together as one model with a member axis — one pipeline, one traced step, one Keras
loop — and member k equals a solo run with random_seed=k (tuning/populations.py). The
training order comes from the data seed (`split_seed`), the same for every member.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from configs.base import BaseConfig, load_config
from configs.catalog import add_config_arguments, add_run_arguments, listed
from tflab.cli import ArgumentParser, check_out_dir, int_at_least
from tflab.errors import UserError, main_guard
from tuning import cluster, populations

# KerasTuner/TensorFlow load only after the config and grid are checked: TF prints start-up
# lines on stderr that no setting silences, and a typo deserves one clean line.


def declare_grid(config: BaseConfig, population: bool = False):
    """All axes up front; values are validated by building each config before running.
    With populations, `random_seed` is not an axis: each trial trains all its seeds."""
    if not config.grid:
        raise UserError(f"config {config.name!r} has an empty grid; add "
                        f"grid = {{'field': [values]}} to configs/{config.name}.py or use "
                        f"python -m tfmodels.fit")
    import keras_tuner as kt

    hp = kt.HyperParameters()
    for axis, values in config.grid.items():
        values = list(values)
        if population and axis == populations.SEED_AXIS:
            hp.Fixed(populations.SEEDS_HP, populations.seeds_text(values))
            continue
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


def check_names(config: BaseConfig, family) -> None:
    """What each grid value names outside the config (an environment id), checked by the
    family before any trial runs; families without such names have no `check_config`."""
    check = getattr(family, "check_config", None)
    if check is None:
        return
    check(config)
    for axis, values in config.grid.items():
        for value in values:
            check(config.with_values({axis: value}))


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
    from tuning.noise import describe

    group_axes = [a for a in axes if a != results.SEED_AXIS and a in summary.columns]
    for line in describe(summary, group_axes, score):
        print(line, flush=True)
    return {"runs": len(table), **counts}


CLI_HELP = """Run every trial of a config's grid (configs/CONFIG.py: grid = {field: [values]}).

reads:  the config with --set overrides (--set on a grid axis narrows it to that value);
        data as python -m tfmodels.fit does (--data, or the built-in simulator)
writes: GRID_DIR (--out, default grids/CONFIG): trials/trial_ID/ (one run directory each),
        tuner/ (KerasTuner state: re-run the same command to resume), results.csv (one row
        per trial), summary.csv (per configuration across random_seed: n, min, median,
        p90, spread, difference of medians from the best with a 90 % bootstrap interval
        over seeds, vs_best), grid.png, hparams/ (TensorBoard HParams)
prints: one line per finished trial, then each configuration against the best at the
        seeds' noise, the counts and where the files are
A trial whose loss becomes NaN is marked FAILED and the grid goes on.
"""

CLI_EXAMPLE = """examples:
  python -m tuning.grid mimic_v3 --workers 2      # the 60-trial main job, two processes
  python -m tuning.grid mimic_v3 --set random_seed=0 --max-trials 4
  python -m tuning.grid --list                    # every config; grids show their size
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m tuning.grid", description=CLI_HELP,
                            epilog=CLI_EXAMPLE)
    add_config_arguments(parser, "config name: a file configs/CONFIG.py with a grid")
    add_run_arguments(parser, out_metavar="GRID_DIR", out_help="grid directory (default "
                      "grids/CONFIG)", set_help="override a config field for every trial; a "
                      "grid axis may be narrowed with a single value")
    parser.add_argument("--max-trials", type=int_at_least(1), default=None,
                        help="stop after N trials in total (with seed populations, N "
                        "configurations); resumable")
    parser.add_argument("--workers", type=int_at_least(1), default=None,
                        help="trial processes side by side (a chief and N workers on "
                        "loopback); each uses --threads compute threads (default: one per "
                        "CPU core on a machine without a GPU, one with a GPU)")
    parser.add_argument("--threads", type=int_at_least(1), default=None,
                        help="compute threads per worker (default 1 with --workers N, "
                        "TensorFlow's choice with --connect)")
    parser.add_argument("--population", choices=("on", "off"), default="on",
                        help="on (default): train all random seeds of a configuration "
                        "together as one seed population (one trial per configuration, "
                        "one run directory and results row per seed); off: one trial per "
                        "seed, trained one by one")
    cluster.add_arguments(parser)
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
    if listed(args, "python -m tuning.grid", "mimic_v3"):
        return 0
    config = narrow_grid(load_config(args.config, args.overrides), args.overrides)
    if not config.grid:
        declare_grid(config)  # raises the empty-grid error
    grid_size = grid_configs(config)
    out_dir = check_out_dir(args.out or Path("grids") / config.name)
    cluster.check_arguments(args)
    if args.connect:  # before TensorFlow loads: no chief is one clean line
        from tuning.client import wait_for_chief

        wait_for_chief(args.connect, args.connect_timeout)
    from tfmodels.families import get_family

    family = get_family(config.family)
    check_names(config, family)
    checked = None
    if args.data and not args.connect:  # the user's data, checked before TensorFlow loads
        checked = family.load_data(config, args.data)
    import keras_tuner as kt

    from tfmodels.runtime import quiet_console
    from tuning.heartbeat import LeasedGridSearch

    quiet_console()
    population = populations.uses_populations(config, family, args.population)
    hp = declare_grid(config, population)
    seeds = len(config.grid.get(populations.SEED_AXIS, [0]))
    trials = grid_size // seeds if population else grid_size
    out_dir.mkdir(parents=True, exist_ok=True)
    objective = family.objective
    if args.chief or args.connect:
        workers = 1  # a chief trains nothing; a worker is one trial process
    else:
        workers = args.workers or cluster.default_workers(trials)
    if not args.connect:
        how = (f" as {trials} seed populations of {seeds}" if population else "")
        print(f"grid {config.name}: {grid_size} runs{how} over "
              f"{', '.join(f'{k}[{len(v)}]' for k, v in config.grid.items())} -> {out_dir} "
              f"({workers} worker process{'es' if workers > 1 else ''}"
              f"{f' × {args.threads or 1} thread' if workers > 1 else ''})", flush=True)
    def make_tuner(**cluster_options):
        return LeasedGridSearch(
            config, args.data, out_dir, trials, verbose=True, population=population,
            **cluster_options,
            objective=kt.Objective(objective[0], objective[1]),
            hyperparameters=hp,
            max_trials=min(trials, args.max_trials or trials),
            max_consecutive_failed_trials=grid_size + 1,
            directory=str(out_dir), project_name="tuner", overwrite=False)

    if args.connect:  # a worker: run the chief's trials, write no table
        if args.threads:
            os.environ["TFLAB_WORKER_THREADS"] = str(args.threads)
        cluster.configure_worker_threads()
        cluster.run_worker(make_tuner, args)
        return 0
    started = time.perf_counter()
    if args.chief:
        cluster.run_chief(make_tuner, args)
    elif workers > 1:
        worker_argv = [a for a in (argv if argv is not None else sys.argv[1:])]
        os.environ["TFLAB_WORKERS"] = str(workers)
        codes = cluster.run_local(make_tuner, worker_argv, workers, args.threads or 1,
                                  args.lease)
        if any(codes):
            print(f"warning: worker exit codes {codes}; re-run the same command to resume",
                  file=sys.stderr)
    else:
        tuner = make_tuner(tuner_id=cluster.worker_id())
        if checked is not None:
            tuner.keep_data(config, checked)
        previously = tuner._finished_trials()
        if previously:
            print(f"resuming: {previously} finished trials kept", flush=True)
        cluster.search(tuner)
    counts = write_outputs(out_dir, config, objective, getattr(family, "summary_metrics", ()))
    print(f"grid done in {(time.perf_counter() - started) / 60:.1f} min (wall clock of this "
          f"run): "
          f"{counts}; wrote {out_dir}/results.csv, summary.csv, grid.png, hparams/", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
