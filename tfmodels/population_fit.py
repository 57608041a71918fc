"""Fit a seed population into one run directory per member.

`fit_population` is `fit_keras` for S configs that differ only in `random_seed`: one model
(see `tfmodels.population`), one data pipeline, one `fit`, and afterwards every member
gets the run directory a solo run would have written — config.json with its own seed,
history.csv (`loss`, `train_loss_true`, `val_loss`), metrics.json with its own best epoch,
tensorboard/, and whatever the family exports (a standalone model.keras, …). A member that
diverged gets its history and a metrics.json saying `status: FAILED`; the rest are unaffected.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Callable

from configs.base import BaseConfig
from tflab import io
from tfmodels.fit import MEASUREMENT_NOTES, KerasExperiment, summarise_history

POPULATION_NOTES = {
    "seconds": "wall clock of the population's model.fit (all members together), including "
               "the per-epoch true-loss and val passes",
    "population_size": "members trained together in one model (seeds of one configuration)",
}


@dataclasses.dataclass
class MemberResult:
    """One member's outcome: metrics (also in its metrics.json), or the reason it failed."""

    config: BaseConfig
    run_dir: Path
    metrics: dict
    failed: str | None = None


def check_population(configs: list[BaseConfig]) -> None:
    """Members may differ in `random_seed` only (and must not repeat one)."""
    seeds = [c.random_seed for c in configs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"a population repeats a random_seed: {seeds}")
    base = dataclasses.replace(configs[0], random_seed=0).to_dict()
    for config in configs[1:]:
        if dataclasses.replace(config, random_seed=0).to_dict() != base:
            raise ValueError("population members must differ only in random_seed")


def fit_population(configs: list[BaseConfig],
                   make_experiment: Callable[[object], KerasExperiment],
                   run_dirs: list[Path], *,
                   final_metrics: Callable[[object], list[dict]],
                   export_member: Callable[[object, int, Path], None],
                   verbose: int = 1) -> tuple[object, list[MemberResult]]:
    """Train the population; write each member's run directory. Returns (model, results)."""
    import keras

    from tfmodels.callbacks import EpochLine, TrueTrainingLoss
    from tfmodels.population import MemberGuard, MemberTensorBoard, member_logs
    from tfmodels.runtime import get_strategy, seed_everything

    check_population(configs)
    config, members = configs[0], len(configs)
    run_dirs = [Path(d) for d in run_dirs]
    for member_config, run_dir in zip(configs, run_dirs):
        run_dir.mkdir(parents=True, exist_ok=True)
        io.write_json(run_dir / "config.json", member_config.to_dict())
    strategy = get_strategy()
    with strategy.scope():
        experiment = make_experiment(strategy)  # seeds each member's start itself
    seed_everything(config.random_seed, config.deterministic)  # dropout masks, per member
    guard = MemberGuard(members)
    callbacks = [TrueTrainingLoss(experiment.train_eval, strategy), guard,
                 MemberTensorBoard([d / "tensorboard" for d in run_dirs])]
    if verbose:
        callbacks.append(EpochLine(config.epochs, members=members))
    started = time.perf_counter()
    history = experiment.model.fit(experiment.train, validation_data=experiment.val,
                                   epochs=config.epochs, callbacks=callbacks, verbose=0,
                                   steps_per_epoch=experiment.steps_per_epoch, shuffle=False)
    seconds = time.perf_counter() - started
    finals = final_metrics(experiment.model)
    results = []
    for k, (member_config, run_dir) in enumerate(zip(configs, run_dirs)):
        frame = _member_frame(history.history, k, guard.failed.get(k), member_logs)
        io.write_csv(run_dir / "history.csv", frame)
        metrics = summarise_history(frame, experiment.monitor)
        metrics.update(epochs=len(frame), seconds=seconds, population_size=members)
        failed = None
        if k in guard.failed:
            failed = (f"loss became non-finite at epoch {guard.failed[k]} "
                      f"(learning_rate={member_config.learning_rate})")
            metrics.update(status="FAILED", error=failed)
        else:
            metrics.update(finals[k])
            export_member(experiment.model, k, run_dir)
        notes = {**MEASUREMENT_NOTES, **POPULATION_NOTES}
        metrics["measured_as"] = {key: note for key, note in notes.items()
                                  if key in metrics or key == "loss"}
        io.write_json(run_dir / "metrics.json", metrics)
        results.append(MemberResult(member_config, run_dir, metrics, failed))
    return experiment.model, results


def _member_frame(history: dict, member: int, failed_at: int | None, member_logs):
    """The member's per-epoch table (up to and including the epoch it diverged)."""
    import pandas as pd

    epochs = len(next(iter(history.values())))
    rows = [member_logs({key: values[i] for key, values in history.items()}, member)
            for i in range(epochs)]
    frame = pd.DataFrame(rows[:failed_at] if failed_at else rows)
    frame.insert(0, "epoch", range(1, len(frame) + 1))
    return frame
