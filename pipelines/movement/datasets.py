"""`tf.data` pipelines over `ChoiceSets`: in-memory tensors → shuffle → batch → prefetch
(fixed, no autotune).

The arrays already sit in memory, so nothing is read or cached from disk: a batch is a
`tf.gather` of rows. Training data is shuffled over *all* rows (a full-size buffer: batch
composition moves the fit) with a fresh permutation every epoch,
derived from the data seed (`split_seed`) alone: epoch i of the endless training stream
(`repeat=True`, one iterator for the whole `fit`, with `steps_per_epoch`) is the stateless
permutation of (i, seed), independent of TensorFlow's global seed, so `random_seed` moves
the start, never the data. The permutation replaces a much slower per-element
`Dataset.shuffle` (both measured: bench/RESULTS_mimic.md, "input stream").
Evaluation datasets are never shuffled, so predictions line up with `ChoiceSets` rows.
"""
from __future__ import annotations

import tensorflow as tf

from pipelines.movement.views import ChoiceSets
from tflab.errors import UserError

PREFETCH_BATCHES = 2  # 0, 1 and 2 measured alike on CPU (bench/RESULTS_mimic.md)


def make_dataset(choice_sets: ChoiceSets, *, batch_size: int, shuffle: bool, seed: int,
                 cache: bool = True, repeat: bool = False) -> tf.data.Dataset:
    """Yields `({"features": [B, C, F] float32, "mask": [B, C] float32}, selected int32 [B])`.

    The mask is float (1 valid, 0 padding), not bool: MirroredStrategy cannot aggregate
    bool inputs across replicas.

    `shuffle=True`: a new seeded permutation of all rows each epoch (deterministic for a
    seed); with `repeat=True` it never ends, each `steps_per_epoch(...)` batches being one
    full permutation. `cache=True` keeps the batches of an unshuffled dataset after the first pass
    (a shuffled one gathers from the in-memory tensors every epoch: caching it would
    freeze the first epoch's order).
    """
    n = choice_sets.num_decisions
    if n == 0:
        raise UserError("no decisions in this split; check val_fraction and the data")
    if batch_size < 1:
        raise UserError(f"batch_size must be >= 1, got {batch_size}")
    features = tf.constant(choice_sets.features, dtype=tf.float32)
    mask = tf.constant(choice_sets.mask, dtype=tf.float32)
    selected = tf.constant(choice_sets.selected, dtype=tf.int32)
    starts = tf.range(0, n, batch_size, dtype=tf.int64)

    def rows(index: tf.Tensor):
        return ({"features": tf.gather(features, index), "mask": tf.gather(mask, index)},
                tf.gather(selected, index))

    def batches_of(order: tf.Tensor) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices(starts).map(
            lambda start: order[start:start + batch_size])

    if shuffle:
        def epoch(draw: tf.Tensor) -> tf.data.Dataset:
            pair = tf.stack([draw, tf.constant(seed, tf.int64)])
            keys = tf.random.stateless_uniform([n], seed=pair)
            return batches_of(tf.argsort(keys, stable=True))

        # Endless stream: epoch i's order is a pure function of (i, seed), never of TF's
        # global seed, so every random start (solo or population member) sees the same
        # batches. A one-epoch dataset re-shuffles on each iteration instead.
        draws = (tf.data.Dataset.range(2 ** 62) if repeat else
                 tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1))
        dataset = draws.flat_map(epoch).map(rows)
    else:
        if repeat:
            raise ValueError("repeat=True is for shuffled training data")
        dataset = batches_of(tf.range(n, dtype=tf.int64)).map(rows)
        if cache:
            dataset = dataset.cache()
    return dataset.prefetch(PREFETCH_BATCHES).with_options(_without_autotune())


def _without_autotune() -> tf.data.Options:
    """tf.data's autotuner runs its own optimisation thread and, when the iterator is
    destroyed, waits for it. On a one-thread trial process that thread competes with the
    training step: a population's fit took 1.75x as long with it (bench/RESULTS_mimic.md,
    "tf.data autotune"). A batch here is one gather, so a fixed small prefetch is enough."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return options


def steps_per_epoch(choice_sets: ChoiceSets, batch_size: int) -> int:
    """Batches in one pass over `choice_sets` (the last one may be short)."""
    return -(-choice_sets.num_decisions // batch_size)
