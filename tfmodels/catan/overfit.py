"""The overfit check (`--overfit N`): can the network fit N windows, on what actually changes?

Copying the last input tick already gets ≈99.999 % of the categorical elements right
(bench/RESULTS_catan.md), so "every head ≥ 99 % of its elements" is met by the categorical
head with no model at all. The stop rule therefore reads accuracy on the **changed**
elements only (target ≠ last input tick, `skill.py`), in eval mode, after each epoch:
`StopWhenFit` stops once every head is at `overfit_target` there. A head whose windows hold
no changed element has nothing to get wrong: it does not hold the run back, and the verdict
says "undefined" for it, never 100 %. The old all-element criterion is printed beside.
"""
from __future__ import annotations

import math
import sys

import keras

from tfmodels.catan.diagnostics import MODES
from tfmodels.catan.skill import ChangedAccuracy


def _at_least(value: float, target: float) -> bool:
    """Reached, with NaN (no changed element) counted as reached: nothing was missed."""
    return math.isnan(value) or value >= target - 1e-9


def overfit_verdict(metrics: dict, heads: list[str], target: float) -> dict:
    """Per head and mode, 1/0:

    - `overfit_reached_<head>_<mode>`: changed-element accuracy ≥ target (the stop rule);
    - `overfit_elements_reached_<head>_<mode>`: all-element accuracy ≥ target (the old rule);
    - `overfit_perfect_<head>_<mode>`: every element right;
    - `overfit_undefined_<head>`: the windows hold no changed element of that head;
    and `..._all_<mode>` = 1 when every head did."""
    verdict = {}
    for head in heads:
        verdict[f"overfit_undefined_{head}"] = int(math.isnan(
            metrics[f"acc_changed_{head}_eval_mode"]))
    for mode in MODES:
        rules = {"reached": lambda h: _at_least(metrics[f"acc_changed_{h}_{mode}"], target),
                 "elements_reached": lambda h: metrics[f"acc_{h}_{mode}"] >= target - 1e-9,
                 "perfect": lambda h: metrics[f"acc_{h}_{mode}"] >= 1.0 - 1e-12}
        for key, rule in rules.items():
            reached = [rule(h) for h in heads]
            for head, ok in zip(heads, reached):
                verdict[f"overfit_{key}_{head}_{mode}"] = int(ok)
            verdict[f"overfit_{key}_all_{mode}"] = int(all(reached))
    return verdict


def format_verdict(metrics: dict, heads: list[str], target: float, fit_epoch) -> str:
    """The overfit run's answer, one line per head: changed elements (the rule) first, the
    old all-element figure beside, eval mode (what counts) then train mode."""
    lines = [f"overfit verdict (target {target:.2%} of the CHANGED elements in eval mode; "
             f"float: within half a quantum), "
             + (f"every head reached it after epoch {fit_epoch}" if fit_epoch
                else "stopped by the epoch budget"),
             f"  {'head':<12} {'changed elements, eval':>24} {'(count)':>9} "
             f"{'all elements, eval':>19} {'old rule':>12} {'changed, train':>15}"]
    for head in heads:
        changed = metrics[f"acc_changed_{head}_eval_mode"]
        count = int(metrics[f"changed_{head}_count"])
        ok = _at_least(changed, target)
        shown = "undefined" if math.isnan(changed) else f"{changed:.4%}"
        state = ("REACHED" if ok and not math.isnan(changed) else
                 "no change" if ok else f"short {target - changed:.2%}")
        every = metrics[f"acc_{head}_eval_mode"]
        old = "reached" if every >= target - 1e-9 else "not reached"
        train = metrics[f"acc_changed_{head}_train_mode"]
        lines.append(f"  {head:<12} {shown:>12} {state:<11} {count:>9} {every:>19.4%} "
                     f"{old:>12} {'undefined' if math.isnan(train) else f'{train:.4%}':>15}")
    return "\n".join(lines)


class StopWhenFit(keras.callbacks.Callback):
    """After each epoch: eval-mode accuracy on the changed elements of the overfit windows,
    per head, logged as `train_acc_changed_<head>_true`; stop once every head ≥ target.

    Runs after `TrueTrainingLoss` (which logs the all-element `train_acc_<head>_true`), so
    the line it prints can show the old criterion beside the new one."""

    def __init__(self, heads: list[str], target: float, counter: ChangedAccuracy,
                 stream=None, verbose: bool = True):
        super().__init__()
        self.heads, self.target, self.counter = heads, target, counter
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.fit_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        figures = self.counter(self.model)
        changed = {h: figures[h]["acc_changed"] for h in self.heads}
        for head, value in changed.items():
            logs[f"train_acc_changed_{head}_true"] = value
        if all(_at_least(v, self.target) for v in changed.values()):
            self.fit_epoch = epoch + 1
            if self.verbose:
                old = all(logs.get(f"train_acc_{h}_true", 0.0) >= self.target - 1e-9
                          for h in self.heads)
                print(f"every head reached {self.target:.0%} of its changed elements in eval "
                      f"mode after epoch {epoch + 1} (all-element rule: "
                      f"{'also met' if old else 'not met'}); stopping", file=self.stream,
                      flush=True)
            self.model.stop_training = True
