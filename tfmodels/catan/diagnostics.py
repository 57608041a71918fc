"""Two diagnostics: can the net fit N windows, and does eval mode agree with training?

BatchNorm's eval-mode statistics break regression heads: in the overfit setting a model can
learn every target with BatchNorm in training mode, yet fail the regressions in evaluation
mode, because batch
statistics and moving statistics differ and the difference is enough to push a regression
off its quantum. So after training, `mode_report` computes every head's loss and accuracy
twice on the same batches, with `training=True` and `training=False`, and warns when they
differ by more than a threshold. The train-mode pass would update BatchNorm's moving
statistics; they are saved before it and restored after, so the saved model is the trained
one.

`StopWhenFit` ends an overfit run once every head's eval-mode accuracy (from
`TrueTrainingLoss`, computed after each epoch) reaches the target.
"""
from __future__ import annotations

import sys

import keras
import numpy as np
import tensorflow as tf

from pipelines.catan.channels import HeadSplit
from tfmodels.catan.heads import ACCURACY_NAME, correct, float_quantum, head_losses
from tfmodels.catan.model import last_observed

MODES = {"train_mode": True, "eval_mode": False}


def mode_report(model: keras.Model, dataset: tf.data.Dataset, split: HeadSplit, history: int,
                names: dict | None = None, worst: int = 5, float_loss: str = "value") -> dict:
    """{mode: {head: {"loss", "acc", ...}}} for training=True and training=False, same batches.

    With `names` (head → channel names, `HeadSplit.names` plus "action"), each mode also
    lists the `worst` channels of each head by accuracy (`report["worst"][mode][head]`), so
    a head below target says which channels (e.g. which numeric feature) it misses."""
    quantum = float_quantum(split)
    losses = head_losses(quantum if float_loss == "quantum" else None)
    q = tf.constant(quantum)
    saved = [v.numpy() for v in model.non_trainable_variables]

    @tf.function
    def batch_sums(x, y, training):
        pred = model(x, training=training)
        n = tf.cast(tf.shape(y["action"])[0], tf.float32)
        out = {}
        for head in pred:
            out[f"{head}/loss"] = losses[head](y[head], pred[head]) * n
            hits = correct(head, y[head], pred[head], q if head == "float" else None)
            per_example = tf.reduce_mean(tf.reshape(hits, (tf.shape(hits)[0], -1)), axis=1)
            out[f"{head}/acc"] = tf.reduce_sum(per_example)
            # per channel (action: per future step), summed over examples: [channels]
            pixels = list(range(1, hits.shape.rank - 1))  # H, W of the state heads
            per_channel = tf.reduce_mean(hits, axis=pixels) if pixels else hits
            out[f"{head}/channel"] = tf.reduce_sum(per_channel, axis=0)
            if head != "action":  # how much of it is the easy part: elements that are 0
                nonzero = tf.cast(tf.not_equal(tf.cast(y[head], tf.float32), 0.0), tf.float32)
                out[f"{head}/hits_nonzero"] = tf.reduce_sum(hits * nonzero)
                out[f"{head}/nonzero"] = tf.reduce_sum(nonzero)
        return out, n

    report = {"baseline": baseline_accuracy(dataset, quantum, history, split),
              "worst": {}}

    try:
        for mode, training in MODES.items():
            totals, count = {}, 0.0
            for x, y in dataset:
                sums, n = batch_sums(x, y, training)
                count += float(n)
                for key, value in sums.items():
                    totals[key] = totals.get(key, 0.0) + value.numpy().astype(np.float64)
            report[mode] = {}
            for key, value in totals.items():
                head, metric = key.split("/")
                if metric in ("loss", "acc"):
                    report[mode].setdefault(head, {})[metric] = float(value) / count
                elif metric == "channel" and names is not None:
                    per_channel = value / count
                    order = np.argsort(per_channel, kind="stable")[:worst]
                    report["worst"].setdefault(mode, {})[head] = {
                        names[head][i]: float(per_channel[i]) for i in order}
            for head in report[mode]:
                if f"{head}/nonzero" in totals:
                    report[mode][head]["acc_nonzero"] = float(
                        totals[f"{head}/hits_nonzero"] / max(totals[f"{head}/nonzero"], 1.0))
    finally:
        for variable, value in zip(model.non_trainable_variables, saved):
            variable.assign(value)
    return report


def baseline_accuracy(dataset: tf.data.Dataset, quantum: np.ndarray, history: int,
                      split) -> dict:
    """Accuracy of two trivial predictions, the numbers a head must beat:

    - `acc`: 0 everywhere (and the most frequent action). Boards are sparse (≈1 % of
      building pixels are non-zero), so per-element accuracy starts high.
    - `acc_persistence` (state heads): every future tick equals the last observed one.
      Most of the state does not change within 4 ticks, so this is the stronger baseline,
      and the starting point of a float head with `float_persistence`.
    """
    hits, counts, actions = {}, {}, []
    for x, y in dataset:
        for head, target in y.items():
            if head == "action":
                actions.append(target.numpy().ravel())
                continue
            value = tf.cast(target, tf.float32)
            per_step = split.indices[head][:split.size(head) // split.future]
            copied = last_observed(x, history, per_step, split.future)  # like the target
            for name, guess in (("acc", tf.zeros_like(value)), ("acc_persistence", copied)):
                if head == "float":
                    hit = tf.abs(value - guess) < 0.5 * quantum
                else:
                    hit = tf.equal(value, tf.round(guess))
                key = (head, name)
                hits[key] = hits.get(key, 0.0) + float(tf.reduce_sum(tf.cast(hit, tf.float32)))
            counts[head] = counts.get(head, 0) + int(tf.size(value))
    out = {}
    for (head, name), total in hits.items():
        out.setdefault(head, {})[name] = total / counts[head]
    actions = np.concatenate(actions)
    out["action"] = {"acc": float(np.bincount(actions).max() / len(actions))}
    return out


def flatten_report(report: dict, threshold: float) -> tuple[dict, list[str]]:
    """Scalar metrics (`acc_<head>_train_mode`, `..._eval_mode`, `..._mode_gap`) + warnings."""
    metrics, warnings = {}, []
    for head, values in report["eval_mode"].items():
        for metric in ("acc", "loss"):
            train = report["train_mode"][head][metric]
            evaluation = values[metric]
            metrics[f"{metric}_{head}_train_mode"] = train
            metrics[f"{metric}_{head}_eval_mode"] = evaluation
            metrics[f"{metric}_{head}_mode_gap"] = train - evaluation
        metrics[f"acc_{head}_baseline"] = report["baseline"][head]["acc"]
        if "acc_persistence" in report["baseline"][head]:
            metrics[f"acc_{head}_persistence"] = report["baseline"][head]["acc_persistence"]
        if "acc_nonzero" in values:
            metrics[f"acc_nonzero_{head}_train_mode"] = report["train_mode"][head]["acc_nonzero"]
            metrics[f"acc_nonzero_{head}_eval_mode"] = values["acc_nonzero"]
        gap = metrics[f"acc_{head}_mode_gap"]
        if abs(gap) > threshold:
            warnings.append(
                f"WARNING: {head} head {ACCURACY_NAME[head]} is "
                f"{metrics[f'acc_{head}_train_mode']:.4f} with training=True but "
                f"{metrics[f'acc_{head}_eval_mode']:.4f} with training=False (gap {gap:+.4f}"
                f" > {threshold}): the model depends on batch statistics (the BatchNorm trap)")
    return metrics, warnings


def format_report(report: dict, measured_on: str) -> str:
    lines = [f"train-mode vs eval-mode, {measured_on}",
             f"{'head':<12} {'metric':<26} {'training=True':>14} {'training=False':>15} "
             f"{'gap':>9} {'all-zero/majority':>18} {'last tick copied':>17}"]
    for head, values in report["eval_mode"].items():
        rows = (("acc", ACCURACY_NAME[head]), ("acc_nonzero", "  on non-zero targets"),
                ("loss", "loss"))
        for metric, label in rows:
            if metric not in values:
                continue
            train, evaluation = report["train_mode"][head][metric], values[metric]
            base = ""
            if metric == "acc":
                baseline = report["baseline"][head]
                base = f"{baseline['acc']:>18.6f}"
                if "acc_persistence" in baseline:
                    base += f" {baseline['acc_persistence']:>17.6f}"
            lines.append(f"{head:<12} {label:<26} {train:>14.6f} {evaluation:>15.6f} "
                         f"{train - evaluation:>+9.4f} {base}")
    for head, channels in report.get("worst", {}).get("eval_mode", {}).items():
        below = [f"{name} {acc:.4f}" for name, acc in channels.items() if acc < 1.0]
        if below:
            lines.append(f"{head} channels below 100 % in eval mode (worst first): "
                         + ", ".join(below))
    return "\n".join(lines)


def overfit_verdict(metrics: dict, heads: list[str], target: float) -> dict:
    """Per head and mode: did accuracy reach the target, and 100 % (every element right)?

    `overfit_reached_<head>_<mode>` compares with `target` (the run's stop criterion),
    `overfit_perfect_<head>_<mode>` with 1.0; `..._all_<mode>` is 1 when every head did."""
    verdict = {}
    for mode in MODES:
        for key, level in (("reached", target), ("perfect", 1.0)):
            reached = [metrics[f"acc_{h}_{mode}"] >= level - 1e-9 for h in heads]
            for head, ok in zip(heads, reached):
                verdict[f"overfit_{key}_{head}_{mode}"] = int(ok)
            verdict[f"overfit_{key}_all_{mode}"] = int(all(reached))
    return verdict


def format_verdict(metrics: dict, heads: list[str], target: float, fit_epoch) -> str:
    """The overfit run's answer, one line per head, eval mode first (what counts)."""
    lines = [f"overfit verdict (target {target:.2%} of elements; float: within half a "
             f"quantum), " + (f"all heads reached it in eval mode after epoch {fit_epoch}"
                              if fit_epoch else "stopped by the epoch budget")]
    for head in heads:
        evaluation, train = metrics[f"acc_{head}_eval_mode"], metrics[f"acc_{head}_train_mode"]
        lines.append(f"  {head:<12} eval mode {evaluation:.4%} "
                     f"{'REACHED' if evaluation >= target - 1e-9 else 'NOT reached':<12}"
                     f"{' (100 %)' if evaluation >= 1.0 else '':<9}"
                     f"train mode {train:.4%}")
    return "\n".join(lines)


class StopWhenFit(keras.callbacks.Callback):
    """Stop once every `train_acc_<head>_true` (eval mode, after the epoch) ≥ target."""

    def __init__(self, heads: list[str], target: float, stream=None, verbose: bool = True):
        super().__init__()
        self.verbose = verbose
        self.keys = [f"train_acc_{h}_true" for h in heads]
        self.target = target
        self.stream = stream or sys.stdout
        self.fit_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if all(logs.get(k, 0.0) >= self.target - 1e-9 for k in self.keys):
            self.fit_epoch = epoch + 1
            if self.verbose:
                print(f"every head reached {self.target:.0%} in eval mode after epoch "
                      f"{epoch + 1}; stopping", file=self.stream, flush=True)
            self.model.stop_training = True
