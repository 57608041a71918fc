"""The HAC hierarchy run over N env workers at once, one primitive step per tick.

Levy et al. write HAC as a recursion (level i proposes a subgoal, level i−1 gets up to H
actions to reach it, …). Here the same recursion is a stack of open attempts per worker,
so N workers (gymnasium AsyncVectorEnv processes) step together:

    descend: from the top down, every worker whose level i needs an action gets one
             (one batched actor call per level); a subgoal opens an attempt below
    step:    all workers execute their level-0 action
    ascend:  from level 0 up, each open attempt records its transition (hindsight action,
             subgoal-test penalty); an attempt ends when its goal or any goal above it is
             reached, after H actions, or at the step limit — then its hindsight-goal
             transitions are written and the level above records its own action
    an episode ends when the top level's attempt ends; that worker is reset.

Exploration (training only): a level acts greedily when it, or a level above, is testing
a subgoal; otherwise a `random_action_share` of actions is uniform, the rest greedy plus
Gaussian noise. Noisy subgoals are clipped to the subgoal bounds and counted.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from pipelines.envs.goals import goal_reached
from tfmodels.rl.hac import hindsight


@dataclasses.dataclass
class Attempt:
    goal: np.ndarray
    greedy: bool                   # this level acts without noise (a subgoal test above)
    actions: int = 0
    state: np.ndarray | None = None     # state when the current action was chosen
    action: np.ndarray | None = None    # the action/subgoal chosen there
    child_tested: bool = False          # the subgoal given below is being tested
    steps: list = dataclasses.field(default_factory=list)  # for hindsight goals


@dataclasses.dataclass
class EpisodeStats:
    worker: int
    success: bool
    steps: int
    ret: float                              # Σ over primitive steps of (0 if done else −1)
    attempts: list                          # per level: attempts ended
    reached: list                           # per level: attempts whose goal was reached


class HierarchyRunner:
    """Steps `envs` with the hierarchy; `buffers=None` runs greedy test episodes."""

    def __init__(self, envs, actors, specs, thresholds, metric, config, rng, buffers=None):
        self.envs, self.actors, self.specs = envs, actors, specs
        self.thresholds, self.metric, self.c, self.rng = thresholds, metric, config, rng
        self.buffers = buffers
        self.training = buffers is not None
        self.levels = len(specs)
        self.n = envs.num_envs
        self.max_steps = config.max_episode_steps
        self.frames: list[np.ndarray] = []       # states seen since the last flush
        self.frame_goals: list[np.ndarray] = []  # their achieved goals
        self.proposed = [0] * self.levels        # subgoals proposed (exploring), per level
        self.clipped = [0] * self.levels         # … of them clipped to the bounds

    # -- episodes -------------------------------------------------------------------------
    def start(self, seed: int) -> None:
        obs, _ = self.envs.reset(seed=seed)
        self.obs = {k: np.array(v) for k, v in obs.items()}
        self.stacks = [self._new_stack(w) for w in range(self.n)]
        self.need = np.full(self.n, self.levels - 1)
        self.ep = [self._new_episode_counters() for _ in range(self.n)]

    def _new_stack(self, worker: int) -> list:
        stack = [None] * self.levels
        stack[-1] = Attempt(goal=self.obs["desired_goal"][worker].copy(),
                            greedy=not self.training)
        return stack

    def _new_episode_counters(self) -> dict:
        return dict(steps=0, ret=0.0, attempts=[0] * self.levels, reached=[0] * self.levels)

    # -- acting ---------------------------------------------------------------------------
    def clip_subgoal(self, level: int, subgoal: np.ndarray) -> np.ndarray:
        """Clip a subgoal to the bounds; count it (and whether it was out of bounds)."""
        spec = self.specs[level]
        clipped = np.clip(subgoal, spec.low, spec.high)
        self.proposed[level] += 1
        self.clipped[level] += int(np.any(clipped != subgoal))
        return clipped

    def _explore(self, level: int, greedy_action: np.ndarray, greedy: bool) -> np.ndarray:
        spec = self.specs[level]
        if greedy:
            return greedy_action.astype(np.float32)
        if self.rng.random() < self.c.random_action_share:
            action = self.rng.uniform(spec.low, spec.high)
        else:
            scale = self.c.subgoal_noise if level > 0 else self.c.action_noise
            action = greedy_action + self.rng.normal(0.0, scale * (spec.high - spec.low) / 2)
        if level > 0:
            return self.clip_subgoal(level, action).astype(np.float32)
        return np.clip(action, spec.low, spec.high).astype(np.float32)

    def _descend(self) -> np.ndarray:
        state = self.obs["observation"]
        primitive = np.zeros((self.n, self.specs[0].dim), np.float32)
        for level in reversed(range(self.levels)):
            workers = np.flatnonzero(self.need == level)
            if len(workers) == 0:
                continue
            goals = np.stack([self.stacks[w][level].goal for w in workers])
            greedy = self.actors(level, state[workers], goals)
            for row, w in enumerate(workers):
                attempt = self.stacks[w][level]
                action = self._explore(level, greedy[row], attempt.greedy)
                attempt.state, attempt.action = state[w].copy(), action
                if level == 0:
                    primitive[w] = action
                    continue
                attempt.child_tested = attempt.greedy or (
                    self.training and self.rng.random() < self.c.subgoal_test_rate)
                self.stacks[w][level - 1] = Attempt(goal=action, greedy=attempt.child_tested)
                self.need[w] = level - 1
        return primitive

    # -- one tick -------------------------------------------------------------------------
    def tick(self) -> list[EpisodeStats]:
        actions = self._descend()
        obs, *_ = self.envs.step(actions)
        next_obs = {k: np.array(v) for k, v in obs.items()}
        if self.training:
            self.frames.append(next_obs["observation"].copy())
            self.frame_goals.append(next_obs["achieved_goal"].copy())
        finished, reset = [], [False] * self.n
        for w in range(self.n):
            stats = self._ascend(w, next_obs["observation"][w], next_obs["achieved_goal"][w])
            if stats is not None:
                finished.append(stats)
                reset[w] = True
        self.obs = next_obs
        if any(reset):
            for w, new in enumerate(self.envs.call("reset_where", tuple(reset))):
                if new is not None:
                    for key in self.obs:
                        self.obs[key][w] = new[key]
                    self.stacks[w] = self._new_stack(w)
                    self.need[w] = self.levels - 1
                    self.ep[w] = self._new_episode_counters()
        return finished

    def _reached(self, w: int, achieved: np.ndarray) -> list[bool]:
        return [bool(goal_reached(achieved, self.stacks[w][i].goal, self.thresholds[i],
                                  self.metric)) for i in range(self.levels)]

    def _ascend(self, w: int, next_state, achieved) -> EpisodeStats | None:
        reached = self._reached(w, achieved)
        ep = self.ep[w]
        ep["steps"] += 1
        ep["ret"] += 0.0 if reached[-1] else -1.0
        time_up = ep["steps"] >= self.max_steps
        child_maxed = False
        for level in range(self.levels):
            attempt = self.stacks[w][level]
            attempt.actions += 1
            if self.training:
                self._record(level, attempt, next_state, achieved, reached, child_maxed)
            over = any(reached[level:]) or attempt.actions >= self.specs[level].horizon
            if not (over or time_up):
                self.need[w] = level
                return None
            ep["attempts"][level] += 1
            ep["reached"][level] += int(reached[level])
            child_maxed = attempt.actions >= self.specs[level].horizon and not reached[level]
            if self.training:
                self.buffers[level].add_many(hindsight.goal_transitions(
                    attempt.steps, self.thresholds[level], self.metric, self.c.gamma,
                    self.rng, self.c.hindsight_goals))
        return EpisodeStats(w, reached[-1], ep["steps"], ep["ret"], ep["attempts"],
                            ep["reached"])

    def _record(self, level, attempt, next_state, achieved, reached, child_maxed) -> None:
        """The level's transitions for the action that just finished."""
        transition = hindsight.action_transition(
            level, attempt.state, attempt.action, next_state, achieved, attempt.goal,
            reached[level], level > 0 and reached[level - 1], self.c.gamma)
        buffer = self.buffers[level]
        buffer.add(*transition)
        if level > 0 and attempt.child_tested and child_maxed:
            buffer.add(*hindsight.subgoal_test_transition(
                attempt.state, attempt.action, next_state, attempt.goal,
                self.specs[level].horizon))
        attempt.steps.append((attempt.state, transition[1], next_state, achieved))

    def take_frames(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Every state (and achieved goal) stepped since the last call, all workers."""
        if not self.frames:
            return None, None
        frames, goals = np.concatenate(self.frames), np.concatenate(self.frame_goals)
        self.frames, self.frame_goals = [], []
        return frames, goals
