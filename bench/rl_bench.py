"""RL benchmark: CartPole seeds to a 100-episode mean ≥ 475, MinAtar Breakout after 1M steps.

    nice -n 10 python -m bench.rl_bench cartpole --seeds 0 1 2 3 4 [--set k=v ...]
    nice -n 10 python -m bench.rl_bench breakout --seeds 0 [--set k=v ...]
    python -m bench.rl_bench report            # bench/RESULTS_rl.md from the run dirs

Each run is a full `FAMILY.train` into runs/bench/<what>-seed<k>/. What is measured:
  steps_to_solve      env steps (all envs) when the mean return of the last 100 training
                      episodes (sampled actions) first reached 475; blank = not within budget
  steps_per_sec       env steps / wall seconds of the whole run, evaluations included
  eval_return_*       mean return of 10 fresh episodes per variant at the end (sampled actions)
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

RUNS = Path("runs/bench")  # /runs/ is git-ignored
WHAT = {"cartpole": "a2c_cartpole", "breakout": "a2c_breakout"}
GRIDS = [Path("runs/grid_a2c_breakout_repr"), Path("runs/grid_a2c_breakout_repr_1M")]
RESULTS = "bench/RESULTS_rl.md"
NOTES_MARK = "## Notes"


def run(what: str, seeds: list[int], overrides: list[str]) -> None:
    from configs.base import load_config
    from tfmodels.families import get_family

    for seed in seeds:
        config = load_config(WHAT[what], overrides + [f"random_seed={seed}"])
        run_dir = RUNS / f"{what}-seed{seed}"
        metrics = get_family("a2c").train(config, None, run_dir, verbose=1)
        print(json.dumps({"seed": seed, "steps_to_solve": metrics["steps_to_solve"],
                          "ep_return_mean100": metrics["ep_return_mean100"],
                          "eval_return_train": metrics["eval_return_train"],
                          "eval_return_heldout": metrics["eval_return_heldout"],
                          "steps_per_sec": metrics["steps_per_sec_overall"]}), flush=True)


def report() -> str:
    from tflab.io import write_text

    lines = ["# RL benchmark (A2C)", "",
             f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, 2 cores shared "
             f"with other jobs (timings are a lower bound); date {time.strftime('%Y-%m-%d')}.",
             "", "| run | total steps | steps_to_solve (100-ep train mean ≥ 475) | final "
             "ep_return_mean100 | eval_return_train | eval_return_heldout | env steps/s |",
             "|-|-|-|-|-|-|-|"]
    for metrics_path in sorted(RUNS.glob("*/metrics.json")):
        m = json.loads(metrics_path.read_text())
        lines.append(f"| {metrics_path.parent.name} | {m['total_steps']} | "
                     f"{m.get('steps_to_solve') or '—'} | {m['ep_return_mean100']:.1f} | "
                     f"{m['eval_return_train']:.1f} | {m['eval_return_heldout']:.1f} | "
                     f"{m['steps_per_sec_overall']:.0f} |")
    lines += seed_lines()
    for grid_dir in GRIDS:
        lines += grid_lines(grid_dir)
    text = "\n".join(lines) + "\n"
    previous = Path(RESULTS)
    if previous.exists() and NOTES_MARK in previous.read_text():  # keep the hand-written notes
        text += "\n" + previous.read_text()[previous.read_text().index(NOTES_MARK):]
    write_text(RESULTS, text)
    return text


def grid_size() -> int:
    from configs.base import load_config

    size = 1
    for values in load_config("a2c_breakout_repr", []).grid.values():
        size *= len(values)
    return size


def seed_lines() -> list[str]:
    """The final a2c_breakout config over seeds (rows breakout-seed<k>): how many reach ≥ 10."""
    import numpy as np

    rows = [json.loads(p.read_text()) for p in sorted(RUNS.glob("breakout-seed*/metrics.json"))]
    rows = [m for m in rows if m["total_steps"] == 1_000_000]
    if not rows:
        return []
    lines = ["", f"## Breakout-v1, a2c_breakout, 1M steps: {len(rows)} seeds", "",
             "| metric | per seed | mean ± std | seeds ≥ 10 |", "|-|-|-|-|"]
    for key in ("ep_return_mean100", "eval_return_train", "eval_return_heldout"):
        v = np.array([m[key] for m in rows], dtype=float)
        lines.append(f"| {key} | {', '.join(f'{x:.2f}' for x in v)} | {v.mean():.2f} ± "
                     f"{v.std(ddof=1) if len(v) > 1 else 0:.2f} | {(v >= 10).sum()}/{len(v)} |")
    return lines


def grid_table(grid_dir: Path):
    """One row per trial: results.csv when the grid finished, else read from the tuner state
    (a grid stopped part-way writes no results.csv); only COMPLETED trials count."""
    import pandas as pd

    results_csv = grid_dir / "results.csv"
    if results_csv.exists():
        table = pd.read_csv(results_csv)
    elif (grid_dir / "tuner").exists():
        from tuning.results import collect_results

        table = collect_results(grid_dir / "tuner", grid_dir / "trials",
                                ["repr_coef", "random_seed"])
    else:
        return None
    return table


def grid_lines(grid_dir: Path) -> list[str]:
    """Final train / held-out eval returns per repr_coef: mean ± std over seeds."""
    table = grid_table(grid_dir)
    if table is None or table.empty:
        return []
    done = table[table["status"] == "COMPLETED"].sort_values(["repr_coef", "random_seed"])
    if done.empty:
        return ["", f"## Repr grid ({grid_dir.name}): no trial finished yet"]

    def stat(col):
        v = done_group[col]
        # pandas' std is the sample SD (ddof=1), the project's one spread; n = the seeds column
        return f"{v.mean():.2f} ± {v.std(ddof=1):.2f}" if len(v) > 1 else f"{v.mean():.2f}"

    lines = ["", f"## Repr grid ({grid_dir.name}, {int(done['total_steps'].iloc[0])} steps per "
             f"trial; {len(done)} of {grid_size()} trials finished)", "",
             "| repr_coef | seeds | ep_return_mean100 | eval_return_train | eval_return_heldout "
             "| per seed (seed: train eval / held-out eval) | wall min per trial | env steps/s |",
             "|-|-|-|-|-|-|-|-|"]
    for coef, done_group in done.groupby("repr_coef"):
        per_seed = ", ".join(f"{int(r.random_seed)}: {r.eval_return_train:.2f} / "
                             f"{r.eval_return_heldout:.2f}" for r in done_group.itertuples())
        lines.append(f"| {coef} | {len(done_group)} | {stat('ep_return_mean100')} | "
                     f"{stat('eval_return_train')} | {stat('eval_return_heldout')} | {per_seed} | "
                     f"{done_group['wall_s'].min() / 60:.1f}–{done_group['wall_s'].max() / 60:.1f}"
                     f" | {done_group['steps_per_sec_overall'].min():.0f}–"
                     f"{done_group['steps_per_sec_overall'].max():.0f} |")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=sorted(WHAT) + ["report"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    if args.what == "report":
        print(report())
    else:
        run(args.what, args.seeds, args.overrides)


if __name__ == "__main__":
    main()
