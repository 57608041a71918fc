"""Seed populations: S copies of one network, stacked along a leading member axis, trained
as one Keras model.

Why: a grid's random starts differ only in their initial weights, and a configuration
needs many of them before its seed spread can be read. Trained one by one, every start pays
its own set-up, tracing and Keras loop; as a population they share one data pipeline, one
traced step and one loop, and the arithmetic of all members runs in the same kernels.

What stays exact: the loss is the *sum* of the members' mean losses, so each member's
gradient is exactly its own (no weight is shared between members) and Adam, being
elementwise, updates every member exactly as a solo run would. Dropout draws a separate
mask for every member. A member whose loss becomes non-finite is switched off (its loss
no longer counts, its weights stop mattering) while the others go on.

Per-member numbers travel through Keras' logs as `NAME_m{k}` (`loss_m0`, `val_loss_m0`,
`train_loss_true_m0`); `member_history` turns the history back into one table per member.
"""
from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

from tfmodels import keras_compat  # the plain train_step's (private) loss scaling
from tfmodels.microbatch import MicroBatchedModel

MEMBER_SUFFIX = "_m"


def member_key(name: str, member: int) -> str:
    return f"{name}{MEMBER_SUFFIX}{member}"


@keras.saving.register_keras_serializable(package="tflab")
class StackedDense(layers.Layer):
    """S independent Dense layers in one, with weights on a leading member axis (kernel
    [S, in, out], bias [S, out]) and an optional dropout that draws a mask per member.

    Input: one tensor [N, in] shared by every member (the first layer) or a list of S
    tensors; output: a list of S tensors [N, out]. Each member runs as its own 2-D matmul
    with bias and activation — the fused kernel a solo Dense gets. Measured against one
    broadcast batched matmul over [S, N, in] (bench/RESULTS_mimic.md): the batched form was
    slower per member than a solo run on the CPU.
    """

    def __init__(self, units: int, members: int, activation=None, dropout: float = 0.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.members, self.rate = int(units), int(members), float(dropout)
        self.activation = keras.activations.get(activation)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if self.rate > 0 else None

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, (list, tuple)) and \
            isinstance(input_shape[0], (list, tuple)) else input_shape
        fan_in = int(shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(self.members, fan_in, self.units),
                                      initializer="zeros")
        self.bias = self.add_weight(name="bias", shape=(self.members, self.units),
                                    initializer="zeros")

    def call(self, x, training=None):
        inputs = list(x) if isinstance(x, (list, tuple)) else [x] * self.members
        kernels, biases = tf.unstack(self.kernel), tf.unstack(self.bias)
        outputs = []
        for member, kernel, bias in zip(inputs, kernels, biases):
            h = self.activation(tf.nn.bias_add(tf.matmul(member, kernel), bias))
            if self.rate > 0 and training:
                h = keras.random.dropout(h, self.rate, seed=self.seed_generator)
            outputs.append(h)
        return outputs

    def compute_output_spec(self, x, training=None):
        rows = (x[0] if isinstance(x, (list, tuple)) else x).shape[0]
        return [keras.KerasTensor((rows, self.units), dtype=self.compute_dtype)
                for _ in range(self.members)]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "members": self.members,
                "activation": keras.activations.serialize(self.activation),
                "dropout": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package="tflab")
class PopulationModel(MicroBatchedModel):
    """A functional model whose output has a member axis; trained on the sum of the
    members' mean losses.

    `member_loss(y_true, y_pred) -> [batch, S]` gives every member's per-example loss; it is
    set by the family after construction (not saved: population models are never reloaded,
    each member is exported as a plain model). Micro-batching (`micro_batch`) works as in
    `MicroBatchedModel`: same gradient, computed in cache-sized pieces.
    """

    members = 1
    member_loss = None

    def configure_members(self, members: int, member_loss) -> None:
        """Set the member count and per-example loss; call inside the strategy scope (it
        creates the loss trackers and the `alive` switch, one flag per member)."""
        self.members, self.member_loss = int(members), member_loss
        self._total_tracker = keras.metrics.Mean(name="loss")
        self._member_trackers = [keras.metrics.Mean(name=member_key("loss", k))
                                 for k in range(self.members)]
        self.alive = keras.Variable(tf.ones([self.members]), trainable=False,
                                    name="alive_members")

    @property
    def metrics(self):
        if not hasattr(self, "_member_trackers"):  # before configure_members
            return super().metrics
        return [self._total_tracker, *self._member_trackers]

    def _piece_losses(self, x, y, training: bool) -> tf.Tensor:
        """Each member's mean loss over this piece, [S]."""
        per_example = self.member_loss(y, self(x, training=training))
        return tf.reduce_mean(tf.cast(per_example, tf.float32), axis=0)

    def _masked_total(self, losses: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(tf.where(self.alive > 0.5, losses, tf.zeros_like(losses)))

    def inference_loss(self, x, y) -> tf.Tensor:
        """Every member's mean loss over the batch in inference mode, [S], scaled for
        distribution as Keras scales a replica's loss."""
        if not self.micro_batch:
            losses = self._piece_losses(x, y, training=False)
        else:
            def piece(xs, ys, share):
                return [self._piece_losses(xs, ys, training=False) * share]

            losses = self._over_pieces(x, y, piece, [tf.zeros([self.members])])[0]
        return keras_compat.scale_loss_for_distribution(losses)

    def _track(self, losses, x):
        unscaled = keras_compat.unscale_loss_for_distribution(losses)
        size = tf.shape(tf.nest.flatten(x)[0])[0]
        self._total_tracker.update_state(self._masked_total(unscaled), sample_weight=size)
        for k, tracker in enumerate(self._member_trackers):
            tracker.update_state(unscaled[k], sample_weight=size)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        variables = self.trainable_variables

        def piece(xs, ys, share):
            with tf.GradientTape() as tape:
                losses = self._piece_losses(xs, ys, training=True) * share
                total = keras_compat.scale_loss_for_distribution(self._masked_total(losses))
            return [keras_compat.scale_loss_for_distribution(losses),
                    *tape.gradient(total, variables)]

        if self.micro_batch:
            initial = [tf.zeros([self.members])] + [tf.zeros(v.shape, v.dtype)
                                                    for v in variables]
            losses, *gradients = self._over_pieces(x, y, piece, initial)
        else:
            losses, *gradients = piece(x, y, 1.0)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._track(losses, x)

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self._track(self.inference_loss(x, y), x)


class MemberGuard(keras.callbacks.Callback):
    """Switch off a member whose loss became non-finite; stop when none is left.

    `failed[k]` is the 1-based epoch at which member k diverged (absent while it is fine):
    that member's history ends there and it is reported as failed, alone.
    """

    def __init__(self, members: int):
        super().__init__()
        self.members = members
        self.failed: dict[int, int] = {}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for k in range(self.members):
            if k in self.failed:
                continue
            values = [logs.get(member_key(name, k)) for name in ("loss", "train_loss_true")]
            if any(v is not None and not math.isfinite(float(v)) for v in values):
                self.failed[k] = epoch + 1
        if self.failed:
            alive = [0.0 if k in self.failed else 1.0 for k in range(self.members)]
            self.model.alive.assign(alive)
        if len(self.failed) == self.members:
            self.model.stop_training = True


class MemberTensorBoard(keras.callbacks.Callback):
    """Epoch scalars of each member into that member's own `tensorboard/` directory, so
    every member shows as its own run (train/ and validation/, like Keras' TensorBoard)."""

    def __init__(self, logdirs: list):
        super().__init__()
        self.logdirs = [str(d) for d in logdirs]
        self._writers = None

    def on_train_begin(self, logs=None):
        self._writers = [(tf.summary.create_file_writer(f"{d}/train"),
                          tf.summary.create_file_writer(f"{d}/validation"))
                         for d in self.logdirs]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for k, (train, validation) in enumerate(self._writers):
            for name, value in member_logs(logs, k).items():
                writer, tag = ((validation, name[4:]) if name.startswith("val_")
                               else (train, name))
                with writer.as_default():
                    tf.summary.scalar(f"epoch_{tag}", float(value), step=epoch)

    def on_train_end(self, logs=None):
        for pair in self._writers or []:
            for writer in pair:
                writer.close()


def member_logs(logs: dict, member: int) -> dict:
    """The member's own entries of a population's logs, with the member suffix removed."""
    suffix = f"{MEMBER_SUFFIX}{member}"
    return {key[:-len(suffix)]: value for key, value in logs.items() if key.endswith(suffix)}
