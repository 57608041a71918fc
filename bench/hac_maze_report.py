"""PointMaze: HAC levels 1 / 2 / 3 and SB3 SAC + HER side by side, from their run folders.

    python -m bench.hac_maze_report --grid /work/runs_hac/umaze \
        --sb3 /work/runs_hac/sb3_umaze --png docs/hac_maze_umaze.png

`--grid` names `python -m tuning.grid hac_maze_levels` folders (trials/*/ run directories),
`--sb3` a `bench/sb3_her.py` output folder; both hold per-seed tests.csv and metrics.json
under the same protocol. Printed: one row per agent with final test success, episodes and
env steps to the first test block at ≥ 0.5 and ≥ 0.9 (mean ± sample sd over the seeds
that got there, and how many did; "not reached" otherwise), wall time and speed (env steps
per second of the whole run; of acting + env + bookkeeping alone; update steps per second
of the update calls alone), wall minutes to 0.5 / 0.9; then the mean curve and, with
`--marks N ...`, every agent's success at equal env steps. The PNG draws test success
against env steps, one colour per agent, thin lines per seed and the mean over seeds
thick. Every spread is the sample sd (ddof = 1) with its n.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from bench.hac_bench import markdown


def load_runs(grid: list[Path] | None, sb3: Path | None) -> list[dict]:
    """One dict per run: agent label, seed, metrics, tests (DataFrame)."""
    runs = []
    folders = sorted(f for g in grid or [] for f in (g / "trials").glob("*"))
    for run_dir in folders:
        if not (run_dir / "metrics.json").exists():
            continue
        config = json.loads((run_dir / "config.json").read_text())
        runs.append({"agent": hac_label(config),
                     "seed": config["random_seed"], "env_id": config["env_id"],
                     "metrics": json.loads((run_dir / "metrics.json").read_text()),
                     "tests": pd.read_csv(run_dir / "tests.csv")})
    for run_dir in sorted(sb3.glob("sac_her-seed*")) if sb3 else []:
        if not (run_dir / "metrics.json").exists():
            continue
        metrics = json.loads((run_dir / "metrics.json").read_text())
        runs.append({"agent": "SB3 SAC + HER", "seed": metrics["random_seed"],
                     "env_id": metrics["env_id"], "metrics": metrics,
                     "tests": pd.read_csv(run_dir / "tests.csv")})
    return runs


def hac_label(config: dict) -> str:
    """'HAC 2 levels', with the subgoal threshold when a run set its own."""
    levels = config["levels"]
    label = f"HAC {levels} level" + "s" * (levels > 1)
    thresholds = config.get("subgoal_thresholds") or []
    if thresholds and levels > 1:
        label += ", subgoal " + "/".join(f"{t:g}" for t in sorted(set(thresholds)))
    return label


def spread(values, digits: int = 0) -> str:
    """'mean ± sd (n = k)' with the sample sd; one value has no sd."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], float)
    if len(v) == 0:
        return "—"
    fmt = f"{{:.{digits}f}}"
    if len(v) == 1:
        return f"{fmt.format(v[0])} (n = 1)"
    return f"{fmt.format(v.mean())} ± {fmt.format(v.std(ddof=1))} (sd, n = {len(v)})"


def reached(group: list[dict], key: str, finals: list[float]) -> str:
    values = [r["metrics"][key] for r in group if r["metrics"][key] is not None]
    if not values:
        return f"not reached by any of {len(group)} (final {', '.join(f'{f:.2f}' for f in finals)})"
    return f"{spread(values)}; {len(values)} of {len(group)} seeds"


def wall_to(group: list[dict], level: float) -> str:
    """Wall minutes (training + test blocks so far) to the first test block at ≥ level."""
    values = []
    for r in group:
        hits = r["tests"].loc[r["tests"]["test_success_rate"] >= level, "seconds"]
        if len(hits):
            values.append(float(hits.iloc[0]) / 60)
    if not values:
        return "not reached"
    return f"{spread(values, 1)}; {len(values)} of {len(group)} seeds"


def summary(runs: list[dict]) -> pd.DataFrame:
    rows = []
    for agent in sorted({r["agent"] for r in runs}):
        group = sorted((r for r in runs if r["agent"] == agent), key=lambda r: r["seed"])
        m = [r["metrics"] for r in group]
        finals = [x["test_success_rate"] for x in m]
        rows.append({
            "agent": agent, "seeds": ",".join(str(r["seed"]) for r in group),
            "training episodes": spread([x["episodes"] for x in m]),
            "final test success": spread(finals, 2) + " [" + ", ".join(
                f"{f:.2f}" for f in finals) + "]",
            "episodes to 0.5": reached(group, "episodes_to_50", finals),
            "env steps to 0.5": reached(group, "env_steps_to_50", finals),
            "episodes to 0.9": reached(group, "episodes_to_90", finals),
            "env steps to 0.9": reached(group, "env_steps_to_90", finals),
            "wall min to 0.5": wall_to(group, 0.5),
            "wall min to 0.9": wall_to(group, 0.9),
            "env steps": spread([x["env_steps"] for x in m]),
            "wall min": spread([x["seconds"] / 60 for x in m], 1),
            "env steps/s (run)": spread([x["env_steps_per_sec"] for x in m]),
            "env steps/s (acting)": spread([x["env_steps"] / x["explore_seconds"] for x in m]),
            "update steps/s": spread([x["update_steps_per_sec"] for x in m]),
            "update share of wall": spread([x["update_seconds"] / x["seconds"] for x in m], 2),
        })
    return pd.DataFrame(rows)


def curves(runs: list[dict]) -> pd.DataFrame:
    """Mean curve per agent by test block (4 workers end episodes together, so a block can
    fall an episode or two after its nominal K: blocks are matched by their index)."""
    rows = []
    for r in runs:
        t = r["tests"]
        for index, block in enumerate(t.itertuples(index=False)):
            rows.append({"agent": r["agent"], "seed": r["seed"], "block": index,
                         "episodes": block.episodes, "env_steps": block.env_steps,
                         "success": block.test_success_rate})
    frame = pd.DataFrame(rows)
    return frame.groupby(["agent", "block"]).agg(
        episodes=("episodes", "mean"), env_steps=("env_steps", "mean"),
        success_mean=("success", "mean"),
        success_sd=("success", lambda s: s.std(ddof=1)), seeds=("seed", "count")).reset_index()


def at_env_steps(runs: list[dict], marks: list[int]) -> pd.DataFrame:
    """Success at equal env steps: per seed, the last test block taken at or before each
    mark (a run that ended before a mark is left out of it), mean ± sd over seeds."""
    rows = []
    for agent in sorted({r["agent"] for r in runs}):
        row = {"agent": agent}
        for mark in marks:
            values = []
            for r in (r for r in runs if r["agent"] == agent):
                t = r["tests"]
                if r["metrics"]["env_steps"] >= mark:
                    values.append(float(t.loc[t["env_steps"] <= mark,
                                              "test_success_rate"].iloc[-1]))
            row[f"{mark:,}".replace(",", " ")] = spread(values, 2)
        rows.append(row)
    return pd.DataFrame(rows)


def diagnostics(runs: list[dict]) -> pd.DataFrame:
    """HAC's per-level diagnostics at each run's last test block, mean over seeds."""
    rows = []
    for agent in sorted({r["agent"] for r in runs if r["agent"].startswith("HAC")}):
        last = pd.DataFrame([r["tests"].iloc[-1] for r in runs if r["agent"] == agent])
        row = {"agent": agent, "seeds": len(last)}
        for column in sorted(last.columns):
            if column.startswith("l") and column.split("/")[-1] in (
                    "goal_success", "subgoal_spread", "clipped_share"):
                row[column] = round(float(last[column].mean()), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def plot(runs: list[dict], png: Path, title: str, floor: float | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    agents = sorted({r["agent"] for r in runs})
    for colour, agent in zip(plt.rcParams["axes.prop_cycle"].by_key()["color"], agents):
        group = [r for r in runs if r["agent"] == agent]
        for r in group:
            ax.plot(r["tests"]["env_steps"], r["tests"]["test_success_rate"], color=colour,
                    alpha=0.3, lw=0.8)
        blocks = pd.concat([r["tests"][["env_steps", "test_success_rate"]].reset_index()
                            for r in group]).groupby("index").mean()
        ax.plot(blocks["env_steps"], blocks["test_success_rate"], color=colour, lw=2.2,
                label=f"{agent} (n = {len(group)})")
    if floor is not None:
        ax.axhline(floor, color="grey", ls="--", lw=1,
                   label=f"uniform-random actions ({floor:.2f})")
    ax.set_xlabel("training env steps")
    ax.set_ylabel("test success (greedy block)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def null_success(env_id: str, episodes: int = 100, seed: int = 0) -> dict:
    """The floor: uniform-random actions and no action at all, the maze's step limit,
    success within the task's threshold (episodes end at the goal, as in training)."""
    from pipelines.envs.goals import GoalTaskEnv, goal_reached, goal_task

    task = goal_task(env_id)
    env = GoalTaskEnv(env_id, seed=seed, test=True)
    rng = np.random.default_rng(seed)
    result = {}
    for name in ("random", "still"):
        env.reset(seed=seed)
        wins = 0
        for _ in range(episodes):
            obs, _ = env.reset()
            for _ in range(task.max_episode_steps):
                if goal_reached(obs["achieved_goal"], obs["desired_goal"],
                                task.goal_thresholds, task.metric):
                    wins += 1
                    break
                action = rng.uniform(-1, 1, task.action_dim) if name == "random" else \
                    np.zeros(task.action_dim)
                obs, *_ = env.step(action)
        result[name] = wins / episodes
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=Path, nargs="+", default=None,
                        help="grid folders (several: e.g. one per seed)")
    parser.add_argument("--sb3", type=Path, default=None)
    parser.add_argument("--png", type=Path, default=None)
    parser.add_argument("--null-episodes", type=int, default=200)
    parser.add_argument("--marks", type=int, nargs="*", default=[],
                        help="env-step counts at which to compare every agent's success")
    args = parser.parse_args()
    runs = load_runs(args.grid, args.sb3)
    if not runs:
        raise SystemExit("no finished runs under --grid/--sb3")
    table = summary(runs)
    for column in table.columns[1:]:  # one agent per block: the table is too wide for a row
        print(f"{column}:")
        for agent, value in zip(table["agent"], table[column]):
            print(f"  {agent:16s} {value}")
    floors = {}
    for env_id in sorted({r["env_id"] for r in runs}):
        floor = floors[env_id] = null_success(env_id, args.null_episodes)
        print(f"null ({env_id}, {args.null_episodes} episodes): success of uniform-random "
              f"actions {floor['random']:.2f}, of no action {floor['still']:.2f}")
    print()
    print(markdown(diagnostics(runs)))
    print()
    print(markdown(curves(runs).round(3)))
    if args.marks:
        print()
        print("test success at equal training env steps (last block at or before each):")
        print(markdown(at_env_steps(runs, args.marks)))
    if args.png:
        envs = sorted({r["env_id"] for r in runs})
        floor = floors[envs[0]]["random"] if len(envs) == 1 else None
        plot(runs, args.png, f"{', '.join(envs)}: test success vs env steps "
                             f"(thin: seeds, thick: mean)", floor)
        print(f"\nplot: {args.png}")


if __name__ == "__main__":
    main()
