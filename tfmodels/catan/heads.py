"""Loss and accuracy of each head, by output type.

categorical → softmax cross-entropy, accuracy = argmax equals the class;
binary      → sigmoid cross-entropy, accuracy = (logit > 0) equals the bit;
float       → mean squared error, accuracy = |prediction − target| < quantum / 2, i.e. the
              prediction rounds to the right representable value (devcardsleft moves in
              steps of 0.04, so the error must stay under 0.02);
              the error is measured in quanta by default (`QuantumMSE`, see below);
action      → softmax cross-entropy over ACTIONS_ARRAY, accuracy = argmax is the action.

Accuracy is over every element of the head's target: each board plane pixel and each
broadcast feature plane pixel counts once, so every channel weighs the same.
`per_example_accuracy` gives the per-example version `TrueTrainingLoss` averages in eval
mode after each epoch; `head_metrics` the compiled (train-mode, running) ones.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from pipelines.catan.channels import HeadSplit

HEADS = ("categorical", "binary", "float", "action")
ACCURACY_NAME = {"categorical": "accuracy", "binary": "accuracy",
                 "float": "within half a quantum", "action": "accuracy"}


@keras.saving.register_keras_serializable("tflab_catan")
class QuantumMSE(keras.losses.Loss):
    """Mean squared error in quanta: mean(((prediction − target) / quantum)²) per channel.

    Scaled to [0, 1], a channel's values lie very close to each other, so plain MSE on
    values in [0, 1] barely notices a channel with a fine quantum. One step of a player's resource
    count (quantum 1/95) costs 1.1e-4 in plain MSE, one step of settlements left (1/5)
    0.04, 360× more, although both are one wrong value for the accuracy. Measured in quanta,
    every channel pays the same for the same number of steps off, and a loss below 0.25
    per element is what "within half a quantum" needs. Predictions stay in value units
    (the task's layout); only the loss is rescaled.
    """

    def __init__(self, quantum, name: str = "quantum_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.quantum = np.asarray(quantum, np.float32)

    def call(self, y_true, y_pred):
        error = (y_pred - tf.cast(y_true, y_pred.dtype)) / self.quantum
        return tf.reduce_mean(tf.square(error), axis=-1)

    def get_config(self):
        return {**super().get_config(), "quantum": self.quantum.tolist()}


def head_losses(quantum=None) -> dict:
    """Loss per head; with `quantum` (per float channel) the float loss is in quanta."""
    return {
        "categorical": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        "binary": keras.losses.BinaryCrossentropy(from_logits=True),
        "float": (QuantumMSE(quantum) if quantum is not None
                  else keras.losses.MeanSquaredError()),
        "action": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    }


def correct(kind: str, y_true, y_pred, quantum=None):
    """1.0 where the prediction is right, per element of the head's target."""
    if kind in ("categorical", "action"):
        hit = tf.equal(tf.argmax(y_pred, axis=-1, output_type=tf.int32),
                       tf.cast(y_true, tf.int32))
    elif kind == "binary":
        hit = tf.equal(tf.cast(y_pred > 0.0, tf.float32), tf.cast(y_true, tf.float32))
    else:
        hit = tf.abs(y_pred - tf.cast(y_true, y_pred.dtype)) < 0.5 * quantum
    return tf.cast(hit, tf.float32)


def per_example_accuracy(kind: str, quantum=None):
    """(y_true dict, y_pred dict) → [batch] mean accuracy of head `kind` per example."""
    def fn(y_true, y_pred):
        hits = correct(kind, y_true[kind], y_pred[kind], quantum)
        return tf.reduce_mean(tf.reshape(hits, (tf.shape(hits)[0], -1)), axis=1)
    return fn


@keras.saving.register_keras_serializable("tflab_catan")
class HeadAccuracy(keras.metrics.MeanMetricWrapper):
    """Compiled accuracy of one head (quantum only for the float head)."""

    def __init__(self, kind: str, quantum=None, name: str = "acc", **kwargs):
        self.kind = kind
        self.quantum = None if quantum is None else np.asarray(quantum, np.float32)
        q = None if self.quantum is None else tf.constant(self.quantum)
        super().__init__(lambda t, p: correct(kind, t, p, q), name=name, **kwargs)

    def get_config(self):
        return {"kind": self.kind, "name": self.name,
                "quantum": None if self.quantum is None else self.quantum.tolist()}


def present_heads(split: HeadSplit) -> list[str]:
    return [k for k in HEADS if k == "action" or split.size(k)]


def float_quantum(split: HeadSplit) -> np.ndarray:
    return split.quantum["float"].astype(np.float32)


def head_metrics(split: HeadSplit) -> dict:
    return {k: [HeadAccuracy(k, float_quantum(split) if k == "float" else None)]
            for k in present_heads(split)}


def true_metrics(split: HeadSplit) -> dict:
    """Eval-mode accuracies logged each epoch as `train_acc_<head>_true`."""
    q = tf.constant(float_quantum(split))
    return {f"acc_{k}": per_example_accuracy(k, q if k == "float" else None)
            for k in present_heads(split)}
