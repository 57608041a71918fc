"""HAC benchmark: PandaReach-v3 test success vs episodes and env steps, levels 1 and 2.

    python bench/hac_bench.py run [--levels 2 1] [--seeds 0 1 2 3 4] [--episodes 200]
                                  [--out bench/runs/hac]
    python bench/hac_bench.py report [--out bench/runs/hac]
    python -m bench.hac_bench speed [--config hac_pointmaze]

`run` trains one seed at a time through the real entry point (`python -m tfmodels.rl
hac_panda_reach --set levels=L --set random_seed=S ...`), niced, TensorFlow on one
thread, each run into OUT/levelsL-seedS (skipped when its metrics.json exists, so an
interrupted bench resumes). `report` prints, per level count, every seed's
episodes_to_90 / env_steps_to_90 / final test success and the mean test-success curve
(greedy test blocks of 20 episodes), plus env steps per second (wall time of the whole
run, updates included; the box is shared, so compare levels within one bench only).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def run(args) -> None:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONPATH=path, TF_NUM_INTRAOP_THREADS="1",
               TF_NUM_INTEROP_THREADS="1")
    for levels in args.levels:
        for seed in args.seeds:
            out = Path(args.out) / f"levels{levels}-seed{seed}"
            if (out / "metrics.json").exists():
                continue
            cmd = ["nice", "-n", "5", sys.executable, "-m", "tfmodels.rl", args.config,
                   "--set", f"levels={levels}", "--set", f"random_seed={seed}",
                   "--set", f"episodes={args.episodes}", "--set", f"test_every={args.test_every}",
                   "--set", f"stop_when_solved={str(args.stop_when_solved).lower()}",
                   "--out", str(out), "--quiet"]
            print(" ".join(cmd[3:]), flush=True)
            subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (pandas' to_markdown needs `tabulate`, which tflab does not ship)."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def report(args) -> None:
    rows, curves = [], []
    for run_dir in sorted(Path(args.out).glob("levels*-seed*")):
        if not (run_dir / "metrics.json").exists():
            continue
        metrics = json.loads((run_dir / "metrics.json").read_text())
        config = json.loads((run_dir / "config.json").read_text())
        rows.append({"levels": config["levels"], "seed": config["random_seed"],
                     "episodes_to_90": metrics["episodes_to_90"],
                     "env_steps_to_90": metrics["env_steps_to_90"],
                     "final_test_success": metrics["test_success_rate"],
                     "episodes": metrics["episodes"], "env_steps": metrics["env_steps"],
                     "normalizer_count": metrics["normalizer_count"],
                     "env_steps_per_sec": round(metrics["env_steps_per_sec"], 1),
                     "minutes": round(metrics["seconds"] / 60, 1)})
        tests = pd.read_csv(run_dir / "tests.csv")
        tests["levels"], tests["seed"] = config["levels"], config["random_seed"]
        curves.append(tests[["levels", "seed", "episodes", "env_steps", "test_success_rate"]])
    table = pd.DataFrame(rows).sort_values(["levels", "seed"])
    print(markdown(table))
    curve = pd.concat(curves)
    curve["block"] = curve.groupby(["levels", "seed"]).cumcount()
    mean = curve.groupby(["levels", "block"]).agg(
        episodes=("episodes", "mean"), env_steps=("env_steps", "mean"),
        success_mean=("test_success_rate", "mean"), success_min=("test_success_rate", "min"),
        seeds=("seed", "count")).reset_index()
    print()
    print(markdown(mean.round(3)))


def speed(args) -> None:
    """The config's task: random-policy env steps/s of one env in this process (one core),
    of `n_envs` workers async vs sync side by side (interleaved rounds); then DDPG update
    steps/s of one level (the config's batch and network), graph vs XLA, interleaved."""
    import time

    import numpy as np
    import tensorflow as tf

    from configs.base import load_config
    from pipelines.envs.goals import GoalTaskEnv, make_goal_vec_env
    from tfmodels.rl.hac.train import HACTrainer

    config = load_config(args.config, [])
    env_id, n = config.env_id, config.n_envs
    single = GoalTaskEnv(env_id, seed=0)
    single.reset()
    dim = single.task.action_dim
    started = time.perf_counter()
    for _ in range(2000):
        single.step(np.random.uniform(-1, 1, dim).astype(np.float32))
    print(f"{env_id} one env, this process: {2000 / (time.perf_counter() - started):.0f} "
          f"random-policy env steps/s (2000 steps)")
    envs = {kind: make_goal_vec_env(env_id, n, 0, asynchronous=kind == "async")
            for kind in ("async", "sync")}
    rates = {kind: [] for kind in envs}
    for _ in range(3):
        for kind, vec in envs.items():
            vec.reset(seed=0)
            started = time.perf_counter()
            for _ in range(100):
                vec.step(np.random.uniform(-1, 1, (n, dim)).astype(np.float32))
            rates[kind].append(100 * n / (time.perf_counter() - started))
    for kind, vec in envs.items():
        vec.close()
        print(f"{kind} {n} workers: {np.median(rates[kind]):.0f} random-policy env steps/s "
              f"(median of 3 rounds of 100 steps x {n} workers)")
    trainer = HACTrainer(config, None, verbose=0)
    buffer, updater = trainer.buffers[0], trainer.updaters[0]
    task = trainer.task
    for _ in range(2048):
        buffer.add(np.random.randn(task.obs_dim), np.random.uniform(-1, 1, task.action_dim),
                   -1.0, np.random.randn(task.obs_dim), np.random.randn(task.goal_dim), 0.98)
    k, batch = config.updates_per_episode, config.batch_size
    runs = {"graph": tf.function(updater._run, reduce_retracing=True),
            "xla": tf.function(updater._run, reduce_retracing=True, jit_compile=True)}
    rates = {name: [] for name in runs}
    for name, fn in runs.items():
        updater.run = fn
        updater(buffer.sample(trainer.batch_rng, k, batch))  # trace / compile
    for _ in range(3):
        for name, fn in runs.items():
            updater.run = fn
            started = time.perf_counter()
            for _ in range(3):
                updater(buffer.sample(trainer.batch_rng, k, batch))
            rates[name].append(3 * k / (time.perf_counter() - started))
    for name in runs:
        print(f"{name}: {np.median(rates[name]):.0f} level update steps/s (batch {batch}, "
              f"actor + critic step, median of 3 rounds of 3 calls of {k})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("run", "report", "speed"))
    parser.add_argument("--config", default="hac_panda_reach")
    parser.add_argument("--levels", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--test-every", type=int, default=25)
    parser.add_argument("--stop-when-solved", action="store_true",
                        help="end each run at its first test block >= 0.9 (CPU budget)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "runs" / "hac"))
    args = parser.parse_args()
    {"run": run, "report": report, "speed": speed}[args.what](args)


if __name__ == "__main__":
    main()
