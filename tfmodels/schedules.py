"""Learning-rate schedules a config names with `lr_decay`, shared by the Keras families.

"none" keeps the configured rate (a plateau callback may still halve it); "cosine" decays it
to 0.1 % over the run's optimizer steps. The cosine's reason: a fit that must land inside a
fine tolerance — a convex optimum (mimic's linear model), a float head's half quantum
(catan's overfit check) — needs its last steps small, and a plateau rule only shrinks the
rate after progress has already stalled.
"""
from __future__ import annotations

from configs.base import LR_DECAYS


def learning_rate(rate: float, decay: str, total_steps: int):
    """A float rate, or a Keras cosine schedule over `total_steps` optimizer steps."""
    if decay == "none":
        return rate
    if decay != "cosine":
        raise ValueError(f"unknown lr_decay {decay!r}; known: {', '.join(LR_DECAYS)}")
    import keras

    return keras.optimizers.schedules.CosineDecay(rate, decay_steps=max(1, int(total_steps)),
                                                  alpha=0.001)
