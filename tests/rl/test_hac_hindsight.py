"""HAC's three kinds of transitions on a scripted 2-level episode, against a hand-built list.

The world is a line (state x, action moves x by a, achieved goal = x), stepped through a
real gymnasium vector env; both levels are scripted, so every transition is known:

    top goal 1.0, H = 2, thresholds 0.1, γ = 0.9, every subgoal tested
    subgoal 0.5:  x 0 → 0.25 → 0.5   reached (level 0 attempt 1 ends)
    subgoal 2.0:  x 0.5 → 0.75 → 1.0 missed after H actions, but the top goal is reached
"""
import gymnasium as gym
import numpy as np

from tfmodels.rl.hac import hindsight
from tfmodels.rl.hac.hierarchy import HierarchyRunner
from tfmodels.rl.hac.networks import LevelSpec
from tfmodels.rl.hac.replay import ReplayBuffer

G = 0.9


class LineWorld(gym.Env):
    observation_space = gym.spaces.Dict(
        observation=gym.spaces.Box(-10, 10, (1,)), achieved_goal=gym.spaces.Box(-10, 10, (1,)),
        desired_goal=gym.spaces.Box(-10, 10, (1,)))
    action_space = gym.spaces.Box(-1, 1, (1,))
    worker_index = 0

    def _obs(self):
        x = np.array([self.x], np.float32)
        return {"observation": x, "achieved_goal": x.copy(),
                "desired_goal": np.array([1.0], np.float32)}

    def reset(self, *, seed=None, options=None):
        self.x = 0.0
        return self._obs(), {}

    def step(self, action):
        self.x += float(action[0])
        return self._obs(), 0.0, False, False, {}

    def reset_where(self, flags):
        return self.reset()[0] if flags[self.worker_index] else None


class ScriptedActors:
    """Level 0 always moves +0.25; level 1 proposes 0.5, then 2.0."""

    def __init__(self):
        self.subgoals = iter([0.5, 2.0])

    def __call__(self, level, states, goals):
        if level == 0:
            return np.full((len(states), 1), 0.25, np.float32)
        return np.full((len(states), 1), next(self.subgoals), np.float32)


class Config:
    random_action_share = 0.0
    action_noise = subgoal_noise = 0.0
    subgoal_test_rate = 1.0
    gamma = G
    hindsight_goals = 1          # relabel with the attempt's last achieved goal only
    max_episode_steps = 100


def _run_episode():
    specs = [LevelSpec(0, [-1.0], [1.0], 2), LevelSpec(1, [-3.0], [3.0], 2)]
    buffers = [ReplayBuffer(100, 1, 1, 1) for _ in specs]
    envs = gym.vector.SyncVectorEnv([LineWorld])
    runner = HierarchyRunner(envs, ScriptedActors(), specs, [np.array([0.1])] * 2, "box",
                             Config(), np.random.default_rng(0), buffers)
    runner.start(seed=0)
    finished = []
    while not finished:
        finished = runner.tick()
    return finished[0], buffers


def _rows(buffer):
    d = buffer.data
    return [(float(d["state"][i, 0]), float(d["action"][i, 0]), float(d["reward"][i]),
             float(d["next_state"][i, 0]), float(d["goal"][i, 0]),
             round(float(d["discount"][i]), 6)) for i in range(buffer.size)]


def test_scripted_two_level_episode_matches_the_hand_built_transitions():
    stats, buffers = _run_episode()
    assert stats.success and stats.steps == 4
    assert stats.attempts == [2, 1] and stats.reached == [1, 1]
    g = round(G, 6)
    level0 = [
        (0.0, 0.25, -1.0, 0.25, 0.5, g),     # hindsight action (level 0 keeps its action)
        (0.25, 0.25, 0.0, 0.5, 0.5, 0.0),    # subgoal 0.5 reached: reward 0, discount 0
        (0.0, 0.25, -1.0, 0.25, 0.5, g),     # hindsight goal = last achieved (0.5)
        (0.25, 0.25, 0.0, 0.5, 0.5, 0.0),
        (0.5, 0.25, -1.0, 0.75, 2.0, g),     # attempt 2, goal 2.0: missed twice
        (0.75, 0.25, -1.0, 1.0, 2.0, g),
        (0.5, 0.25, -1.0, 0.75, 1.0, g),     # hindsight goal 1.0 (achieved): last step hits
        (0.75, 0.25, 0.0, 1.0, 1.0, 0.0),
    ]
    level1 = [
        (0.0, 0.5, -1.0, 0.5, 1.0, g),       # subgoal reached: action = the subgoal itself
        (0.5, 1.0, 0.0, 1.0, 1.0, 0.0),      # subgoal 2.0 missed: action = state reached (1.0)
        (0.5, 2.0, -2.0, 1.0, 1.0, 0.0),     # tested subgoal missed: penalty −H, discount 0
        (0.0, 0.5, -1.0, 0.5, 1.0, g),       # hindsight goal for the top attempt (1.0)
        (0.5, 1.0, 0.0, 1.0, 1.0, 0.0),
    ]
    assert _rows(buffers[0]) == level0
    assert _rows(buffers[1]) == level1


def test_hindsight_goals_always_use_the_last_achieved_goal_and_relabel_every_step():
    attempt = [(np.array([i], np.float32), np.array([1.0]), np.array([i + 1], np.float32),
                np.array([i + 1.0])) for i in range(5)]
    out = hindsight.goal_transitions(attempt, [0.1], "box", G, np.random.default_rng(3), 3)
    assert len(out) == 3 * 5                          # 3 goals × every step of the attempt
    goals = [float(t[4][0]) for t in out[::5]]
    assert goals[-1] == 5.0                           # the last achieved goal is one of them
    for k in range(3):
        rewards = [t[2] for t in out[5 * k:5 * k + 5]]
        assert rewards.count(0.0) == 1                # exactly the step that achieved it
