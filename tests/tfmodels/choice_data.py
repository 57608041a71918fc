"""Tiny conditional-logit choice data for model unit tests (numpy, seeded)."""
import numpy as np
import tensorflow as tf


def simulate_choices(decisions=400, choices=6, features=3, beta=(1.0, -0.5, 0.3), seed=0,
                     pad_every=3, pad_from=4):
    """Decisions with `choices` slots, every `pad_every`-th padded from slot `pad_from`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(decisions, choices, features)).astype("float32")
    mask = np.ones((decisions, choices), "float32")
    mask[::pad_every, pad_from:] = 0.0
    utility = x @ np.asarray(beta)
    utility[mask == 0] = -np.inf
    p = np.exp(utility - utility.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(choices, p=row) for row in p], dtype="int32")
    x[mask == 0] = 0.0
    return x, mask, y


def dataset(x, mask, y, batch_size=128):
    return tf.data.Dataset.from_tensor_slices(({"features": x, "mask": mask}, y)).batch(batch_size)
