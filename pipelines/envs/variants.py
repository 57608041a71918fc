"""Environment variants for generalisation: distractors drawn into the frame, or new dynamics.

Generalisation is tested by training on Breakout with a constant distractor painted over
the frame and scoring the variants not trained on; as held-out tests, a rectangle ("rec") is
too easy, a green line ("gl") just right and a long diagonal ("diagonal") too hard.
MinAtar frames are (10, 10, C) object-channel maps, so a distractor is painted into one
channel (`distractor_channel`, default the last: Breakout's brick channel), where it looks
like game objects the agent must learn to ignore.
Every variant keeps the observation shape and the action space, so one network runs on all.

Image variants:
  none        the game as shipped
  rectangle   a constant 2×3 block, placed once per episode
  green_line  a 3-cell horizontal bar that drifts one cell left/right each step (paddle-like)
  diagonal    the long anti-diagonal, static
  sticky      dynamics: sticky-action probability 0.3 instead of MinAtar's 0.1
Vector variants (CartPole): none, noise (Gaussian observation noise, σ = 0.1).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np

IMAGE_VARIANTS = ("none", "rectangle", "green_line", "diagonal", "sticky")
VECTOR_VARIANTS = ("none", "noise")
STICKY_PROB = 0.3  # the sticky variant's action-repeat probability (MinAtar default 0.1)


class DistractorWrapper(gym.ObservationWrapper):
    """Paint a distractor pattern into one channel of a (H, W, C) observation."""

    def __init__(self, env: gym.Env, pattern: str, channel: int = -1, seed: int | None = None):
        super().__init__(env)
        self.pattern = pattern
        self.channel = channel % env.observation_space.shape[-1]
        self.rng = np.random.default_rng(seed)
        self.height, self.width = env.observation_space.shape[:2]
        self._anchor = (0, 0)

    def reset(self, **kwargs):
        if kwargs.get("seed") is not None:
            self.rng = np.random.default_rng(kwargs["seed"] + 7919)
        self._anchor = (int(self.rng.integers(1, self.height - 3)),
                        int(self.rng.integers(0, self.width - 3)))
        return super().reset(**kwargs)

    def _mask(self) -> np.ndarray:
        mask = np.zeros((self.height, self.width), dtype=bool)
        row, col = self._anchor
        if self.pattern == "rectangle":
            mask[row:row + 2, col:col + 3] = True
        elif self.pattern == "green_line":
            col = int(np.clip(col + self.rng.integers(-1, 2), 0, self.width - 3))
            self._anchor = (row, col)
            mask[row, col:col + 3] = True
        elif self.pattern == "diagonal":
            mask[np.arange(self.height), self.width - 1 - np.arange(self.height)] = True
        return mask

    def observation(self, obs):
        obs = np.array(obs, copy=True)
        obs[..., self.channel] |= self._mask().astype(obs.dtype)
        return obs


class ObservationNoise(gym.ObservationWrapper):
    """Add seeded Gaussian noise to a vector observation."""

    def __init__(self, env: gym.Env, scale: float = 0.1, seed: int | None = None):
        super().__init__(env)
        self.scale = scale
        self.rng = np.random.default_rng(seed)

    def reset(self, **kwargs):
        if kwargs.get("seed") is not None:
            self.rng = np.random.default_rng(kwargs["seed"] + 7919)
        return super().reset(**kwargs)

    def observation(self, obs):
        noise = self.rng.normal(0.0, self.scale, size=np.shape(obs))
        return (obs + noise).astype(self.observation_space.dtype)


def known_variants(image: bool) -> tuple[str, ...]:
    return IMAGE_VARIANTS if image else VECTOR_VARIANTS


def make_kwargs(variant: str) -> dict:
    """Keyword arguments the variant needs at `gym.make` time (dynamics variants)."""
    return {"sticky_action_prob": STICKY_PROB} if variant == "sticky" else {}


def wrap(env: gym.Env, variant: str, channel: int = -1, seed: int | None = None) -> gym.Env:
    """Apply an observation variant (dynamics variants were applied by `make_kwargs`)."""
    if variant in ("rectangle", "green_line", "diagonal"):
        return DistractorWrapper(env, variant, channel, seed)
    if variant == "noise":
        return ObservationNoise(env, seed=seed)
    return env
