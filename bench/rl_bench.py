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
    from tfmodels.io import write_text

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
    lines += grid_lines(Path("runs/grid_a2c_breakout_repr/results.csv"))
    text = "\n".join(lines) + "\n"
    write_text("bench/RESULTS_rl.md", text)
    return text


def grid_lines(results_csv: Path) -> list[str]:
    """Final train / held-out eval returns per repr_coef: mean ± std over seeds."""
    if not results_csv.exists():
        return []
    import pandas as pd

    table = pd.read_csv(results_csv)
    lines = ["", f"## Repr grid ({results_csv.parent.name}, "
             f"{int(table['total_steps'].iloc[0])} steps per trial)", "",
             "| repr_coef | seeds | eval_return_train | eval_return_heldout | "
             "held-out per seed |", "|-|-|-|-|-|"]
    for coef, group in table.groupby("repr_coef"):
        train, held = group["eval_return_train"], group["eval_return_heldout"]
        lines.append(f"| {coef} | {len(group)} | {train.mean():.2f} ± {train.std():.2f} | "
                     f"{held.mean():.2f} ± {held.std():.2f} | "
                     f"{', '.join(f'{v:.2f}' for v in held)} |")
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
