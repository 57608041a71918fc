"""`tf.data` pipelines over `ChoiceSets`: cache → shuffle → batch → prefetch.

The arrays already sit in memory, so the dataset is built from tensors. Training data is
shuffled with the run's seed over *all* rows (a full-size buffer: the notebooks' lesson
was that batch composition matters) and reshuffled every epoch; evaluation datasets are
never shuffled, so predictions line up with `ChoiceSets` rows.
"""
from __future__ import annotations

import tensorflow as tf

from pipelines.movement.views import ChoiceSets
from tfmodels.errors import UserError


def make_dataset(choice_sets: ChoiceSets, *, batch_size: int, shuffle: bool, seed: int,
                 cache: bool = True) -> tf.data.Dataset:
    """Yields ``({"features": [B, C, F] float32, "mask": [B, C] float32}`` (1 valid, 0 padding; float because
    MirroredStrategy cannot aggregate bool inputs across replicas), selected int32 [B])`."""
    if choice_sets.num_decisions == 0:
        raise UserError("no decisions in this split; check val_fraction and the data")
    if batch_size < 1:
        raise UserError(f"batch_size must be >= 1, got {batch_size}")
    inputs = {"features": tf.constant(choice_sets.features, dtype=tf.float32),
              "mask": tf.constant(choice_sets.mask, dtype=tf.float32)}
    dataset = tf.data.Dataset.from_tensor_slices(
        (inputs, tf.constant(choice_sets.selected, dtype=tf.int32)))
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(choice_sets.num_decisions, seed=seed,
                                  reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
