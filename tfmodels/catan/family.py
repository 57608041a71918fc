"""The catan family: catanatron games → windows → multi-head ResNet-18 → run directory.

Two settings, one path:
- normal fit: every `window_stride`-th window of the training games (the first
  `train_games` of them, if set), validation on the held-out games (split by game);
- overfit (`overfit=N`): N fixed windows drawn from the first games (a capacity check:
  can the network learn them all?). Training stops when every head reaches `overfit_target` on its *changed*
  elements in eval mode (`overfit.py`), or after `epochs`. Validation is a small set of
  windows from the held-out game, so `val_loss` stays a real held-out number.
After training, `mode_report` compares training=True and training=False on the same data
(the overfit windows, or `report_windows` validation windows) with persistence beside every
head (changed-element accuracy and skill, per future tick: `skill.py`), prints the table,
warns on a gap, and puts every number into metrics.json; the grid's summary.csv then shows
them per configuration (`skill_float_eval_mode_mean`, ...), with the seed spread of the
skill figures (`summary_metrics`).
"""
from __future__ import annotations

from pathlib import Path

import keras

from configs.families.catan import CatanConfig
from pipelines.catan import windows
from pipelines.catan.builder import games_config
from pipelines.catan.channels import categorical_classes, head_split
from tfmodels.catan import diagnostics, overfit, skill
from tfmodels.catan.heads import (float_quantum, head_losses, head_metrics, present_heads,
                                  true_metrics)
from tfmodels.catan.model import build_model, set_output_priors, target_priors
from tfmodels.fit import KerasExperiment, fit_keras
from tfmodels.schedules import learning_rate

DATA_FIELDS = ("bots", "seed_start", "max_ticks", "val_fraction", "history", "future")


class CatanFamily:
    name = "catan"
    objective = ("val_loss", "min")
    # seed spread (mean, std, min, max, n) in summary.csv: n counts the seeds where the
    # figure is defined (a window set with no changed element leaves it out)
    summary_metrics = tuple(f"{figure}_{head}_eval_mode" for figure in ("skill", "acc_changed")
                            for head in ("categorical", "binary", "float", "action"))

    def data_key(self, config: CatanConfig, data_path: str | None) -> tuple:
        return ((data_path, config.games_in_data(), config.overfit, config.data_seed)
                + tuple(getattr(config, f) for f in DATA_FIELDS))

    def load_data(self, config: CatanConfig, data_path: str | None) -> windows.CatanData:
        games = games_config(config.bots, config.seed_start, config.games_in_data(),
                             config.max_ticks, config.val_fraction, config.workers)
        return windows.load_games(games, data_path, config.history + config.future)

    def train(self, config: CatanConfig, data: windows.CatanData, run_dir: Path, *,
              verbose: int = 1) -> dict:
        run_dir = Path(run_dir)
        config = config.resolved()  # the overfit setting's width / learning rate / epochs
        if not config.overfit:
            data = data.first_games("train", config.train_games)
        split = head_split(config.future)
        datasets = _datasets(config, data, split)
        heads = present_heads(split)
        if verbose:
            setting = (f"overfit setting: {config.overfit} fixed windows, " if config.overfit
                       else "")
            print(f"{setting}norm={config.norm} width={config.width:g} "
                  f"learning_rate={config.learning_rate:g} batch_size="
                  f"{config.batch_size} epochs<={config.epochs}", flush=True)
        # base rates of the training targets (the overfit windows, or the first batches)
        priors = (target_priors(datasets["train_eval"].take(config.prior_batches),
                                categorical_classes()) if config.prior_init else None)

        counter = skill.ChangedAccuracy(datasets["train_eval"], split, config.history,
                                        float_quantum(split))
        stopper = overfit.StopWhenFit(heads, config.overfit_target, counter,
                                      verbose=bool(verbose))

        def make_experiment(strategy) -> KerasExperiment:
            model = build_model(split, config.history, width=config.width,
                                norm=config.norm, groups=config.groups,
                                bn_momentum=config.bn_momentum, classes=categorical_classes(),
                                float_persistence=config.float_persistence,
                                numeric_skip=config.numeric_skip)
            if config.prior_init:
                set_output_priors(model, split, priors)
            rate = learning_rate(config.learning_rate, config.lr_decay,
                                 config.epochs * steps_per_epoch(config, data))
            optimizer = keras.optimizers.AdamW(rate, weight_decay=config.weight_decay,
                                               amsgrad=True)
            optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
            quantum = float_quantum(split) if config.float_loss == "quantum" else None
            model.compile(optimizer=optimizer, loss=head_losses(quantum),
                          loss_weights=config.loss_weights(), metrics=head_metrics(split))
            callbacks = []
            if config.plateau_patience and config.lr_decay == "none":  # regressions need a
                # small final step to land within half a quantum (a cosine decay takes over)
                callbacks.append(keras.callbacks.ReduceLROnPlateau(
                    monitor="train_loss_true" if config.overfit else "val_loss", factor=0.5,
                    patience=config.plateau_patience, min_lr=config.min_learning_rate,
                    mode="min"))
            if config.overfit:
                callbacks.append(stopper)
            return KerasExperiment(
                model=model, train=datasets["train"], train_eval=datasets["train_eval"],
                val=datasets["val"], callbacks=callbacks, true_metrics=true_metrics(split))

        printed = []

        def final_metrics(model: keras.Model) -> dict:
            names = {**split.names, "action": [f"t+{t + 1}:action" for t in range(split.future)]}
            report = diagnostics.mode_report(model, datasets["report"], split, config.history,
                                             names, float_loss=config.float_loss)
            metrics, warnings = diagnostics.flatten_report(report, config.mode_gap_warn)
            measured_on = (f"{config.overfit} overfit windows" if config.overfit else
                           f"{report['windows']} validation windows (every "
                           f"{config.window_stride}th of the held-out games, at most "
                           f"{config.report_windows})")
            printed.append(diagnostics.format_report(
                report, f"after training, on the {measured_on}, batches of "
                        f"{config.batch_size}; BatchNorm moving statistics restored after "
                        f"the training=True pass"))
            printed.extend(warnings)
            if config.overfit:
                metrics.update(overfit.overfit_verdict(metrics, heads, config.overfit_target))
                metrics["overfit_fit_epoch"] = stopper.fit_epoch or 0
                printed.append(overfit.format_verdict(metrics, heads, config.overfit_target,
                                                      stopper.fit_epoch))
            metrics["mode_report"] = report
            metrics["mode_warnings"] = warnings
            metrics["mode_warnings_count"] = len(warnings)  # numeric: reaches summary.csv
            metrics["mode_report_measured_on"] = measured_on
            return metrics

        measured_as = dict(
            acc_HEAD_train_mode="after training, model(x, training=True) on the report data",
            acc_HEAD_eval_mode="after training, model(x, training=False) on the same data",
            acc_float="share of float elements with |prediction - target| < quantum/2",
            acc_changed_HEAD_MODE="the same accuracy on the changed elements only (target != "
                                  "last input tick; action: != last input action); null = "
                                  "no changed element (undefined), see changed_HEAD_count",
            acc_HEAD_persistence="last input tick copied (action: the windows' most frequent "
                                 "action), same windows",
            skill_HEAD_MODE="1 - (1 - acc_HEAD_MODE) / (1 - acc_HEAD_persistence); 0 = no "
                            "better than persistence; null when persistence is perfect",
            HEAD_tK="the same for future tick t+K only (eval mode)",
            train_acc_changed_HEAD_true="overfit: eval-mode changed-element accuracy on the "
                                        "overfit windows after each epoch (the stop rule)",
            train_acc_HEAD_true="eval-mode accuracy on the training windows after each epoch",
            HEAD_acc="running mean during the epoch, train mode (Keras compiled metric)")

        def finish(model: keras.Model, metrics: dict) -> None:
            if verbose:
                print("\n".join(printed), flush=True)
            metrics["data_source"] = data.source
            metrics["games"] = {split_name: len(table["seed"])
                                for split_name, table in data.games.items()}

        _, metrics = fit_keras(config, make_experiment, run_dir, verbose=verbose,
                               final_metrics=final_metrics, finish=finish,
                               measured_as=measured_as)
        return metrics


def steps_per_epoch(config: CatanConfig, data: windows.CatanData) -> int:
    """Optimizer steps in one epoch: the overfit passes, or every stride-th training window."""
    if config.overfit:
        return config.overfit_passes * -(-config.overfit // config.batch_size)
    span = config.history + config.future
    count = int(sum((ticks - span) // config.window_stride + 1 for ticks in data.ticks("train")))
    return -(-count // config.batch_size)


def _datasets(config: CatanConfig, data: windows.CatanData, split) -> dict:
    """Batched (x, per-head targets) datasets: train / train_eval / val / report."""
    span, seed, size = config.history + config.future, config.random_seed, config.batch_size
    if config.overfit:
        train = windows.fixed_windows(data, "train", config.overfit, span, config.data_seed)
        n_val = min(config.overfit, 32)
        val = windows.fixed_windows(data, "validation", n_val, span, config.data_seed + 1)
        fixed = windows.fixed_batches(train, size, config.history, split)
        held_out = windows.fixed_batches(val, size, config.history, split)
        n_batches = -(-config.overfit // size)
        return {"train": windows.repeated(fixed, config.overfit_passes, shuffle=True,
                                          seed=seed, n_batches=n_batches),
                "train_eval": fixed, "report": fixed, "val": held_out}

    def stream(name, shuffle):
        return windows.stream_windows(data, name, span, config.window_stride,
                                      shuffle=shuffle, seed=seed)

    batch = lambda ds: windows.batched(ds, size, config.history, split)  # noqa: E731
    return {"train": batch(stream("train", True)), "train_eval": batch(stream("train", False)),
            "val": batch(stream("validation", False)),
            "report": batch(stream("validation", False).take(config.report_windows))}


FAMILY = CatanFamily()
