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

Beside each accuracy the report puts the skill figures of `skill.py` (persistence on the
same windows, accuracy on the changed elements, skill, per future tick); the overfit stop
rule that reads them lives in `overfit.py`.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from pipelines.catan.channels import HeadSplit
from tfmodels.catan import skill
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
            sums = skill.element_sums(head, x, y[head], pred[head], split, history, q)
            out.update({f"{head}/skill/{key}": value for key, value in sums.items()})
        return out, n

    baseline, action_persistence = baseline_accuracy(dataset, quantum, history, split)
    report = {"baseline": baseline, "worst": {}}

    def restore() -> None:
        for variable, value in zip(model.non_trainable_variables, saved):
            variable.assign(value)

    try:
        for mode, training in MODES.items():
            totals, count = {}, 0.0
            for x, y in dataset:
                sums, n = batch_sums(x, y, training)
                count += float(n)
                for key, value in sums.items():
                    totals[key] = totals.get(key, 0.0) + value.numpy().astype(np.float64)
            # a training-mode pass moves BatchNorm's moving statistics: every mode starts
            # from the trained model's own
            restore()
            report[mode] = {}
            report["windows"] = int(count)
            for key, value in totals.items():
                head, metric = key.split("/", 1)
                if metric in ("loss", "acc"):
                    report[mode].setdefault(head, {})[metric] = float(value) / count
                elif metric == "channel" and names is not None:
                    per_channel = value / count
                    order = np.argsort(per_channel, kind="stable")[:worst]
                    report["worst"].setdefault(mode, {})[head] = {
                        names[head][i]: float(per_channel[i]) for i in order}
            for head in report[mode]:
                # skill figures: on changed elements, against persistence, per future tick
                sums = {k: totals[f"{head}/skill/{k}"] for k in skill.SUMS}
                persistence = (action_persistence if head == "action"
                               else skill.state_persistence(sums))
                figures = skill.figures(sums, persistence)
                report[mode][head].update({k: v for k, v in figures.items() if k != "acc"})
                if f"{head}/nonzero" in totals:
                    report[mode][head]["acc_nonzero"] = float(
                        totals[f"{head}/hits_nonzero"] / max(totals[f"{head}/nonzero"], 1.0))
    finally:
        restore()
    return report


def baseline_accuracy(dataset: tf.data.Dataset, quantum: np.ndarray, history: int,
                      split) -> tuple[dict, dict]:
    """Accuracy of two trivial predictions, the numbers a head must beat, and the action
    head's persistence sums per future tick (`skill.action_persistence`):

    - `acc`: 0 everywhere (and the most frequent action). Boards are sparse (≈1 % of
      building pixels are non-zero), so per-element accuracy starts high.
    - `acc_persistence` (state heads): every future tick equals the last observed one.
      Most of the state does not change within 4 ticks, so this is the stronger baseline,
      and the starting point of a float head with `float_persistence`.
    """
    hits, counts, actions, last_actions = {}, {}, [], []
    for x, y in dataset:
        last_actions.append(skill.last_input_action(x, history).numpy())
        for head, target in y.items():
            if head == "action":
                actions.append(target.numpy())
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
    action_sums = skill.action_persistence(actions, np.concatenate(last_actions))
    majority = float(np.sum(action_sums["hits"]) / actions.size)
    out["action"] = {"acc": majority, "acc_persistence": majority}
    return out, action_sums


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
        metrics.update(skill_metrics(report, head))
        gap = metrics[f"acc_{head}_mode_gap"]
        if abs(gap) > threshold:
            warnings.append(
                f"WARNING: {head} head {ACCURACY_NAME[head]} is "
                f"{metrics[f'acc_{head}_train_mode']:.4f} with training=True but "
                f"{metrics[f'acc_{head}_eval_mode']:.4f} with training=False (gap {gap:+.4f}"
                f" > {threshold}): the model depends on batch statistics (the BatchNorm trap)")
    return metrics, warnings


def skill_metrics(report: dict, head: str) -> dict:
    """Scalars of the skill figures (NaN = undefined; metrics.json writes it as null):
    `acc_changed_<head>_<mode>`, `skill_<head>_<mode>`, `changed_<head>_count` / `_share`,
    `acc_changed_<head>_persistence`, and per future tick k (eval mode only, to keep
    summary.csv readable) `acc_<head>_t<k>_eval_mode`, `acc_changed_..`, `skill_..`,
    `acc_<head>_t<k>_persistence`, `changed_<head>_t<k>_count`."""
    out = {}
    evaluation = report["eval_mode"][head]
    for mode in MODES:
        out[f"acc_changed_{head}_{mode}"] = report[mode][head]["acc_changed"]
        out[f"skill_{head}_{mode}"] = report[mode][head]["skill"]
    out[f"changed_{head}_count"] = evaluation["changed"]
    out[f"changed_{head}_share"] = evaluation["changed_share"]
    out[f"acc_changed_{head}_persistence"] = evaluation["acc_changed_persistence"]
    for tick, values in evaluation["ticks"].items():
        k = tick[2:]
        out[f"acc_{head}_t{k}_eval_mode"] = values["acc"]
        out[f"acc_changed_{head}_t{k}_eval_mode"] = values["acc_changed"]
        out[f"skill_{head}_t{k}_eval_mode"] = values["skill"]
        out[f"acc_{head}_t{k}_persistence"] = values["acc_persistence"]
        out[f"changed_{head}_t{k}_count"] = values["changed"]
    return out


def _cell(value: float, width: int, digits: int = 6) -> str:
    """A number, or 'undefined' for NaN (no changed element: never shown as 100 %)."""
    return f"{'undefined':>{width}}" if value != value else f"{value:>{width}.{digits}f}"


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
            if metric == "acc":
                lines.extend(_skill_rows(head, report))
    lines.extend(_tick_rows(report))
    for head, channels in report.get("worst", {}).get("eval_mode", {}).items():
        below = [f"{name} {acc:.4f}" for name, acc in channels.items() if acc < 1.0]
        if below:
            lines.append(f"{head} channels below 100 % in eval mode (worst first): "
                         + ", ".join(below))
    return "\n".join(lines)


def _skill_rows(head: str, report: dict) -> list[str]:
    """Changed-element accuracy and skill rows under a head's accuracy row."""
    train, evaluation = report["train_mode"][head], report["eval_mode"][head]
    changed = f"  on changed ({int(evaluation['changed'])})"
    gap = train["acc_changed"] - evaluation["acc_changed"]
    rows = [f"{head:<12} {changed:<26} {_cell(train['acc_changed'], 14)} "
            f"{_cell(evaluation['acc_changed'], 15)} {_cell(gap, 9, 4)} {'':>18} "
            f"{_cell(evaluation['acc_changed_persistence'], 17)}"]
    gap = train["skill"] - evaluation["skill"]
    rows.append(f"{head:<12} {'  skill over persistence':<26} {_cell(train['skill'], 14)} "
                f"{_cell(evaluation['skill'], 15)} {_cell(gap, 9, 4)} {'':>18} "
                f"{_cell(0.0 if evaluation['acc_persistence'] < 1 else float('nan'), 17)}")
    return rows


def _tick_rows(report: dict) -> list[str]:
    """Per future tick, eval mode: accuracy (persistence), changed-element accuracy, skill."""
    lines = ["per future tick, eval mode: accuracy (last tick copied / majority action) | "
             "on changed elements (count) | skill"]
    for head, values in report["eval_mode"].items():
        cells = [f"{tick} {v['acc']:.4f} ({v['acc_persistence']:.4f}) | "
                 f"{_cell(v['acc_changed'], 0, 4).strip()} ({int(v['changed'])}) | "
                 f"{_cell(v['skill'], 0, 3).strip()}" for tick, v in values["ticks"].items()]
        lines.append(f"  {head:<11} " + ";  ".join(cells))
    return lines
