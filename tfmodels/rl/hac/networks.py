"""HAC networks: one DDPG actor and critic per level, all behind two shared normalizers.

Level 0 acts in the task's primitive action space; level i > 0 proposes subgoals in the
goal space, inside the subgoal bounds (tanh scaled to [low, high]). Every actor and critic
reads `obs_normalizer(state)` and `goal_normalizer(goal)` — the same two layer objects,
hence one set of statistics for every level, every env worker and every replica (one
normalizer per worker process counts one worker's frames). They are frozen inside the networks
(`update_in_training=False`); the trainer merges every env frame into them explicitly.

The critic ends in `sigmoid(x + offset) · (−H)`, the reference's bound: Q ∈ [−H, 0]
whatever the weights, starting near −0.067 (the reference's `q_init`), because no
sequence of −1 rewards within one attempt of H actions can be worth less than −H.

`hac_model` ties every level into one functional model (inputs state, goal and each
level's action; outputs each actor's action and each critic's Q) for model.keras.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from tfmodels.normalizer import RunningNormalizer

Q_INIT = -0.067  # the reference's initial Q (critic.py: q_init)


@keras.saving.register_keras_serializable(package="tfmodels")
class BoundedQ(keras.layers.Layer):
    """sigmoid(x + offset) · (−horizon): Q ∈ [−horizon, 0], Q(x = 0) = Q_INIT."""

    def __init__(self, horizon: float, **kwargs):
        super().__init__(**kwargs)
        self.horizon = float(horizon)
        self.offset = -math.log(self.horizon / -Q_INIT - 1.0)

    def call(self, x):
        return tf.sigmoid(x + self.offset) * -self.horizon

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon}


@keras.saving.register_keras_serializable(package="tfmodels")
class ScaleToBounds(keras.layers.Layer):
    """Map (−1, 1) (a tanh output) onto the box [low, high], or the box onto (−1, 1)."""

    def __init__(self, low, high, inverse: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.low = [float(v) for v in low]
        self.high = [float(v) for v in high]
        self.inverse = bool(inverse)

    def call(self, x):
        center = tf.constant([(lo + hi) / 2 for lo, hi in zip(self.low, self.high)], x.dtype)
        half = tf.constant([(hi - lo) / 2 for lo, hi in zip(self.low, self.high)], x.dtype)
        return (x - center) / half if self.inverse else center + half * x

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high,
                "inverse": self.inverse}


class LevelSpec:
    """Level i's action box and horizon (what its actor outputs, what bounds its Q)."""

    def __init__(self, index: int, low, high, horizon: int):
        self.index = index
        self.low = np.asarray(low, np.float32)
        self.high = np.asarray(high, np.float32)
        self.horizon = int(horizon)

    @property
    def dim(self) -> int:
        return len(self.low)


def _mlp(x, hidden, prefix):
    for j, units in enumerate(hidden):
        x = keras.layers.Dense(units, activation="relu", name=f"{prefix}_dense{j}")(x)
    return x


def build_networks(obs_dim: int, goal_dim: int, specs: list[LevelSpec], hidden,
                   normalize: bool = True):
    """(actors, critics, hac_model, obs_normalizer, goal_normalizer); weights are seeded by
    the caller's `keras.utils.set_random_seed`."""
    state = keras.Input((obs_dim,), name="state")
    goal = keras.Input((goal_dim,), name="goal")
    obs_norm = RunningNormalizer(update_in_training=False, name="obs_normalizer")
    goal_norm = RunningNormalizer(update_in_training=False, name="goal_normalizer")
    s = obs_norm(state) if normalize else state
    g = goal_norm(goal) if normalize else goal
    state_goal = keras.layers.Concatenate(name="state_goal")([s, g])
    actors, critics, actions, outputs = [], [], [], {}
    for spec in specs:
        i = spec.index
        x = _mlp(state_goal, hidden, f"actor{i}")
        x = keras.layers.Dense(spec.dim, activation="tanh", name=f"actor{i}_out")(x)
        act = ScaleToBounds(spec.low, spec.high, name=f"actor{i}_scale")(x)
        action = keras.Input((spec.dim,), name=f"action_{i}")
        a = ScaleToBounds(spec.low, spec.high, inverse=True, name=f"critic{i}_action")(action)
        y = keras.layers.Concatenate(name=f"critic{i}_in")([state_goal, a])
        y = keras.layers.Dense(1, name=f"critic{i}_out")(_mlp(y, hidden, f"critic{i}"))
        q = BoundedQ(spec.horizon, name=f"critic{i}_q")(y)
        actors.append(keras.Model([state, goal], act, name=f"actor_{i}"))
        critics.append(keras.Model([state, goal, action], q, name=f"critic_{i}"))
        actions.append(action)
        outputs[f"action_{i}"] = act
        outputs[f"q_{i}"] = q
    model = keras.Model({"state": state, "goal": goal, **{a.name: a for a in actions}},
                        outputs, name="hac")
    return actors, critics, model, obs_norm, goal_norm


class NumpyActors:
    """Every level's actor in NumPy, for acting (one tiny batch per env step).

    A `tf.function` call costs ≈0.5 ms here (see tfmodels/rl/numpy_policy.py), more than
    a PandaReach step; the same MLP in NumPy takes tens of microseconds. `sync()` copies
    the weights and the normalizers' statistics after each round of updates.
    """

    def __init__(self, actors, obs_norm, goal_norm, normalize: bool):
        self.actors, self.obs_norm, self.goal_norm = actors, obs_norm, goal_norm
        self.normalize = normalize
        self.layers = []
        self.sync()

    @staticmethod
    def _stats(layer):
        count = float(layer.count.numpy())
        var = layer.m2.numpy() / count if count > 0 else np.ones(layer.m2.shape)
        return (layer.mean.numpy().astype(np.float32),
                np.sqrt(var + layer.epsilon).astype(np.float32), layer.clip)

    def sync(self) -> None:
        self.obs_stats = self._stats(self.obs_norm) if self.normalize else None
        self.goal_stats = self._stats(self.goal_norm) if self.normalize else None
        self.layers = []
        for actor in self.actors:
            dense = [(layer.kernel.numpy(), layer.bias.numpy(), layer.activation.__name__)
                     for layer in actor.layers if isinstance(layer, keras.layers.Dense)]
            scale = next(layer for layer in actor.layers if isinstance(layer, ScaleToBounds))
            self.layers.append((dense, np.asarray(scale.low, np.float32),
                                np.asarray(scale.high, np.float32)))

    @staticmethod
    def _norm(x, stats):
        if stats is None:
            return x
        mean, std, clip = stats
        return np.clip((x - mean) / std, -clip, clip)

    def __call__(self, level: int, states: np.ndarray, goals: np.ndarray) -> np.ndarray:
        x = np.concatenate([self._norm(states, self.obs_stats),
                            self._norm(goals, self.goal_stats)], axis=-1).astype(np.float32)
        dense, low, high = self.layers[level]
        for kernel, bias, activation in dense:
            x = x @ kernel + bias
            x = np.maximum(x, 0.0) if activation == "relu" else np.tanh(x)
        return (low + high) / 2 + (high - low) / 2 * x
