"""Skill tables for bench/RESULTS_catan.md from catan run directories (their metrics.json).

    python -m bench.catan_skill_table --by train_games RUN_DIR [RUN_DIR ...]

Prints, in markdown, per run: every head's persistence accuracy, accuracy, accuracy on the
changed elements (with their count) and skill over persistence, in eval and train mode;
then skill per head and per future tick (eval mode); then, grouped by `--by` (a config
field), the mean, sample sd and n over the runs (seeds) of each head's eval-mode skill. An
undefined figure (no changed element, or persistence perfect) prints as "undefined" and is
left out of the means. Grid trials are run directories too (GRID/trials/trial_*).
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

HEADS = ("categorical", "binary", "float", "action")


def fmt(value, digits: int = 4, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    return f"{100 * value:.{digits - 2}f} %" if percent else f"{value:+.{digits}f}"


def load(run: Path) -> tuple[dict, dict]:
    return (json.loads((run / "config.json").read_text()),
            json.loads((run / "metrics.json").read_text()))


def run_rows(name: str, config: dict, m: dict) -> list[str]:
    rows = []
    for head in HEADS:
        rows.append(
            f"| {name} | {head} | {fmt(m[f'acc_{head}_persistence'], 6, True)} | "
            f"{fmt(m[f'acc_{head}_eval_mode'], 6, True)} / "
            f"{fmt(m[f'acc_{head}_train_mode'], 6, True)} | "
            f"{fmt(m[f'acc_changed_{head}_eval_mode'], 4, True)} / "
            f"{fmt(m[f'acc_changed_{head}_train_mode'], 4, True)} "
            f"({int(m[f'changed_{head}_count'])}) | {fmt(m[f'skill_{head}_eval_mode'])} / "
            f"{fmt(m[f'skill_{head}_train_mode'])} |")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--by", default="train_games", help="config field to group seeds by")
    args = parser.parse_args(argv)
    runs = [(run, *load(run)) for run in args.runs if (run / "metrics.json").exists()]
    runs.sort(key=lambda r: (r[1].get(args.by), r[1]["random_seed"]))
    label = lambda c: f"{args.by}={c.get(args.by)} seed {c['random_seed']}"  # noqa: E731
    print("| run | head | persistence | accuracy, eval / train | changed elements, eval / "
          "train (count) | skill, eval / train |\n|-|-|-|-|-|-|")
    for _, config, metrics in runs:
        print("\n".join(run_rows(label(config), config, metrics)))
    print("\nSkill per future tick, eval mode (t+1 / t+2 / t+3 / t+4):\n")
    print("| run | " + " | ".join(HEADS) + " |\n|-|" + "-|" * len(HEADS))
    for _, config, m in runs:
        cells = [" / ".join(fmt(m.get(f"skill_{h}_t{k}_eval_mode"), 3) for k in range(1, 5))
                 for h in HEADS]
        print(f"| {label(config)} | " + " | ".join(cells) + " |")
    print(f"\nSkill over persistence, eval mode, by {args.by}: mean ± sample sd (n runs with "
          f"the figure defined):\n")
    print(f"| {args.by} | " + " | ".join(HEADS) + " |\n|-|" + "-|" * len(HEADS))
    groups: dict = {}
    for _, config, m in runs:
        groups.setdefault(config.get(args.by), []).append(m)
    for key, members in groups.items():
        cells = []
        for head in HEADS:
            values = [m[f"skill_{head}_eval_mode"] for m in members
                      if m.get(f"skill_{head}_eval_mode") is not None]
            sd = f" ± {statistics.stdev(values):.4f}" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):+.4f}{sd} (n={len(values)})" if values
                         else "undefined (n=0)")
        print(f"| {key} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
