"""A2C (synchronous advantage actor-critic), CleanRL-style: one readable training loop.

    for each update:
        step N envs for n_steps with the current policy (one batched forward per step)
        update: n-step/GAE returns, A2C loss (+ repr losses), clip, RMSprop/Adam
        every log_every steps: a history row (train episodes, losses, steps/s)
        every eval_every steps: evaluation returns on training and held-out variants

Episodes cut by a time limit (CartPole's 500 steps) are not failures: their reward gets
γ·V(final observation) added, as SB3 does, so the critic is not taught that step 500 ends
the world. Episode returns/lengths are the raw environment rewards.
"""
from __future__ import annotations

import collections
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from pipelines.envs import env_spaces, final_observations, make_vec_env
from tfmodels.rl.agent import build_agent, policy_model
from tfmodels.rl.evaluate import evaluate, sample_actions
from tfmodels.rl.logger import RunLogger
from tfmodels.rl.numpy_policy import NumpyPolicy
from tfmodels.rl.update import make_optimizer, make_update, read_metrics
from tfmodels.runtime import seed_everything

EVAL_SEED_OFFSET = 100_000  # evaluation envs never share seeds with training envs


class A2CTrainer:
    """Builds envs, agent and update function from a config; `learn()` runs the budget."""

    def __init__(self, config, run_dir: Path | None = None, verbose: int = 1):
        self.config = config
        seed_everything(config.random_seed)  # Python, NumPy, TF seeds + deterministic ops
        self.obs_shape, self.n_actions = env_spaces(config.env_id)
        self.agent = build_agent(self.obs_shape, self.n_actions, config)
        self.policy = policy_model(self.agent)
        self.optimizer = make_optimizer(config)
        self.update_fn, self.metric_sums, self.metric_count = make_update(
            self.agent, self.optimizer, config)
        self.act_fn = NumpyPolicy(self.policy)  # (logits, value) in NumPy; see its docstring
        self.logger = RunLogger(run_dir, verbose, total_steps=config.total_steps)
        self.rng = np.random.default_rng(config.random_seed)
        self.episodes = collections.deque(maxlen=100)  # (return, length) of recent episodes
        self.n_episodes = 0
        self.steps_to_solve = None
        self.best: dict[str, float] = {}

    # -- evaluation ---------------------------------------------------------------------
    def evaluate_all(self) -> dict:
        """Eval returns per variant and the means over training / held-out variants."""
        c = self.config
        row = {}
        groups = {"train": list(c.train_variants), "heldout": list(c.heldout_variants)}
        for group, names in groups.items():
            means = []
            for i, variant in enumerate(names):
                seed = c.random_seed + EVAL_SEED_OFFSET + 1000 * i + (500 if group == "heldout"
                                                                       else 0)
                result = evaluate(self.act_fn, c, variant, seed)
                row[f"eval_return/{variant}"] = result["return"]
                row[f"eval_length/{variant}"] = result["length"]
                means.append(result["return"])
            row[f"eval_return_{group}"] = float(np.mean(means)) if means else float("nan")
        return row

    def log_attention(self, obs: np.ndarray, step: int) -> None:
        """Attention masks of a few current frames, upsampled ×4, as TensorBoard images."""
        if not self.config.attention or self.logger.writer is None:
            return
        out = self.agent(obs[:4].astype(np.float32), training=False)
        mask = tf.image.resize(out["mask"], (40, 40), method="nearest")
        frame = tf.image.resize(tf.reduce_max(obs[:4].astype(np.float32), -1, keepdims=True),
                                (40, 40), method="nearest")
        self.logger.images("attention/mask", mask.numpy(), step)
        self.logger.images("attention/frame", frame.numpy(), step)

    # -- training -----------------------------------------------------------------------
    def _record_episode(self, ret: float, length: int, step: int) -> None:
        self.episodes.append((ret, length))
        self.n_episodes += 1
        c = self.config
        if (c.solved_return and self.steps_to_solve is None and len(self.episodes) == 100
                and np.mean([r for r, _ in self.episodes]) >= c.solved_return):
            self.steps_to_solve = step

    def _train_row(self, step: int, t_start: float, steps_window: int, t_window: float) -> dict:
        rets = [r for r, _ in self.episodes]
        lens = [n for _, n in self.episodes]
        row = {"step": step, "wall_s": time.time() - t_start,
               "steps_per_sec": steps_window / max(t_window, 1e-9),
               "episodes": self.n_episodes,
               "ep_return_mean100": float(np.mean(rets)) if rets else float("nan"),
               "ep_length_mean100": float(np.mean(lens)) if lens else float("nan")}
        row.update(read_metrics(self.metric_sums, self.metric_count))
        return row

    def _track_best(self, row: dict) -> None:
        for key in ("ep_return_mean100", "eval_return_train", "eval_return_heldout"):
            value = row.get(key, float("nan"))
            if np.isfinite(value) and value > self.best.get(key, -np.inf):
                self.best[key] = float(value)

    def learn(self) -> dict:
        c = self.config
        T, N = c.n_steps, c.n_envs
        envs = make_vec_env(c.env_id, c.train_variants, N, c.random_seed, c.distractor_channel)
        obs, _ = envs.reset(seed=c.random_seed)
        obs_buf = np.zeros((T, N) + self.obs_shape, np.float32)
        act_buf = np.zeros((T, N), np.int32)
        rew_buf = np.zeros((T, N), np.float32)
        done_buf = np.zeros((T, N), np.float32)
        ep_ret, ep_len = np.zeros(N), np.zeros(N, np.int64)
        n_updates = c.total_steps // (T * N)
        step, next_log = 0, c.log_every
        next_eval = c.eval_every if c.eval_every else None
        t_start = t_window = time.time()
        steps_window, row = 0, {}
        for update in range(n_updates):
            last = update == n_updates - 1
            for t in range(T):
                obs_buf[t] = obs
                logits = self.act_fn(obs_buf[t])[0]
                actions = sample_actions(logits, self.rng)
                obs, rewards, terminated, truncated, infos = envs.step(actions)
                done = terminated | truncated
                act_buf[t], rew_buf[t], done_buf[t] = actions, rewards, done
                ep_ret += rewards
                ep_len += 1
                if done.any():
                    cut = truncated & ~terminated
                    idx, finals = final_observations(infos, cut)
                    if finals is not None:  # bootstrap time-limit cuts (SB3)
                        v = self.act_fn(finals.astype(np.float32))[1][:, 0]
                        rew_buf[t, idx] += c.gamma * v
                    for i in np.flatnonzero(done):
                        self._record_episode(float(ep_ret[i]), int(ep_len[i]),
                                             step + (t + 1) * N)
                        ep_ret[i], ep_len[i] = 0.0, 0
            self.update_fn(obs_buf, act_buf, rew_buf, done_buf, obs.astype(np.float32))
            self.act_fn.sync()
            step += T * N
            steps_window += T * N
            if step >= next_log or last:  # the last update always logs and evaluates
                row = self._train_row(step, t_start, steps_window, time.time() - t_window)
                if last or (next_eval is not None and step >= next_eval):
                    row.update(self.evaluate_all())
                    while next_eval is not None and next_eval <= step:
                        next_eval += c.eval_every
                self.log_attention(obs, step)
                self._track_best(row)
                self.logger.log(row)
                while next_log <= step:
                    next_log += c.log_every
                steps_window, t_window = 0, time.time()
        envs.close()
        wall = time.time() - t_start
        return self._final_metrics(row, step, wall)

    def _final_metrics(self, row: dict, step: int, wall: float) -> dict:
        metrics = {k: v for k, v in row.items() if k not in ("wall_s", "steps_per_sec")}
        metrics.update({f"best_{k}": v for k, v in self.best.items()})
        metrics.update(total_steps=step, wall_s=wall,
                       steps_per_sec_overall=step / max(wall, 1e-9),
                       steps_to_solve=self.steps_to_solve, solved_return=self.config.solved_return)
        return metrics
