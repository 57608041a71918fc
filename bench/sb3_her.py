"""The flat baseline a practitioner would reach for: SB3 SAC + HER on the same PointMaze.

Runs in its own virtual environment and process (torch and TensorFlow never share one;
neither torch nor SB3 is a tflab dependency). Create it once:

    python -m venv /work/venvs/sb3
    /work/venvs/sb3/bin/pip install 'stable-baselines3>=2.4,<2.8' 'gymnasium==0.29.1' \
        'gymnasium-robotics==1.2.4' 'mujoco>=2.3.3,<3'

then, from the repository root (this file imports nothing from tflab):

    /work/venvs/sb3/bin/python bench/sb3_her.py --env PointMaze_UMaze-v3 --seeds 0 1 2 \
        --episodes 80 --test-every 10 --test-episodes 20 --out /work/runs_hac/sb3_umaze

The protocol is HAC's (bench/hac_bench.py reads both): a training episode ends at the goal
(PointMaze `continuing_task=False`, success = within 0.45) or at the maze's registered step
limit; before training and after every `test_every` training episodes, `test_episodes`
deterministic episodes on test envs with their own seeds; the budget is training episodes,
run to the end. Each seed writes OUT/sac_her-seedS/ with tests.csv and metrics.json (same
keys as a HAC run: test_success_rate, episodes_to_50/90, env_steps_to_50/90, seconds,
env_steps_per_sec, update_steps_per_sec).

Settings: rl-zoo's for goal tasks (SAC, HER 'future' with 4 sampled goals, batch 256,
gamma 0.95, lr 1e-3, net [64, 64], one gradient step per env step), learning starts after
1 000 steps; torch on one thread.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

TEST_SEED_OFFSET = 100_000  # HAC's: test episodes never share seeds with training


def make_env(env_id: str):
    import gymnasium as gym
    import gymnasium_robotics  # noqa: F401  (registers PointMaze)

    return gym.make(env_id, continuing_task=False)


def test_block(model, env, n: int, seed: int) -> dict:
    successes, steps = [], []
    obs, _ = env.reset(seed=seed)
    for _ in range(n):
        done, t, success = False, 0, False
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, _, terminated, truncated, info = env.step(action)
            t += 1
            success = success or bool(info.get("success", False))
            done = terminated or truncated
        successes.append(success)
        steps.append(t)
        obs, _ = env.reset()
    return {"test_success_rate": sum(successes) / n, "test_steps": sum(steps) / n}


def first_block(tests: list[dict], level: float, tag: str) -> dict:
    hit = next((t for t in tests if t["test_success_rate"] >= level), None)
    return {f"episodes_to_{tag}": hit["episodes"] if hit else None,
            f"env_steps_to_{tag}": hit["env_steps"] if hit else None}


def run_seed(args, seed: int) -> dict:
    import numpy as np
    import torch
    from stable_baselines3 import SAC, HerReplayBuffer
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)

    class TimedSAC(SAC):
        """SAC whose gradient steps are timed (env stepping is the rest of the wall time)."""
        update_seconds = 0.0

        def train(self, gradient_steps: int, batch_size: int = 64) -> None:
            started = time.perf_counter()
            super().train(gradient_steps, batch_size)
            self.update_seconds += time.perf_counter() - started

    out = Path(args.out) / f"sac_her-seed{seed}"
    out.mkdir(parents=True, exist_ok=True)
    env, test_env = make_env(args.env), make_env(args.env)
    env.reset(seed=seed)
    model = TimedSAC(
        "MultiInputPolicy", env, learning_rate=1e-3, buffer_size=1_000_000,
        learning_starts=1000, batch_size=256, gamma=0.95, train_freq=1, gradient_steps=1,
        replay_buffer_class=HerReplayBuffer,
        replay_buffer_kwargs=dict(n_sampled_goal=4, goal_selection_strategy="future"),
        policy_kwargs=dict(net_arch=[64, 64]), seed=seed, device="cpu", verbose=0)
    tests: list[dict] = []
    started = time.perf_counter()
    test_seconds = [0.0]

    def test(episodes: int) -> None:
        t0 = time.perf_counter()
        row = {"episodes": episodes, "env_steps": model.num_timesteps,
               **test_block(model, test_env, args.test_episodes, seed + TEST_SEED_OFFSET)}
        test_seconds[0] += time.perf_counter() - t0
        row["seconds"] = time.perf_counter() - started
        tests.append(row)
        print(json.dumps({"seed": seed, **row}), flush=True)

    class Blocks(BaseCallback):
        episodes = 0

        def _on_step(self) -> bool:
            if not self.locals["dones"][0]:
                return True
            self.episodes += 1
            if self.episodes % args.test_every == 0 or self.episodes >= args.episodes:
                test(self.episodes)
            return self.episodes < args.episodes

    test(0)
    callback = Blocks()
    max_steps = env.spec.max_episode_steps
    model.learn(total_timesteps=args.episodes * max_steps + 1, callback=callback)
    seconds = time.perf_counter() - started
    steps = model.num_timesteps
    metrics = {
        "test_success_rate": tests[-1]["test_success_rate"],
        "best_test_success_rate": max(t["test_success_rate"] for t in tests),
        **first_block(tests, 0.5, "50"), **first_block(tests, 0.9, "90"),
        "episodes": callback.episodes, "env_steps": steps, "seconds": seconds,
        "env_steps_per_sec": steps / seconds, "update_steps": model._n_updates,
        "update_seconds": model.update_seconds, "test_seconds": test_seconds[0],
        "update_steps_per_sec": model._n_updates / max(model.update_seconds, 1e-9),
        "explore_seconds": seconds - model.update_seconds - test_seconds[0],
        "levels": 0, "agent": "sac_her", "env_id": args.env, "random_seed": seed,
        "test_every": args.test_every, "test_episodes": args.test_episodes,
        "torch": torch.__version__, "numpy": np.__version__,
    }
    import csv

    with open(out / "tests.csv.tmp", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(tests[0]))
        writer.writeheader()
        writer.writerows(tests)
    os.replace(out / "tests.csv.tmp", out / "tests.csv")
    (out / "metrics.json.tmp").write_text(json.dumps(metrics, indent=1))
    os.replace(out / "metrics.json.tmp", out / "metrics.json")
    env.close()
    test_env.close()
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="PointMaze_UMaze-v3")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--episodes", type=int, default=80)
    parser.add_argument("--test-every", type=int, default=10)
    parser.add_argument("--test-episodes", type=int, default=20)
    parser.add_argument("--out", default="runs/sb3_her")
    args = parser.parse_args()
    for seed in args.seeds:
        if (Path(args.out) / f"sac_her-seed{seed}" / "metrics.json").exists():
            continue  # resumable: a finished seed is not rerun
        run_seed(args, seed)


if __name__ == "__main__":
    main()
