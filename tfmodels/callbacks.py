"""Callbacks shared by every Keras family.

`TrueTrainingLoss` exists because the `loss` Keras reports during `fit` is a running mean of
batch losses taken while the weights move and with dropout/BatchNorm in training mode, so
tuning against it misleads: it is not the loss of any one set of weights. After each epoch
this callback makes one inference-mode pass over the training
data with the final weights and writes `train_loss_true` (plus any family metrics, prefixed
`train_` and suffixed `_true`) into `logs`. Placed before History/TensorBoard/EarlyStopping/
ModelCheckpoint in the callback list, every one of them sees it.

Cost: exactly one forward pass per epoch through one compiled per-batch function, traced
once (twice if the last batch is shorter).
"""
from __future__ import annotations

import math
import sys
import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from tflab.progress import Progress
from tfmodels.population import member_key

PerExampleFn = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]


class TrueTrainingLoss(keras.callbacks.Callback):
    """After each epoch: exact mean loss over the training set in inference mode.

    The loss is the model's compiled loss evaluated per batch and weighted by the batch
    size (so a short last batch counts for what it is), plus the model's regularisation
    losses, i.e. the same quantity `model.evaluate(train)` returns.
    `extra` maps a name to a per-example function `(y_true, y_pred) -> [batch]`; each is
    averaged over the training set and logged as `train_<name>_true`.
    """

    def __init__(self, dataset: tf.data.Dataset, strategy: tf.distribute.Strategy | None = None,
                 extra: dict[str, PerExampleFn] | None = None):
        super().__init__()
        self.dataset = dataset
        self.strategy = strategy or tf.distribute.get_strategy()
        self.extra = dict(extra or {})
        self._step = None
        self._distributed = None

    def _build(self):
        model, fns = self.model, list(self.extra.values())
        strategy = self.strategy

        def replica_step(batch):
            x, y = batch[0], batch[1]
            if hasattr(model, "inference_loss") and not fns:
                # a MicroBatchedModel: the same loss, computed in cache-sized pieces
                y_pred, loss = None, model.inference_loss(x, y)
            else:
                y_pred = model(x, training=False)
                loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
            # Keras divides each replica's loss by the replica count (so gradients sum
            # right); undo that to get this replica's mean loss.
            loss = tf.cast(loss, tf.float32) * float(strategy.num_replicas_in_sync)
            n = tf.cast(tf.shape(tf.nest.flatten(x)[0])[0], tf.float32)
            # a population's loss is one value per member ([S]): each gets its own sum
            sums = [tf.reshape(loss * n, [-1])]
            sums += [tf.reduce_sum(tf.cast(fn(y, y_pred), tf.float32))[None] for fn in fns]
            return tf.concat([n[None], *sums], axis=0)

        # One compiled call per batch from a Python loop, as Keras' own evaluate does: faster
        # than one tf.function looping in-graph (bench/RESULTS_mimic.md, "true loss").
        @tf.function
        def batch_sums(batch):
            per_replica = strategy.run(replica_step, args=(batch,))
            return strategy.reduce("SUM", per_replica, axis=None)

        self._distributed = self.strategy.experimental_distribute_dataset(self.dataset)
        self._step = batch_sums

    def evaluate(self) -> dict[str, float]:
        """Exact training-set means with the current weights, in inference mode."""
        if self._step is None:
            self._build()
        totals = 0.0
        for batch in self._distributed:
            totals = totals + self._step(batch)
        totals = totals.numpy().astype(float)
        count, losses = totals[0], totals[1:len(totals) - len(self.extra)] / totals[0]
        if len(losses) == 1:
            out = {"train_loss_true": losses[0]}
        else:  # a population: every member's true loss, and their sum
            out = {member_key("train_loss_true", k): value for k, value in enumerate(losses)}
            out["train_loss_true"] = float(np.nansum(losses))
        for i, name in enumerate(self.extra):
            out[f"train_{name}_true"] = totals[len(totals) - len(self.extra) + i] / count
        return out

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.evaluate())


class EpochLine(keras.callbacks.Callback):
    """One labelled line per epoch, after the true loss is known, with rate and time left.

    Keras' progress bar prints before `TrueTrainingLoss` has run and does not say how its
    numbers were measured; this line does. On a terminal the lines sit above a bar over the
    epochs (`tflab.progress`); in a log there is no bar, only the lines.
    """

    LABELS = {
        "loss": "loss (running mean during epoch, train mode)",
        "train_loss_true": "train_loss_true (eval pass after epoch)",
        "val_loss": "val_loss (eval pass)",
    }

    def __init__(self, total_epochs: int, stream=None, keys: tuple[str, ...] = (),
                 members: int = 0):
        super().__init__()
        self.total = total_epochs
        self.stream = stream or sys.stdout
        self.keys = keys
        self.members = members  # a seed population: one value per member instead
        self._t0 = None
        self._progress = None

    def on_train_begin(self, logs=None):
        self._progress = Progress(self.total, "epoch", "epoch", keep=True, stream=self.stream)

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        parts = []
        if self.members:  # a seed population: each member's value
            for key in ("train_loss_true", "val_loss"):
                values = [logs.get(member_key(key, k)) for k in range(self.members)]
                if all(v is not None for v in values):
                    parts.append(f"{self.LABELS[key]} per member=" + " ".join(
                        f"{float(v):.5g}" for v in values))
            parts.append(f"{time.perf_counter() - self._t0:.1f}s")
            self._progress.step("  ".join(parts))
            return
        for key in ("loss", "train_loss_true", "val_loss", *self.keys):
            value = logs.get(key)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                parts.append(f"{self.LABELS.get(key, key)}={float(value):.5g}")
        parts.append(f"{time.perf_counter() - self._t0:.1f}s")
        self._progress.step("  ".join(parts))

    def on_train_end(self, logs=None):
        if self._progress is not None:
            self._progress.close()


class StopOnNaN(keras.callbacks.Callback):
    """Stop after an epoch whose loss is not finite, and remember it so a grid can mark the
    trial failed. Checked per epoch, not per batch: a batch hook would force a device sync
    on every step."""

    def __init__(self):
        super().__init__()
        self.diverged = False

    def on_epoch_end(self, epoch, logs=None):
        for key in ("loss", "train_loss_true"):
            value = (logs or {}).get(key)
            if value is not None and not math.isfinite(float(value)):
                self.diverged = True
                self.model.stop_training = True
