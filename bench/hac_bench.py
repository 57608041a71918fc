"""HAC benchmark: PandaReach-v3 test success vs episodes and env steps, levels 1 and 2.

    python bench/hac_bench.py run [--levels 2 1] [--seeds 0 1 2 3 4] [--episodes 200]
                                  [--out bench/runs/hac]
    python bench/hac_bench.py report [--out bench/runs/hac]
    python bench/hac_bench.py speed

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
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_NUM_INTRAOP_THREADS="1",
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
    """Random-policy env steps/s of PandaReach-v3, 4 workers async vs sync, side by side
    (interleaved rounds), and DDPG update steps/s of one level (batch 1024, 3×64)."""
    import time

    import numpy as np

    from pipelines.envs.goals import make_goal_vec_env

    envs = {kind: make_goal_vec_env("PandaReach-v3", 4, 0, asynchronous=kind == "async")
            for kind in ("async", "sync")}
    rates = {kind: [] for kind in envs}
    for _ in range(3):
        for kind, vec in envs.items():
            vec.reset(seed=0)
            started = time.perf_counter()
            for _ in range(100):
                vec.step(np.random.uniform(-1, 1, (4, 3)).astype(np.float32))
            rates[kind].append(400 / (time.perf_counter() - started))
    for kind, vec in envs.items():
        vec.close()
        print(f"{kind} 4 workers: {np.median(rates[kind]):.0f} random-policy env steps/s "
              f"(median of 3 rounds of 100 steps x 4 workers)")
    from configs.base import load_config
    from tfmodels.rl.hac.train import HACTrainer

    trainer = HACTrainer(load_config("hac_panda_reach"), None, verbose=0)
    buffer, updater = trainer.buffers[0], trainer.updaters[0]
    for _ in range(2048):
        buffer.add(np.zeros(6), np.zeros(3), -1.0, np.zeros(6), np.zeros(3), 0.98)
    updater(buffer.sample(trainer.batch_rng, 40, 1024))  # trace
    started = time.perf_counter()
    for _ in range(5):
        updater(buffer.sample(trainer.batch_rng, 40, 1024))
    print(f"{200 / (time.perf_counter() - started):.0f} level updates/s "
          f"(batch 1024, actor + critic step, 5 calls of 40)")


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
