"""HACConfig: every knob of the hierarchical actor-critic family, documented where declared.

Defaults are the reference implementation's (Levy et al., ICLR 2019,
andrew-j-levy/Hierarchical-Actor-Critc-HAC-): actor and critic 3×64, Adam 1e-3,
gamma 0.98, no target networks, batch 1024, 40 updates per level after every episode,
subgoal-test rate 0.3 with penalty −H, 20 % uniform-random actions, otherwise Gaussian
noise of 0.1 × the half range, 3 hindsight goals per attempt. A config lists only what it
changes. Thresholds and subgoal bounds default to the task's own (pipelines/envs/goals.py).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal
from configs.base import BaseConfig
from configs.families.spec import FamilySpec
from tflab.errors import UserError

COEFFICIENTS = ("gamma", "subgoal_test_rate", "random_action_share", "action_noise",
                "subgoal_noise", "actor_lr_scale")


@dataclasses.dataclass
class HACConfig(BaseConfig):
    family: str = "hac"
    learning_rate: float = 1e-3            # Adam, actor and critic of every level
    actor_lr_scale: float = 1.0            # actor lr = learning_rate × this
    batch_size: int = 1024
    # -- environment --------------------------------------------------------------------
    env_id: str = "PandaReach-v3"          # a goal task of pipelines/envs/goals.py
    n_envs: int = 4                        # env workers, stepped together
    vector_env: Literal["async", "sync"] = "async"  # async: one process per worker
                                           # (AsyncVectorEnv); sync: all in this process
    max_episode_steps: int = 0             # primitive steps per episode; 0 = the task's own
    # -- budget, tests, logging ---------------------------------------------------------
    episodes: int = 1000                   # training episodes, all workers together
    test_every: int = 50                   # training episodes between greedy test blocks
    test_episodes: int = 20                # episodes per test block (all levels greedy)
    solved_success: float = 0.9            # episodes_to_90: first test block at/above this
    stop_when_solved: bool = False         # end the run at that block (saves a CPU budget)
    collapse_spread: float = 0.02          # warn when subgoal spread falls below this
    # -- hierarchy ----------------------------------------------------------------------
    levels: int = 2                        # 1 = flat DDPG + HER in the same code
    H: int | None = None                   # actions per attempt, every level; None = auto:
                                           # smallest H with H**levels >= max_episode_steps
    goal_thresholds: list[float] = dataclasses.field(default_factory=list)     # top level
    subgoal_thresholds: list[float] = dataclasses.field(default_factory=list)  # lower levels
    subgoal_low: list[float] = dataclasses.field(default_factory=list)   # subgoal bounds
    subgoal_high: list[float] = dataclasses.field(default_factory=list)  # ([] = task's)
    subgoal_test_rate: float = 0.3         # λ: share of subgoals tested (levels below greedy)
    hindsight_goals: int = 3               # relabelled copies per attempt (last + random)
    # -- DDPG per level -----------------------------------------------------------------
    gamma: float = 0.98
    hidden: list[int] = dataclasses.field(default_factory=lambda: [64, 64, 64])
    updates_per_episode: int = 40          # gradient steps per level after each episode
    xla_updates: bool = False              # compile each level's update loop with XLA
                                           # (1.1–1.4× the update steps/s on this CPU)
    buffer_size: int = 500_000             # transitions kept per level
    random_action_share: float = 0.2       # uniform-random actions/subgoals while exploring
    action_noise: float = 0.1              # Gaussian σ, fraction of the primitive half range
    subgoal_noise: float = 0.1             # Gaussian σ, fraction of the subgoal half range
    # -- normalizer ---------------------------------------------------------------------
    normalize: bool = True                 # RunningNormalizer on states and goals
    normalizer_init: str = ""              # RUN_DIR: start from its normalizer.json sums

    # -- derived --------------------------------------------------------------------------
    def horizon(self, max_steps: int) -> int:
        if self.H is not None:
            return int(self.H)
        h = 1
        while h ** self.levels < max_steps:
            h += 1
        return h

    def validate(self) -> None:
        """The values alone; what depends on the task they name (goal dimensions, default
        bounds) is checked by the family when it loads its data
        (`tfmodels.rl.hac.family.HACFamily.check_config`)."""
        super().validate()
        if self.levels < 1:
            raise UserError(f"levels must be >= 1, got {self.levels}; e.g. --set levels=2")
        if self.levels > 3:
            raise UserError(f"levels must be 1, 2 or 3, got {self.levels}")
        if self.H is not None and self.H < 1:
            raise UserError(f"H must be >= 1 (or none for auto), got {self.H}")
        for name in ("n_envs", "episodes", "test_episodes", "updates_per_episode",
                     "buffer_size", "hindsight_goals"):
            if getattr(self, name) < 1:
                raise UserError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.test_every < 0 or self.max_episode_steps < 0:
            raise UserError("test_every and max_episode_steps must be >= 0 (0 = default)")
        for name in COEFFICIENTS + ("collapse_spread",):
            if getattr(self, name) < 0:
                raise UserError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("gamma", "subgoal_test_rate", "random_action_share", "solved_success"):
            if getattr(self, name) > 1:
                raise UserError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        for name in ("goal_thresholds", "subgoal_thresholds"):
            if any(v <= 0 for v in getattr(self, name)):
                raise UserError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.normalizer_init and not (Path(self.normalizer_init) / "normalizer.json").exists():
            raise UserError(f"normalizer_init={self.normalizer_init}: no normalizer.json there; "
                            f"give the run directory of an earlier hac run")
        if not self.hidden or any(u < 1 for u in self.hidden):
            raise UserError(f"hidden must list positive layer sizes, got {self.hidden}")

    def thresholds(self, task) -> tuple[list[float], list[float]]:
        return (list(self.goal_thresholds or task.goal_thresholds),
                list(self.subgoal_thresholds or task.subgoal_thresholds))

    def bounds(self, task) -> tuple[list[float], list[float]]:
        return (list(self.subgoal_low or task.subgoal_low),
                list(self.subgoal_high or task.subgoal_high))


SPEC = FamilySpec(name="hac", implementation="tfmodels.rl.hac.family", extra="hac",
                  modules=("panda_gym", "pybullet", "gymnasium_robotics", "mujoco", "gymnasium"),
                  question="when does a hierarchy of actor-critics pay for itself?",
                  cli="tfmodels.rl")
