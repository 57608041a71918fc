"""Evaluation episodes on one variant, with the normaliser frozen (training=False).

Each evaluation runs `episodes` environments side by side until each has finished its
first episode (or `max_steps`), so one evaluation is a few hundred batched forward passes.
Seeds are fixed per variant, so evaluations at different steps see the same episodes.
"""
from __future__ import annotations

import numpy as np

from pipelines.envs import make_vec_env


def sample_actions(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Categorical sample by the Gumbel-max trick (seeded NumPy: reproducible)."""
    gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, size=logits.shape)))
    return np.argmax(logits + gumbel, axis=1).astype(np.int32)


def evaluate(act_fn, config, variant: str, seed: int) -> dict:
    """Mean and sample std (ddof=1) of the return, mean length, of `config.eval_episodes`
    episodes of `variant`."""
    n = config.eval_episodes
    envs = make_vec_env(config.env_id, [variant], n, seed, config.distractor_channel)
    rng = np.random.default_rng(seed)
    obs, _ = envs.reset(seed=seed)
    returns = np.zeros(n)
    lengths = np.zeros(n, dtype=np.int64)
    finished = np.zeros(n, dtype=bool)
    for _ in range(config.eval_max_steps):
        logits = act_fn(obs.astype(np.float32))[0]
        actions = (np.argmax(logits, 1).astype(np.int32) if config.eval_deterministic
                   else sample_actions(logits, rng))
        obs, rewards, terminated, truncated, _ = envs.step(actions)
        returns += rewards * ~finished
        lengths += ~finished
        finished |= terminated | truncated
        if finished.all():
            break
    envs.close()
    spread = float(returns.std(ddof=1)) if n > 1 else 0.0
    return {"return": float(returns.mean()), "return_std": spread,
            "length": float(lengths.mean()), "capped": int((~finished).sum())}
