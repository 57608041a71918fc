"""Goal-conditioned tasks for hierarchical RL, each from its own package.

Every task is seen through one wrapper, `GoalTaskEnv`, whose observation is a dict
`{observation, achieved_goal, desired_goal}` (panda-gym's own layout) and which never ends
an episode by itself: the agent decides when an episode is over (goal reached, attempts
used up, step limit) and resets finished workers with `reset_where`. That keeps the
success test in one place (the agent's thresholds, e.g. 0.041 m) instead of two
that disagree (panda-gym terminates at its own 0.05).

  * `PandaReach-v3`, `PandaPickAndPlace-v3` (panda-gym 3.0.7 on PyBullet): the arm's
    tasks unchanged; goal = object/gripper position, panda-gym's Euclidean success test.
  * `PointMaze_UMaze-v3`, `PointMaze_Medium-v3`, `PointMaze_Large-v3` (gymnasium-robotics
    1.2.4 on MuJoCo 2.3): a force-driven ball in a maze, observation (x, y, vx, vy), goal =
    the ball's position, reached within 0.45 (the package's own success distance); start
    and goal cells random per episode; limits 300 / 600 / 800 steps as registered. A maze
    is long-horizon: walls make the straight line to the goal a dead end.
  * `Pendulum-v1` (gymnasium) with Levy et al.'s goal: goal = (angle, angular velocity);
    training goals near upright (±16°, ±0.6 rad/s), test goal exactly upright and still;
    reached = within 9.5° and 0.6 rad/s per dimension (their thresholds).

Seeds: a worker's resets draw their inner seeds from one generator seeded with the
worker's seed, so a run repeats exactly (panda-gym would otherwise seed every unseeded
reset from the OS).
"""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing

import gymnasium as gym
import numpy as np

from tflab.errors import UserError


@dataclasses.dataclass(frozen=True)
class GoalTask:
    """What the agent needs to know about a task before building its networks."""

    env_id: str
    obs_dim: int
    goal_dim: int
    action_dim: int
    action_low: float
    action_high: float
    max_episode_steps: int
    metric: str                      # "box": every |dᵢ| ≤ tᵢ; "ball": ‖d / t‖ ≤ 1
    goal_thresholds: tuple           # the task's success test
    subgoal_thresholds: tuple        # default for the levels below the top
    subgoal_low: tuple               # subgoal bounds (the reachable workspace)
    subgoal_high: tuple


PENDULUM_GOAL_LOW = np.array([np.deg2rad(-16.0), -0.6])
PENDULUM_GOAL_HIGH = -PENDULUM_GOAL_LOW
PENDULUM_THRESHOLDS = (float(np.deg2rad(9.5)), 0.6)

GOAL_TASKS = {
    "Pendulum-v1": GoalTask("Pendulum-v1", 3, 2, 1, -2.0, 2.0, 200, "box",
                            PENDULUM_THRESHOLDS, PENDULUM_THRESHOLDS,
                            (-float(np.pi), -8.0), (float(np.pi), 8.0)),
    # goal range of panda-gym's Reach: x, y ∈ ±0.15, z ∈ [0, 0.3]; subgoals 5 cm wider
    "PandaReach-v3": GoalTask("PandaReach-v3", 6, 3, 3, -1.0, 1.0, 50, "ball",
                              (0.05,) * 3, (0.05,) * 3, (-0.2, -0.2, 0.0), (0.2, 0.2, 0.35)),
    # subgoals for the object position (table top ± goal range, 0.2 m above the table)
    "PandaPickAndPlace-v3": GoalTask("PandaPickAndPlace-v3", 19, 3, 4, -1.0, 1.0, 50, "ball",
                                     (0.05,) * 3, (0.05,) * 3, (-0.2, -0.2, 0.0),
                                     (0.2, 0.2, 0.25)),
    # subgoals: the maze's free area (cells of 1 × 1 inside the outer wall ring, centred
    # at the origin); PointMaze's success test is ‖achieved − desired‖ ≤ 0.45
    "PointMaze_UMaze-v3": GoalTask("PointMaze_UMaze-v3", 4, 2, 2, -1.0, 1.0, 300, "ball",
                                   (0.45,) * 2, (0.45,) * 2, (-1.5, -1.5), (1.5, 1.5)),
    "PointMaze_Medium-v3": GoalTask("PointMaze_Medium-v3", 4, 2, 2, -1.0, 1.0, 600, "ball",
                                    (0.45,) * 2, (0.45,) * 2, (-3.0, -3.0), (3.0, 3.0)),
    "PointMaze_Large-v3": GoalTask("PointMaze_Large-v3", 4, 2, 2, -1.0, 1.0, 800, "ball",
                                   (0.45,) * 2, (0.45,) * 2, (-5.0, -3.5), (5.0, 3.5)),
}


def package_of(env_id: str) -> str | None:
    """The module whose import registers `env_id` with gymnasium (None: gymnasium's own)."""
    if env_id.startswith("Panda"):
        return "panda_gym"
    if env_id.startswith("PointMaze"):
        return "gymnasium_robotics"
    return None


def register(env_id: str) -> None:
    """Import the task's package (its import registers the task with gymnasium)."""
    package = package_of(env_id)
    if package is not None:
        import importlib

        importlib.import_module(package)


def check_goal_env(env_id: str) -> None:
    if env_id not in GOAL_TASKS:
        raise UserError(f"unknown env_id {env_id!r} for hierarchical RL; known goal tasks: "
                        f"{', '.join(sorted(GOAL_TASKS))}")


def goal_task(env_id: str) -> GoalTask:
    check_goal_env(env_id)
    return GOAL_TASKS[env_id]


def goal_distance(achieved: np.ndarray, goal: np.ndarray, thresholds, metric: str):
    """Distance in threshold units: ≤ 1 means reached (per row for batches)."""
    scaled = np.abs(np.asarray(achieved) - np.asarray(goal)) / np.asarray(thresholds)
    if metric == "ball":
        return np.sqrt(np.sum(scaled ** 2, axis=-1))
    return np.max(scaled, axis=-1)


def goal_reached(achieved, goal, thresholds, metric: str):
    return goal_distance(achieved, goal, thresholds, metric) <= 1.0


class GoalTaskEnv(gym.Env):
    """One task as a goal env that never ends episodes itself (see the module docstring)."""

    def __init__(self, env_id: str, worker_index: int = 0, seed: int = 0, test: bool = False):
        self.task = goal_task(env_id)
        self.worker_index = int(worker_index)
        self.test = bool(test)
        self._seeds = np.random.default_rng([int(seed), self.worker_index, int(test)])
        register(env_id)
        self.base = gym.make(env_id).unwrapped  # no time limit, no order enforcing
        t = self.task
        box = functools.partial(gym.spaces.Box, -np.inf, np.inf, dtype=np.float32)
        self.observation_space = gym.spaces.Dict(
            observation=box(shape=(t.obs_dim,)), achieved_goal=box(shape=(t.goal_dim,)),
            desired_goal=box(shape=(t.goal_dim,)))
        self.action_space = gym.spaces.Box(t.action_low, t.action_high, (t.action_dim,),
                                           np.float32)
        self._goal = np.zeros(t.goal_dim, np.float32)

    # -- the two task styles --------------------------------------------------------------
    def _observe(self, raw) -> dict:
        if isinstance(raw, dict):  # panda-gym: already a goal observation
            return {k: np.asarray(raw[k], np.float32) for k in
                    ("observation", "achieved_goal", "desired_goal")}
        cos, sin, velocity = (float(v) for v in raw)
        achieved = np.array([np.arctan2(sin, cos), velocity], np.float32)
        return {"observation": np.asarray(raw, np.float32), "achieved_goal": achieved,
                "desired_goal": self._goal.copy()}

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._seeds = np.random.default_rng([int(seed), self.worker_index, int(self.test)])
        inner = int(self._seeds.integers(2 ** 31 - 1))
        raw, _ = self.base.reset(seed=inner)
        if self.task.env_id == "Pendulum-v1":
            self._goal = (np.zeros(2, np.float32) if self.test else self._seeds.uniform(
                PENDULUM_GOAL_LOW, PENDULUM_GOAL_HIGH).astype(np.float32))
        return self._observe(raw), {}

    def step(self, action):
        raw, *_ = self.base.step(np.asarray(action, np.float32))
        return self._observe(raw), 0.0, False, False, {}

    def reset_where(self, flags):
        """Reset this worker if `flags[worker_index]`; the new observation, else None."""
        return self.reset()[0] if flags[self.worker_index] else None

    def close(self):
        self.base.close()


def _make(env_id: str, worker_index: int, seed: int, test: bool) -> GoalTaskEnv:
    return GoalTaskEnv(env_id, worker_index, seed, test)


def make_goal_vec_env(env_id: str, n_envs: int, seed: int, test: bool = False,
                      asynchronous: bool = True):
    """`n_envs` workers; asynchronous = one process per worker (gymnasium AsyncVectorEnv).

    Workers come from a fork server that has imported this module (gymnasium, panda-gym)
    once: a plain fork would copy TensorFlow's threads, and spawn re-imports gymnasium
    (≈7 s here: its plugin hook imports every installed env package) in every worker."""
    check_goal_env(env_id)
    if n_envs < 1:
        raise UserError(f"n_envs must be >= 1, got {n_envs}")
    fns = [functools.partial(_make, env_id, i, seed, test) for i in range(n_envs)]
    if asynchronous:
        preload = [__name__] + [p for p in (package_of(env_id),) if p]
        multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
        return gym.vector.AsyncVectorEnv(fns, context="forkserver")
    return gym.vector.SyncVectorEnv(fns)
