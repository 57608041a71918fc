"""A Keras model whose steps walk each batch in cache-sized micro-batches.

Why: at batch 10 000 decisions every layer streams tens of MB of activations through
memory, and the 24–32-wide layers do too little arithmetic per byte to hide it; pieces of a
few hundred decisions stay in cache. Measured faster on CPU: bench/RESULTS_mimic.md,
"micro-batches".

It does not change what is computed: the gradient of a step is still the gradient of the
mean loss over the *whole* batch (each piece's mean loss is weighted by its share of the
batch and the per-piece gradients are summed before the one optimizer update), and the
loss Keras tracks is the batch mean. Only the order of float additions changes, so the
numbers are as deterministic as before, not bit-equal to the un-split step. Dropout draws
one mask per piece from the same seeded generator.

Limits (checked): losses only — compiled metrics need the whole batch's predictions, so a
model compiled with metrics, or a batch with sample weights, takes Keras' own step. The
pieces run one after another (`parallel_iterations=1`): that is the point.

`micro_batch` is a plain attribute (0 = Keras' own steps). It is not saved: a reloaded
`model.keras` is an ordinary functional model with the same weights and outputs.
"""
from __future__ import annotations

import keras
import tensorflow as tf

# The plain train_step's running-loss metric and loss scaling are private in Keras 3; the
# micro-batched step uses the same ones (through the adapter), so it reports the same `loss`.
from tfmodels import keras_compat


def _batch_size(structure) -> tf.Tensor:
    return tf.shape(tf.nest.flatten(structure)[0])[0]


@keras.saving.register_keras_serializable(package="tflab")
class MicroBatchedModel(keras.Model):
    """Functional model (`MicroBatchedModel(inputs, outputs)`) with micro-batched steps."""

    micro_batch = 0  # examples per piece; 0 = Keras' own train/test steps

    def _splits(self, data) -> bool:
        _, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        return bool(self.micro_batch) and sample_weight is None and not self._compiled_metrics()

    def _compiled_metrics(self) -> bool:
        return any(m is not self._loss_tracker for m in self.metrics)

    def _over_pieces(self, x, y, piece_fn, initial: list) -> list:
        """Σ over pieces of piece_fn(x_piece, y_piece, share), share = piece size / batch."""
        size = int(self.micro_batch)
        total = _batch_size(x)
        count = (total + size - 1) // size

        def body(i, sums):
            start = i * size
            xs = tf.nest.map_structure(lambda t: t[start:start + size], x)
            ys = tf.nest.map_structure(lambda t: t[start:start + size], y)
            share = tf.cast(_batch_size(xs), tf.float32) / tf.cast(total, tf.float32)
            return i + 1, [a + b for a, b in zip(sums, piece_fn(xs, ys, share))]

        _, sums = tf.while_loop(lambda i, _: i < count, body, (tf.constant(0), initial),
                                parallel_iterations=1)
        return sums

    def inference_loss(self, x, y) -> tf.Tensor:
        """The compiled loss over the batch in inference mode, as `compute_loss` returns it
        for the whole batch (scaled for distribution), computed piece by piece."""
        if not self.micro_batch:
            return self._compute_loss(x=x, y=y, y_pred=self(x, training=False),
                                      training=False)

        def piece(xs, ys, share):
            loss = self._compute_loss(x=xs, y=ys, y_pred=self(xs, training=False),
                                      training=False)
            return [tf.cast(loss, tf.float32) * share]

        return self._over_pieces(x, y, piece, [tf.zeros((), tf.float32)])[0]

    def train_step(self, data):
        if not self._splits(data):
            return super().train_step(data)
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        variables = self.trainable_variables

        def piece(xs, ys, share):
            with tf.GradientTape() as tape:
                loss = self._compute_loss(x=xs, y=ys, y_pred=self(xs, training=True),
                                          training=True)
                loss = tf.cast(loss, tf.float32) * share
            return [loss, *tape.gradient(loss, variables)]

        initial = [tf.zeros((), tf.float32)] + [tf.zeros(v.shape, v.dtype) for v in variables]
        loss, *gradients = self._over_pieces(x, y, piece, initial)
        self.optimizer.apply_gradients(zip(gradients, variables))
        self._loss_tracker.update_state(keras_compat.unscale_loss_for_distribution(loss),
                                        sample_weight=_batch_size(x))
        return self.get_metrics_result()

    def test_step(self, data):
        if not self._splits(data):
            return super().test_step(data)
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        loss = self.inference_loss(x, y)
        self._loss_tracker.update_state(keras_compat.unscale_loss_for_distribution(loss),
                                        sample_weight=_batch_size(x))
        return self.get_metrics_result()
