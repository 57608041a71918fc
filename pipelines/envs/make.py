"""Build environments from their own packages: gymnasium (CartPole) and MinAtar.

One function builds one environment of one variant; `make_vec_env` builds `n_envs` of them
in a gymnasium `SyncVectorEnv` (steps all envs in one call, auto-resets finished ones and
hands back the true final observation in `infos["final_observation"]`). Training
variants are dealt round-robin, env i gets `variants[i % len(variants)]`, so one batch
mixes every training variant. Seeds are `seed + i`: same seed, same episodes.
"""
from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np

from pipelines.envs import variants as V
from tflab.errors import UserError

MINATAR_PREFIX = "MinAtar/"


def _register_minatar() -> None:
    import minatar.gym  # registers MinAtar/<Game>-v0/-v1 with gymnasium

    if "MinAtar/Breakout-v1" not in gym.registry:
        minatar.gym.register_envs()


def is_image_env(env_id: str) -> bool:
    return env_id.startswith(MINATAR_PREFIX)


def check_env_id(env_id: str) -> None:
    """UserError naming the known ids when `env_id` is not registered."""
    if is_image_env(env_id):
        _register_minatar()
    if env_id not in gym.registry:
        known = sorted(k for k in gym.registry if k.startswith(MINATAR_PREFIX)
                       or k.startswith("CartPole"))
        raise UserError(f"unknown env_id {env_id!r}; known ids include {', '.join(known)}")


def check_variants(env_id: str, names) -> None:
    known = V.known_variants(is_image_env(env_id))
    for name in names:
        if name not in known:
            raise UserError(f"unknown variant {name!r} for {env_id}; known variants: "
                            f"{', '.join(known)}")


def make_env(env_id: str, variant: str = "none", seed: int | None = None,
             distractor_channel: int = -1) -> gym.Env:
    """One environment of `variant`, seeded on its first reset by the caller."""
    check_env_id(env_id)
    check_variants(env_id, [variant])
    kwargs = V.make_kwargs(variant) if is_image_env(env_id) else {}
    env = gym.make(env_id, disable_env_checker=True, **kwargs)
    return V.wrap(env, variant, distractor_channel, seed)


def make_vec_env(env_id: str, variants, n_envs: int, seed: int,
                 distractor_channel: int = -1) -> gym.vector.SyncVectorEnv:
    """`n_envs` environments, variants dealt round-robin; call `reset(seed=seed)` once."""
    if n_envs < 1:
        raise UserError(f"n_envs must be >= 1, got {n_envs}")
    variants = list(variants) or ["none"]
    fns = [functools.partial(make_env, env_id, variants[i % len(variants)], seed + i,
                             distractor_channel) for i in range(n_envs)]
    return gym.vector.SyncVectorEnv(fns)


def env_spaces(env_id: str) -> tuple[tuple[int, ...], int]:
    """(observation shape, number of actions) without keeping an env around."""
    env = make_env(env_id)
    shape = tuple(int(d) for d in env.observation_space.shape)
    n_actions = int(env.action_space.n)
    env.close()
    return shape, n_actions


def final_observations(infos: dict, done: np.ndarray):
    """Indices and stacked true final observations of the envs that just finished."""
    idx = np.flatnonzero(done)
    if len(idx) == 0 or "final_observation" not in infos:
        return idx, None
    return idx, np.stack([infos["final_observation"][i] for i in idx])
