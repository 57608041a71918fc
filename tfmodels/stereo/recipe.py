"""The regularised fine-tuning recipe as Keras parts that say what they did.

AdamW (decoupled weight decay) with gradient-norm clipping; ReduceLROnPlateau and
EarlyStopping on val EPE; best-checkpoint saving; and "warning signs" checked after every
epoch. Each callback *prints* its decisions (an lr cut, why training stopped, an
overfitting warning) because a fine-tune on little data is only as good as the reading of
its training run, and records them so `metrics.json` keeps them after the console is gone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import keras

from tflab import io

MONITOR = "val_epe"


def make_optimizer(learning_rate: float, weight_decay: float, clipnorm: float):
    """AdamW; weight_decay=0 makes it plain Adam, clipnorm=0 turns clipping off."""
    return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay,
                                  clipnorm=clipnorm or None)


def _lr(model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


class LoggedReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
    """ReduceLROnPlateau that prints and records every learning-rate cut and why."""

    def __init__(self, *args, say: Callable[[str], None] = print, **kwargs):
        kwargs.setdefault("mode", "min")  # EPE: lower is better
        super().__init__(*args, verbose=0, **kwargs)
        self.say = say
        self.events: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        before = _lr(self.model)
        best_before = self.best
        super().on_epoch_end(epoch, logs)
        after = _lr(self.model)
        if after < before:
            self.events.append({"epoch": epoch + 1, "from": before, "to": after})
            self.say(f"lr schedule: epoch {epoch + 1}: {self.monitor} has not improved on "
                     f"{best_before:.4f} for {self.patience} epochs -> learning rate "
                     f"{before:.3g} -> {after:.3g}"
                     + (" (the floor min_lr)" if after <= self.min_lr else ""))


class ExplainedEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping (best weights restored) that states why training ended.

    Keras 3 restores the best weights at the end of training even when patience never ran
    out, so the saved model is always the best validation epoch (the best checkpoint, not
    the final one).
    """

    def __init__(self, *args, total_epochs: int, say: Callable[[str], None] = print,
                 **kwargs):
        kwargs.setdefault("mode", "min")
        super().__init__(*args, restore_best_weights=True, verbose=0, **kwargs)
        self.total_epochs = total_epochs
        self.say = say
        self.reason = ""

    def on_train_end(self, logs=None):
        best = "n/a" if self.best is None else f"{float(self.best):.4f}"
        if self.stopped_epoch > 0:
            self.reason = (f"early stopping at epoch {self.stopped_epoch + 1}: {self.monitor} "
                           f"did not improve on {best} (epoch {self.best_epoch + 1}) for "
                           f"{self.patience} epochs")
        elif self.model.stop_training:
            self.reason = ("stopped by another callback (the time budget, or a non-finite "
                           "loss)")
        else:
            self.reason = (f"reached epochs={self.total_epochs} without early stopping "
                           f"(best {self.monitor} {best} at epoch {self.best_epoch + 1})")
        super().on_train_end(logs)
        if self.best_weights is not None:
            self.reason += f"; restored the weights of epoch {self.best_epoch + 1}"
        self.say(f"training stopped: {self.reason}")


class BestCheckpoint(keras.callbacks.Callback):
    """Save the model atomically to `path` whenever `monitor` reaches a new minimum."""

    def __init__(self, path: str | Path, monitor: str = MONITOR):
        super().__init__()
        self.path, self.monitor = Path(path), monitor
        self.best = float("inf")
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and float(value) < self.best:
            self.best, self.best_epoch = float(value), epoch + 1
            with io.atomic_path(self.path) as tmp:
                self.model.save(tmp)


class WarningSigns(keras.callbacks.Callback):
    """Signs that a fine-tune needs other settings, checked every epoch.

    gap = val_loss − train_loss_true: both are the same masked smooth-L1 measured in
    inference mode (the true training loss comes from `TrueTrainingLoss`, which runs before
    this callback), so the gap is not inflated by dropout as the running `loss` would be.
    - gap > `gap_warning`                    → "still overfitting: increase dropout_p ..."
    - val_epe rose `rise_epochs` epochs in a row → "lr or capacity too high"
    Writes `train_val_gap` and `learning_rate` into the logs (hence history.csv).
    """

    def __init__(self, gap_warning: float, rise_epochs: int, *, verbose: bool = True,
                 say: Callable[[str], None] = print):
        super().__init__()
        self.gap_warning, self.rise_epochs = gap_warning, rise_epochs
        self.verbose, self.say = verbose, say
        self.history: list[float] = []
        self.warnings: list[dict] = []

    def on_train_begin(self, logs=None):
        self.history, self.warnings = [], []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _lr(self.model)
        if "val_loss" in logs and "train_loss_true" in logs:
            logs["train_val_gap"] = float(logs["val_loss"]) - float(logs["train_loss_true"])
        if self.verbose:
            shown = [f"{k}={float(logs[k]):.4g}" for k in
                     ("val_epe", "val_bad1", "val_bad3", "train_val_gap", "learning_rate")
                     if k in logs]
            self.say(f"  epoch {epoch + 1} stereo: " + "  ".join(shown)
                     + "  (val_*: pixel means over valid pixels; gap = val_loss - "
                       "train_loss_true, both eval-mode)")
        gap = logs.get("train_val_gap")
        if gap is not None and gap > self.gap_warning:
            self._warn(epoch, "overfitting", f"train/val gap {gap:.3f} > {self.gap_warning} "
                       f"-> still overfitting: increase dropout_p or weight_decay")
        if MONITOR in logs:
            self.history.append(float(logs[MONITOR]))
            recent = self.history[-(self.rise_epochs + 1):]
            if len(recent) == self.rise_epochs + 1 and all(
                    b > a for a, b in zip(recent, recent[1:])):
                self._warn(epoch, "val_rising", f"{MONITOR} rose {self.rise_epochs} epochs "
                           f"in a row -> lr or capacity too high")

    def _warn(self, epoch: int, kind: str, text: str):
        self.warnings.append({"epoch": epoch + 1, "kind": kind})
        if self.verbose:
            self.say(f"warning: epoch {epoch + 1}: {text}")


class TimeBudget(keras.callbacks.Callback):
    """Stop after the epoch that used up `minutes` of wall clock (best weights still restored).

    A shared CPU gives a training run an unknown share of its cores; a budget in minutes
    keeps the run's length predictable, and the stop reason says it was the budget.
    """

    def __init__(self, minutes: float, say: Callable[[str], None] = print):
        super().__init__()
        self.minutes, self.say = float(minutes), say
        self.stopped_epoch = 0

    def on_train_begin(self, logs=None):
        import time

        self.start, self.stopped_epoch = time.monotonic(), 0

    def on_epoch_end(self, epoch, logs=None):
        import time

        used = (time.monotonic() - self.start) / 60.0
        if used >= self.minutes:
            self.model.stop_training = True
            self.stopped_epoch = epoch + 1
            self.say(f"time budget: {used:.1f} min of model.fit used (budget "
                     f"{self.minutes:g} min) -> stopping after epoch {epoch + 1}")


def recipe_callbacks(config, run_dir: Path, *,
                     verbose: bool) -> dict[str, keras.callbacks.Callback]:
    """The recipe's callbacks in run order (warnings first so later ones see the gap)."""
    say = print if verbose else (lambda _text: None)
    callbacks = {"warnings": WarningSigns(config.gap_warning, config.rise_warning_epochs,
                                          verbose=verbose)}
    if config.lr_plateau:
        callbacks["plateau"] = LoggedReduceLROnPlateau(
            monitor=MONITOR, mode="min", factor=config.plateau_factor,
            patience=config.plateau_patience, min_lr=config.min_lr, say=say)
    if config.checkpoint_best:
        callbacks["checkpoint"] = BestCheckpoint(Path(run_dir) / "best.keras")
    if getattr(config, "time_budget_min", 0):
        callbacks["time_budget"] = TimeBudget(config.time_budget_min, say=say)
    if config.early_stopping:
        callbacks["early_stop"] = ExplainedEarlyStopping(
            monitor=MONITOR, mode="min", patience=config.early_stop_patience,
            total_epochs=config.epochs, say=say)
    return callbacks
