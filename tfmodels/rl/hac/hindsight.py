"""The three kinds of HAC transitions (Levy et al. 2019, §3.2–3.4), as plain functions.

A transition is (state, action, reward, next_state, goal, discount); reward is 0 when the
level's goal is reached, else −1, and the discount is then 0 (the attempt is over) or γ.

  * hindsight action: a subgoal level is trained as if the level below were already
    optimal: its action is the subgoal it proposed if the level below reached it, else the
    state the level below did reach (projected to goal space). Level 0 keeps its action.
  * subgoal testing: a tested subgoal (levels below acted greedily) that was missed costs
    −H with discount 0, so a level learns which subgoals its children cannot reach.
  * hindsight goal: after an attempt, `n_goals` achieved goals of it (the last one plus
    random ones, the reference's choice) relabel *every* transition of the attempt, with
    rewards recomputed against the level's threshold.
"""
from __future__ import annotations

import numpy as np

from pipelines.envs.goals import goal_reached


def action_transition(level: int, state, proposed, next_state, next_achieved, goal,
                      reached_goal: bool, child_reached: bool, gamma: float) -> tuple:
    action = proposed if level == 0 or child_reached else next_achieved
    return (state, np.asarray(action, np.float32), 0.0 if reached_goal else -1.0, next_state,
            goal, 0.0 if reached_goal else gamma)


def subgoal_test_transition(state, subgoal, next_state, goal, horizon: int) -> tuple:
    return (state, subgoal, -float(horizon), next_state, goal, 0.0)


def goal_transitions(attempt: list[tuple], thresholds, metric: str, gamma: float,
                     rng: np.random.Generator, n_goals: int) -> list[tuple]:
    """`attempt`: (state, action, next_state, achieved_goal) per action of one attempt."""
    n = len(attempt)
    if n == 0:
        return []
    k = min(n_goals, n)
    chosen = sorted([int(i) for i in rng.integers(n, size=k - 1)] + [n - 1])
    achieved = np.stack([step[3] for step in attempt])
    out = []
    for index in chosen:
        new_goal = achieved[index]
        reached = goal_reached(achieved, new_goal, thresholds, metric)
        for (state, action, next_state, _), hit in zip(attempt, reached):
            out.append((state, action, 0.0 if hit else -1.0, next_state, new_goal,
                        0.0 if hit else gamma))
    return out
