"""One replay buffer per HAC level: fixed-size NumPy rings of (s, a, r, s', g, discount).

`discount` is stored per transition (γ, or 0 when the goal was reached or for a failed
subgoal test), so the critic target is simply r + discount · Q(s', π(s', g)).
Sampling is uniform with replacement from a seeded generator: batches (and hence runs)
repeat exactly for a given seed.
"""
from __future__ import annotations

import numpy as np

FIELDS = ("state", "action", "reward", "next_state", "goal", "discount")


class ReplayBuffer:
    def __init__(self, capacity: int, obs_dim: int, action_dim: int, goal_dim: int):
        self.capacity = int(capacity)
        shapes = dict(state=(obs_dim,), action=(action_dim,), reward=(), next_state=(obs_dim,),
                      goal=(goal_dim,), discount=())
        self.data = {k: np.zeros((self.capacity,) + shapes[k], np.float32) for k in FIELDS}
        self.size = 0
        self.position = 0
        self.added = 0  # transitions ever added (the ring forgets, this does not)

    def add(self, state, action, reward, next_state, goal, discount) -> None:
        i = self.position
        for key, value in zip(FIELDS, (state, action, reward, next_state, goal, discount)):
            self.data[key][i] = value
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)
        self.added += 1

    def add_many(self, transitions) -> None:
        for transition in transitions:
            self.add(*transition)

    def sample(self, rng: np.random.Generator, n_batches: int, batch_size: int) -> dict:
        """`n_batches` stacked batches: arrays of shape (n_batches, batch_size, ...)."""
        idx = rng.integers(0, self.size, size=(n_batches, batch_size))
        return {k: v[idx] for k, v in self.data.items()}

    def recent(self, n: int) -> dict:
        """The last `n` transitions added (for diagnostics on current behaviour)."""
        n = min(n, self.size)
        idx = (self.position - 1 - np.arange(n)) % self.capacity
        return {k: v[idx] for k, v in self.data.items()}
