"""RunningNormalizer: one running mean/std for every environment and every replica.

A normalizer that each worker process keeps for itself is silently wrong: its statistics
count one worker's frames (thousands) when the run has seen millions. Here the
statistics are Keras non-trainable variables inside the model, so they are
  * shared by all environments (they feed one batch through one layer),
  * shared by all replicas: under a `tf.distribute` strategy each replica's batch moments
    are all-reduced (summed) before the merge, so every replica applies the same update,
  * saved in `model.keras` and restored with the model,
  * frozen whenever the layer is called with `training=False` (evaluation).

State: `count`, `mean` and `m2` (sum of squared deviations from the mean), float64.
The usual `sum` and `sq_sum` carry the same information (`sum` = count·mean,
`sq_sum` = m2 + count·mean², both exposed as properties) but the variance from
sq_sum/n − mean² cancels catastrophically after millions of frames in float32. A batch
is merged with the parallel mean/variance formula (Chan et al.):
    δ = μ_b − μ,  n = c + c_b,  μ' = μ + δ·c_b/n,  M2' = M2 + M2_b + δ²·c·c_b/n.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfmodels")
class RunningNormalizer(keras.layers.Layer):
    """(x − mean) / sqrt(var + eps), clipped to ±clip; statistics updated when training.

    Args:
      clip: clip the normalised value to [−clip, clip] (SB3 VecNormalize uses 10).
      epsilon: added to the variance so constant features do not divide by zero.
      initial_mean, initial_var, initial_count: optional starting statistics (to
        warm-start from an earlier run). `initial_count` is how many samples
        they are worth, so a new batch moves them in proportion instead of overwriting.
      update_in_training: when False the layer only normalises; call `update()` yourself.
    """

    def __init__(self, clip: float = 10.0, epsilon: float = 1e-8, initial_mean=None,
                 initial_var=None, initial_count: float = 0.0,
                 update_in_training: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.clip = float(clip)
        self.epsilon = float(epsilon)
        self.initial_mean = None if initial_mean is None else np.asarray(initial_mean).tolist()
        self.initial_var = None if initial_var is None else np.asarray(initial_var).tolist()
        self.initial_count = float(initial_count)
        self.update_in_training = bool(update_in_training)

    def build(self, input_shape):
        feature_shape = tuple(int(d) for d in input_shape[1:])
        mean = np.zeros(feature_shape) if self.initial_mean is None else \
            np.broadcast_to(np.asarray(self.initial_mean, np.float64), feature_shape)
        var = np.ones(feature_shape) if self.initial_var is None else \
            np.broadcast_to(np.asarray(self.initial_var, np.float64), feature_shape)
        count = self.initial_count
        # ONLY_FIRST_REPLICA: every replica computes the same merged value (the batch
        # moments are all-reduced first), so taking the first replica's is exact.
        opts = dict(trainable=False, dtype="float64",
                    aggregation="only_first_replica")
        self.count = self.add_weight(name="count", shape=(),
                                     initializer=keras.initializers.Constant(count), **opts)
        self.mean = self.add_weight(name="mean", shape=feature_shape,
                                    initializer=keras.initializers.Constant(mean), **opts)
        self.m2 = self.add_weight(name="m2", shape=feature_shape,
                                  initializer=keras.initializers.Constant(var * count),
                                  **opts)

    # -- statistics ---------------------------------------------------------------------
    @property
    def variance(self):
        """Population variance; 1 until anything has been counted (identity scaling)."""
        count = tf.convert_to_tensor(self.count)
        return tf.where(count > 0, self.m2 / tf.maximum(count, 1.0),
                        tf.ones_like(self.m2))

    @property
    def sum(self):
        return self.mean * self.count

    @property
    def sq_sum(self):
        return self.m2 + self.count * tf.square(self.mean)

    def update(self, x):
        """Merge batch `x` (leading axis = samples) into the statistics, across replicas."""
        x = tf.cast(tf.convert_to_tensor(x), tf.float64)
        x = tf.reshape(x, (-1,) + tuple(self.mean.shape))
        batch_count = tf.cast(tf.shape(x)[0], tf.float64)
        batch_sum = tf.reduce_sum(x, axis=0)
        ctx = tf.distribute.get_replica_context()
        in_replicas = ctx is not None and ctx.num_replicas_in_sync > 1
        if in_replicas:  # one set of statistics: sum the replicas' counts and sums
            batch_count, batch_sum = ctx.all_reduce("sum", [batch_count, batch_sum])
        batch_mean = batch_sum / tf.maximum(batch_count, 1.0)
        batch_m2 = tf.reduce_sum(tf.square(x - batch_mean), axis=0)
        if in_replicas:
            batch_m2 = ctx.all_reduce("sum", batch_m2)
        count = tf.convert_to_tensor(self.count)
        mean = tf.convert_to_tensor(self.mean)
        total = count + batch_count
        safe_total = tf.maximum(total, 1.0)
        delta = batch_mean - mean
        self.mean.assign(mean + delta * batch_count / safe_total)
        self.m2.assign(self.m2 + batch_m2 + tf.square(delta) * count * batch_count / safe_total)
        self.count.assign(total)

    # -- persistence ("start from an earlier run") ----------------------------------------
    def statistics(self) -> dict:
        """count, mean, m2 (what is loaded back) plus sum and sq_sum (the familiar form),
        as plain float64 lists: JSON keeps every bit of a float64."""
        return {"count": float(self.count.numpy()), "mean": self.mean.numpy().tolist(),
                "m2": self.m2.numpy().tolist(), "sum": np.asarray(self.sum).tolist(),
                "sq_sum": np.asarray(self.sq_sum).tolist()}

    def load_statistics(self, stats: dict) -> None:
        """Continue from saved statistics *with their count*, so the next batch moves
        them by its share (a mean/std loaded with count 0 is overwritten at once)."""
        mean = np.asarray(stats["mean"], np.float64)
        if mean.shape != tuple(self.mean.shape):
            raise ValueError(f"statistics for shape {mean.shape}, layer has "
                             f"{tuple(self.mean.shape)}")
        count = float(stats["count"])
        m2 = np.asarray(stats["m2"], np.float64) if "m2" in stats else (
            np.asarray(stats["sq_sum"], np.float64) - count * mean ** 2)
        self.count.assign(count)
        self.mean.assign(mean)
        self.m2.assign(m2)

    # -- layer --------------------------------------------------------------------------
    def call(self, x, training=False):
        if training and self.update_in_training:
            self.update(x)
        mean = tf.cast(self.mean, x.dtype)
        std = tf.cast(tf.sqrt(self.variance + self.epsilon), x.dtype)
        return tf.clip_by_value((x - mean) / std, -self.clip, self.clip)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(clip=self.clip, epsilon=self.epsilon, initial_mean=self.initial_mean,
                      initial_var=self.initial_var, initial_count=self.initial_count,
                      update_in_training=self.update_in_training)
        return config
