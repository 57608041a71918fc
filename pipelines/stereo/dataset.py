"""`tf.data` pipelines over in-memory stereo splits.

Inputs are `{"left", "right"}` float32 images in 0..255 (the model rescales), targets are one
(H, W, 2) tensor stacking disparity and the validity mask, so the masked loss and metrics see
both without Keras sample weights (whose per-pixel reduction divides by all pixels, valid or
not).
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from pipelines.stereo.splits import StereoSplit


def targets(split: StereoSplit) -> np.ndarray:
    """(N, H, W, 2) float32: channel 0 disparity (px), channel 1 validity (0/1)."""
    return np.stack([split.disparity.astype(np.float32), split.valid.astype(np.float32)],
                    axis=-1)


def make_dataset(split: StereoSplit, batch_size: int, *, shuffle_seed: int | None = None,
                 drop_remainder: bool = False) -> tf.data.Dataset:
    """Batched `((left, right), target)`; shuffled with `shuffle_seed` if one is given."""
    inputs = {"left": split.left, "right": split.right}
    ds = tf.data.Dataset.from_tensor_slices((inputs, targets(split)))
    if shuffle_seed is not None:
        ds = ds.shuffle(len(split), seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(lambda x, y: ({k: tf.cast(v, tf.float32) for k, v in x.items()}, y),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
