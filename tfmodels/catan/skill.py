"""Skill over persistence: what a head predicts beyond "nothing changes in four ticks".

Most of a Catan board does not move within four ticks, so copying the last input tick
already gets most elements right (per element, ≈99.999 % categorical, ≈95 % binary, ≈94 %
float on the overfit windows). A per-element accuracy is only worth its distance from that.
Per head and per future tick t+1 … t+4 this module counts, on the same windows:

- `acc`: share of elements right (the heads' own criterion, `heads.correct`);
- `acc_changed`: share right among the **changed** elements, those whose target differs
  from the last input tick (float: by at least half a quantum; action: a different action
  than the last input one). With no changed element it is undefined (NaN, count 0), never
  100 %;
- persistence (the baseline): state heads copy the last input tick, so their persistence
  is right exactly on the unchanged elements (`1 − changed / count`) and never on a
  changed one; the action head's persistence is the most frequent action of the windows;
- `skill = 1 − error_model / error_persistence` with error = 1 − acc: 0 = no better than
  persistence, 1 = every element right, < 0 = worse; undefined when persistence is perfect.
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from pipelines.catan.channels import C_A, C_S, C_T, HeadSplit
from tfmodels.catan.heads import correct
from tfmodels.catan.model import last_observed

SUMS = ("count", "hits", "changed", "hits_changed")


def last_input_action(x, history: int):
    """Index of the last input tick's action, read from its one-hot planes at pixel (0, 0)."""
    start = (history - 1) * C_T + C_S
    return tf.argmax(x[:, start:start + C_A, 0, 0], axis=-1, output_type=tf.int32)


def changed_mask(head: str, x, target, split: HeadSplit, history: int, quantum=None):
    """1.0 where the target differs from the last input tick, shaped like the target."""
    if head == "action":
        last = last_input_action(x, history)[:, None]
        return tf.cast(tf.not_equal(tf.cast(target, tf.int32), last), tf.float32)
    per_step = split.indices[head][:split.size(head) // split.future]
    last = last_observed(x, history, per_step, split.future)
    value = tf.cast(target, tf.float32)
    if head == "float":
        same = tf.abs(value - last) < 0.5 * quantum
    else:
        same = tf.equal(value, tf.round(last))
    return 1.0 - tf.cast(same, tf.float32)


def per_tick(values, head: str, future: int):
    """Sum over everything but the future tick: [future]. State targets are channels-last
    with the future tick outermost on the channel axis (`channels.head_split`)."""
    if head == "action":
        return tf.reduce_sum(values, axis=0)
    n = values.shape[-1] // future
    return tf.reduce_sum(tf.reshape(values, (-1, future, n)), axis=(0, 2))


def element_sums(head: str, x, target, pred, split: HeadSplit, history: int,
                 quantum=None) -> dict:
    """Per future tick: elements, elements right, changed elements, changed ones right."""
    hits = correct(head, target, pred, quantum if head == "float" else None)
    change = changed_mask(head, x, target, split, history, quantum)
    return {"count": per_tick(tf.ones_like(hits), head, split.future),
            "hits": per_tick(hits, head, split.future),
            "changed": per_tick(change, head, split.future),
            "hits_changed": per_tick(hits * change, head, split.future)}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN when there is nothing to divide by (undefined)."""
    return float(numerator) / float(denominator) if denominator > 0 else math.nan


def skill(acc: float, acc_persistence: float) -> float:
    """1 − error_model / error_persistence; NaN when persistence makes no error."""
    return 1.0 - ratio(1.0 - acc, 1.0 - acc_persistence)


def action_persistence(targets: np.ndarray, last: np.ndarray) -> dict:
    """The most frequent action of the windows as the action head's persistence forecast.

    `targets` [N, future] action indices, `last` [N] last input action. Returns the sums
    `figures` expects for the baseline: per tick count, hits, changed, hits_changed."""
    majority = int(np.bincount(targets.ravel(), minlength=C_A).argmax())
    hits = (targets == majority).astype(np.float64)
    change = (targets != last[:, None]).astype(np.float64)
    return {"count": np.full(targets.shape[1], float(len(targets))),
            "hits": hits.sum(0), "changed": change.sum(0),
            "hits_changed": (hits * change).sum(0), "majority": majority}


def state_persistence(sums: dict) -> dict:
    """A state head's persistence sums from the model's: right exactly where unchanged."""
    count, change = np.asarray(sums["count"]), np.asarray(sums["changed"])
    return {"count": count, "hits": count - change, "changed": change,
            "hits_changed": np.zeros_like(change)}


def figures(sums: dict, persistence: dict) -> dict:
    """Per head: acc, acc_changed, changed count / share, skill, and the same per tick
    (`ticks["t+1"]` …), from per-tick sums of the model and of persistence."""
    def one(s, p, index):
        pick = (lambda a: float(np.sum(a))) if index is None else (lambda a: float(a[index]))
        acc, acc_p = ratio(pick(s["hits"]), pick(s["count"])), ratio(pick(p["hits"]),
                                                                      pick(p["count"]))
        return {"acc": acc, "acc_changed": ratio(pick(s["hits_changed"]), pick(s["changed"])),
                "changed": pick(s["changed"]), "changed_share": ratio(pick(s["changed"]),
                                                                     pick(s["count"])),
                "acc_persistence": acc_p,
                "acc_changed_persistence": ratio(pick(p["hits_changed"]), pick(p["changed"])),
                "skill": skill(acc, acc_p)}

    out = one(sums, persistence, None)
    future = len(np.atleast_1d(sums["count"]))
    out["ticks"] = {f"t+{t + 1}": one(sums, persistence, t) for t in range(future)}
    return out


class ChangedAccuracy:
    """Eval-mode accuracy on changed elements, per head, over a fixed dataset (one compiled
    forward pass per batch): what the overfit stop rule reads after each epoch."""

    def __init__(self, dataset: tf.data.Dataset, split: HeadSplit, history: int,
                 quantum: np.ndarray):
        self.dataset, self.split, self.history = dataset, split, history
        self.quantum = tf.constant(quantum)
        self._step, self._model = None, None

    def __call__(self, model) -> dict:
        if self._step is None or self._model is not model:
            self._model = model

            @tf.function
            def step(x, y):
                pred = model(x, training=False)
                return {head: element_sums(head, x, y[head], pred[head], self.split,
                                           self.history, self.quantum) for head in pred}
            self._step = step
        totals = {}
        for x, y in self.dataset:
            for head, sums in self._step(x, y).items():
                for key, value in sums.items():
                    totals.setdefault(head, {}).setdefault(key, 0.0)
                    totals[head][key] = totals[head][key] + value.numpy().astype(np.float64)
        return {head: {"acc_changed": ratio(np.sum(s["hits_changed"]), np.sum(s["changed"])),
                       "acc": ratio(np.sum(s["hits"]), np.sum(s["count"])),
                       "changed": float(np.sum(s["changed"]))}
                for head, s in totals.items()}
