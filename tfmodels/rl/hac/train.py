"""HAC training loop: explore with N workers, update every level after each episode, test.

    until `episodes` training episodes have finished (all workers together):
        tick the hierarchy (one primitive step in every worker)
        for each episode that finished: a row of episodes.csv
        if any finished: merge the new frames into the shared normalizers, then
                         `updates_per_episode` DDPG steps per level per finished episode
        every `test_every` episodes: a greedy test block (normalizers frozen, no storing)

The loop's wall time is split three ways in metrics.json (explore = acting, env steps and
hindsight bookkeeping; update; test), so a run says where its time went.

Every state stepped by any worker is merged into the one `obs_normalizer` (its achieved
goal into `goal_normalizer`) exactly once, so `normalizer_count == env_steps`; the numbers
the acting copies use are refreshed after every merge.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from pipelines.envs.goals import goal_task, make_goal_vec_env
from tflab.io import read_json
from tfmodels.rl.hac import diagnostics
from tfmodels.rl.hac.hierarchy import HierarchyRunner
from tfmodels.rl.hac.logbook import HACLogbook
from tfmodels.rl.hac.networks import LevelSpec, NumpyActors, build_networks
from tfmodels.rl.hac.replay import ReplayBuffer
from tfmodels.rl.hac.update import LevelUpdater
from tfmodels.rl.numpy_policy import limit_blas_threads
from tfmodels.runtime import seed_everything

TEST_SEED_OFFSET = 100_000  # test workers never share seeds with training workers
SPREAD_SAMPLE = 256         # recent (state, goal) pairs the subgoal spread is measured on


class HACTrainer:
    def __init__(self, config, run_dir: Path | None = None, verbose: int = 1):
        c = self.config = config
        seed_everything(c.random_seed, c.deterministic)
        limit_blas_threads(1)
        self.task = task = goal_task(c.env_id)
        self.max_steps = c.max_episode_steps or task.max_episode_steps
        self.H = c.horizon(self.max_steps)
        low, high = c.bounds(task)
        top, sub = c.thresholds(task)
        self.specs = [LevelSpec(0, [task.action_low] * task.action_dim,
                                [task.action_high] * task.action_dim, self.H)]
        self.specs += [LevelSpec(i, low, high, self.H) for i in range(1, c.levels)]
        self.thresholds = [np.asarray(sub, np.float32)] * (c.levels - 1) + [
            np.asarray(top, np.float32)]
        (self.actors, self.critics, self.model, self.obs_norm,
         self.goal_norm) = build_networks(task.obs_dim, task.goal_dim, self.specs, c.hidden,
                                          c.normalize)
        self.initial_count = 0.0
        if c.normalizer_init:
            self.initial_count = load_normalizers(c.normalizer_init, self.obs_norm,
                                                  self.goal_norm)
        self.updaters = [LevelUpdater(a, q, self.H, c.learning_rate,
                                      c.learning_rate * c.actor_lr_scale, c.xla_updates)
                         for a, q in zip(self.actors, self.critics)]
        self.buffers = [ReplayBuffer(c.buffer_size, task.obs_dim, s.dim, task.goal_dim)
                        for s in self.specs]
        self.acting = NumpyActors(self.actors, self.obs_norm, self.goal_norm, c.normalize)
        self.rng = np.random.default_rng(c.random_seed)
        self.batch_rng = np.random.default_rng(c.random_seed + 1)
        self.log = HACLogbook(run_dir, c.levels, verbose)
        self.frames_seen: list[np.ndarray] | None = None  # set to [] to keep every frame

    # -- pieces -------------------------------------------------------------------------
    def runner(self, envs, training: bool) -> HierarchyRunner:
        run_config = _RunnerConfig(self.config, self.max_steps)
        return HierarchyRunner(envs, self.acting, self.specs, self.thresholds,
                               self.task.metric, run_config, self.rng,
                               self.buffers if training else None)

    def merge_frames(self, runner: HierarchyRunner) -> None:
        frames, goals = runner.take_frames()
        if frames is None:
            return
        if self.frames_seen is not None:
            self.frames_seen.append(frames)
        self.obs_norm.update(frames)
        self.goal_norm.update(goals)

    def train_levels(self, n_episodes: int) -> int:
        """`updates_per_episode` steps per level per finished episode; returns the steps."""
        c = self.config
        steps = 0
        for updater, buffer in zip(self.updaters, self.buffers):
            if buffer.size == 0:
                continue
            for _ in range(n_episodes):
                updater(buffer.sample(self.batch_rng, c.updates_per_episode, c.batch_size))
                steps += c.updates_per_episode
        return steps

    def test_block(self, envs) -> dict:
        c = self.config
        runner = self.runner(envs, training=False)
        runner.start(seed=c.random_seed + TEST_SEED_OFFSET)
        results = []
        while len(results) < c.test_episodes:
            results += runner.tick()
        results = results[:c.test_episodes]
        return {"test_success_rate": float(np.mean([r.success for r in results])),
                "test_return": float(np.mean([r.ret for r in results])),
                "test_steps": float(np.mean([r.steps for r in results]))}

    def level_diagnostics(self, runner, window: list, previous: dict | None) -> dict:
        """Per level: subgoal success, losses, Q mean, subgoal spread, clipped share."""
        row = {}
        for level, updater in enumerate(self.updaters):
            metrics = updater.read_metrics()
            for key, value in metrics.items():
                row[f"l{level}/{key}"] = value
            attempts = sum(e.attempts[level] for e in window)
            reached = sum(e.reached[level] for e in window)
            row[f"l{level}/goal_success"] = reached / attempts if attempts else float("nan")
            if level == 0:
                continue
            spec = self.specs[level]
            recent = self.buffers[level].recent(SPREAD_SAMPLE)
            subgoals = self.acting(level, recent["state"], recent["goal"])
            spread = diagnostics.subgoal_spread(subgoals, spec.low, spec.high)
            row[f"l{level}/subgoal_spread"] = spread
            proposed = runner.proposed[level]
            row[f"l{level}/clipped_share"] = (runner.clipped[level] / proposed if proposed
                                              else float("nan"))
            runner.proposed[level] = runner.clipped[level] = 0
            previous_level = None if previous is None else {
                k: previous.get(f"l{level}/{k}") for k in ("critic_loss", "actor_loss")}
            warning = diagnostics.collapse_warning(level, spread, self.config.collapse_spread,
                                                   metrics, previous_level)
            if warning:
                print(warning, file=sys.stderr, flush=True)
        return row

    # -- the loop -------------------------------------------------------------------------
    def learn(self) -> dict:
        c = self.config
        asynchronous = c.vector_env == "async"
        envs = make_goal_vec_env(c.env_id, c.n_envs, c.random_seed, asynchronous=asynchronous)
        test_envs = make_goal_vec_env(c.env_id, c.n_envs, c.random_seed + TEST_SEED_OFFSET,
                                      test=True, asynchronous=asynchronous)
        try:
            return self._learn(envs, test_envs)
        finally:
            envs.close()
            test_envs.close()

    def _learn(self, envs, test_envs) -> dict:
        c = self.config
        runner = self.runner(envs, training=True)
        runner.start(seed=c.random_seed)
        started = time.perf_counter()
        episodes, env_steps, window, previous = 0, 0, [], None
        test_every = c.test_every or c.episodes
        next_test = 0
        clock = self.clock = {"explore_seconds": 0.0, "update_seconds": 0.0,
                              "test_seconds": 0.0, "update_steps": 0}
        while True:
            if episodes >= next_test or episodes >= c.episodes:
                t0 = time.perf_counter()
                row = {"episodes": episodes, "env_steps": env_steps, **self.test_block(test_envs)}
                clock["test_seconds"] += time.perf_counter() - t0
                row.update(self.level_diagnostics(runner, window, previous))
                row["seconds"] = time.perf_counter() - started
                self.log.test_row(row)
                previous, window = row, []
                next_test += test_every
                solved = row["test_success_rate"] >= c.solved_success
                if episodes >= c.episodes or (c.stop_when_solved and solved):
                    break
            t0 = time.perf_counter()
            finished = runner.tick()
            env_steps += c.n_envs
            if finished:
                self.merge_frames(runner)
                for stats in finished:
                    episodes += 1
                    window.append(stats)
                    self.log.episode_row(episodes, env_steps, stats)
            t1 = time.perf_counter()
            clock["explore_seconds"] += t1 - t0
            if finished:
                clock["update_steps"] += self.train_levels(len(finished))
                self.acting.sync()
                clock["update_seconds"] += time.perf_counter() - t1
        seconds = time.perf_counter() - started
        return self.final_metrics(episodes, env_steps, seconds)

    def final_metrics(self, episodes: int, env_steps: int, seconds: float) -> dict:
        c = self.config
        tests = self.log.tests
        clock = self.clock
        metrics = {
            "test_success_rate": tests[-1]["test_success_rate"],
            "best_test_success_rate": max(t["test_success_rate"] for t in tests),
            **first_block(tests, 0.5, "50"),
            **first_block(tests, c.solved_success, "90"),
            "episodes": episodes, "env_steps": env_steps,
            "normalizer_count": float(self.obs_norm.count.numpy()) - self.initial_count,
            "goal_normalizer_count": float(self.goal_norm.count.numpy()) - self.initial_count,
            "normalizer_initial_count": self.initial_count,
            "seconds": seconds, "env_steps_per_sec": env_steps / max(seconds, 1e-9),
            **clock,
            # acting + env stepping + hindsight bookkeeping, without updates or tests
            "explore_env_steps_per_sec": env_steps / max(clock["explore_seconds"], 1e-9),
            "update_steps_per_sec": clock["update_steps"] / max(clock["update_seconds"], 1e-9),
            "levels": c.levels, "H": self.H, "test_blocks": len(tests),
        }
        for key, value in tests[-1].items():
            if key.startswith("l"):
                metrics[f"final_{key.replace('/', '_')}"] = value
        return metrics


def first_block(tests: list[dict], level: float, tag: str) -> dict:
    """Training episodes and env steps before the first test block at or above `level`
    (None when no block got there: the final value says how far the run came)."""
    hit = next((t for t in tests if t["test_success_rate"] >= level), None)
    return {f"episodes_to_{tag}": hit["episodes"] if hit else None,
            f"env_steps_to_{tag}": hit["env_steps"] if hit else None}


class _RunnerConfig:
    """The config as the hierarchy sees it: the resolved episode limit added."""

    def __init__(self, config, max_steps: int):
        self._config, self.max_episode_steps = config, max_steps

    def __getattr__(self, name):
        return getattr(self._config, name)


def normalizer_file(run_dir) -> Path:
    return Path(run_dir) / "normalizer.json"


def save_normalizers(run_dir, obs_norm, goal_norm) -> None:
    from tflab.io import write_json

    write_json(normalizer_file(run_dir), {"obs_normalizer": obs_norm.statistics(),
                                          "goal_normalizer": goal_norm.statistics()})


def load_normalizers(run_dir, obs_norm, goal_norm) -> float:
    """Start both normalizers from an earlier run's saved sums and counts; returns the
    count they start with (so metrics can report the frames this run added)."""
    from tflab.errors import UserError

    saved = read_json(normalizer_file(run_dir))
    try:
        obs_norm.load_statistics(saved["obs_normalizer"])
        goal_norm.load_statistics(saved["goal_normalizer"])
    except (KeyError, ValueError) as err:
        raise UserError(f"normalizer_init={run_dir}: its normalizer.json does not fit this "
                        f"task ({err}); give a run directory of the same env_id") from None
    return float(saved["obs_normalizer"]["count"])
