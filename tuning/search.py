"""The KerasTuner side of a grid: one trial = one `family.train` into its own run dir."""
from __future__ import annotations

import itertools
import math
import os
import sys
import time

import keras_tuner as kt

from configs.base import BaseConfig
from tflab import io
from tflab.progress import Progress, use_bar
from tflab.errors import UserError  # noqa: F401  (re-raised by tuning.grid)
from tfmodels.families import get_family
from tfmodels.fit import TrainingDiverged
from tuning.populations import run_population_trial

SHOWN = ("train_loss_true", "val_loss", "gmp_val", "gmp_val_moving",
         "eval_return_train", "eval_return_heldout", "test_success_rate", "episodes_to_90")


class FullGridOracle(kt.oracles.GridSearchOracle):
    """KerasTuner's grid oracle, but with every combination known up front.

    `GridSearchOracle` derives the next combination from a trial that has *finished*, so
    with several workers only one trial runs at a time while the others poll (measured:
    `--workers 2` on 12 mimic trials completed one trial per ~60 s, one worker's pace).
    A tflab grid is a fixed Cartesian product of declared `Choice` axes, so any untried
    combination can be handed out at once, in declaration order. Trials of an interrupted
    run are not handed out again: KerasTuner re-queues those itself on reload.
    """

    def populate_space(self, trial_id):
        taken = {self._key(trial.hyperparameters.values) for trial in self.trials.values()}
        space = self.get_space().space
        for combination in itertools.product(*(hp.values for hp in space)):
            values = {hp.name: value for hp, value in zip(space, combination)}
            if self._key(values) not in taken:
                return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}
        return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}

    @staticmethod
    def _key(values: dict) -> tuple:
        return tuple(sorted((name, repr(value)) for name, value in values.items()))


class FamilyGridSearch(kt.Tuner):
    """A grid search whose trial is one `family.train` run (no KerasTuner HyperModel)."""

    def __init__(self, base_config: BaseConfig, data_path: str | None, out_dir: Path,
                 grid_size: int, verbose: bool, *, objective, max_trials: int,
                 hyperparameters, max_consecutive_failed_trials: int,
                 population: bool = False, **kwargs):
        self.base_config = base_config
        self.population = population  # one trial = all seeds of a configuration
        self.family = get_family(base_config.family)
        self.data_path = data_path
        self.trials_dir = out_dir / "trials"
        self.grid_size = grid_size
        self.verbose = verbose
        self._data_cache: dict[tuple, object] = {}
        self._durations: list[float] = []
        oracle = self.make_oracle(objective=objective, max_trials=max_trials,
                                  hyperparameters=hyperparameters, tune_new_entries=False,
                                  allow_new_entries=False,
                                  max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle=oracle, **kwargs)

    def make_oracle(self, **kwargs) -> FullGridOracle:
        """The grid oracle (`tuning.heartbeat.LeasedGridSearch` leases its trials)."""
        return FullGridOracle(**kwargs)

    def say(self, line: str, flush: bool = True) -> None:
        """One line per finished trial; on a terminal (one process) a bar over the grid's
        trials with rate and time left sits under the lines (tflab.progress)."""
        if getattr(self, "_bar", None) is None and self.verbose and not self.who \
                and int(os.environ.get("TFLAB_WORKERS", "1")) == 1 and use_bar(sys.stdout):
            self._bar = Progress(self.grid_size, "grid", "trial", keep=True)
        if getattr(self, "_bar", None) is not None:
            self._bar.step(line)
        else:
            print(line, flush=flush)

    @property
    def who(self) -> str:
        name = os.environ.get("TFLAB_WORKER_NAME")
        return f"[{name}] " if name else ""

    def _finished_trials(self) -> int:
        """Finished = its run directory has metrics.json (written last, atomically); this
        works in the chief/worker mode too, where the oracle lives in another process."""
        if self.population:
            return len(list(self.trials_dir.glob("trial_*/seed_*/metrics.json")))
        return len(list(self.trials_dir.glob("trial_*/metrics.json")))

    def finished_populations(self) -> int:
        """Trials whose every member has written metrics.json."""
        return sum(1 for trial_dir in self.trials_dir.glob("trial_*")
                   if (members := list(trial_dir.glob("seed_*")))
                   and all((m / "metrics.json").exists() for m in members))

    def record_duration(self, seconds: float) -> None:
        self._durations.append(seconds)

    def eta_minutes(self, done: int) -> float:
        workers = int(os.environ.get("TFLAB_WORKERS", "1"))
        mean = sum(self._durations) / max(1, len(self._durations))
        return max(0, self.grid_size - done) * mean / workers / 60

    @staticmethod
    def check_report(report: dict) -> dict:
        """A population whose every member diverged is a failed trial."""
        flags = [v for k, v in report.items() if k.endswith("/failed")]
        if flags and all(flags):
            raise kt.errors.FailedTrialError("every member's loss became non-finite")
        return report

    @staticmethod
    def _finished_before(run_dir, config: BaseConfig) -> dict | None:
        """Metrics of a run directory that already finished this very configuration."""
        metrics_file, config_file = run_dir / "metrics.json", run_dir / "config.json"
        if not (metrics_file.exists() and config_file.exists()):
            return None
        if io.read_json(config_file) != io.read_json_text(config.to_dict()):
            return None
        return {k: float(v) for k, v in io.read_json(metrics_file).items()
                if isinstance(v, (int, float)) and math.isfinite(float(v))}

    def keep_data(self, config: BaseConfig, data) -> None:
        """Reuse data already loaded (and checked) for `config` in this process."""
        self._data_cache[self.family.data_key(config, self.data_path)] = data

    def data_for(self, config: BaseConfig):
        key = self.family.data_key(config, self.data_path)
        if key not in self._data_cache:
            self._data_cache[key] = self.family.load_data(config, self.data_path)
        return self._data_cache[key]

    def run_trial(self, trial, *args, **kwargs):
        values = dict(trial.hyperparameters.values)
        if self.population:
            return run_population_trial(self, trial, values)
        config = self.base_config.with_values(values)
        done = self._finished_trials()
        described = " ".join(f"{k}={v}" for k, v in values.items()
                             if len(self.base_config.grid[k]) > 1)
        run_dir = self.trials_dir / f"trial_{trial.trial_id}"
        kept = self._finished_before(run_dir, config)
        if kept is not None:  # finished, but killed before KerasTuner recorded it
            self.say(f"{self.who}trial [{trial.trial_id}] {described} -> finished before the "
                  f"interruption; kept, not re-run", flush=True)
            return kept
        started = time.perf_counter()
        try:
            metrics = self.family.train(config, self.data_for(config),
                                        self.trials_dir / f"trial_{trial.trial_id}",
                                        verbose=0)
        except TrainingDiverged as err:
            self.say(f"{self.who}trial {done + 1}/{self.grid_size} [{trial.trial_id}] {described} -> "
                  f"FAILED: {err}", flush=True)
            raise kt.errors.FailedTrialError(str(err)) from None
        except Exception as err:  # a bug or bad input, not a bad grid point: stop the grid
            raise kt.errors.FatalError(f"trial {trial.trial_id} crashed: {err}") from err
        seconds = time.perf_counter() - started
        self._durations.append(seconds)
        done = max(done + 1, self._finished_trials())
        remaining = self.grid_size - done
        workers = int(os.environ.get("TFLAB_WORKERS", "1"))
        eta = remaining * sum(self._durations) / len(self._durations) / workers
        shown = "  ".join(f"{k}={metrics[k]:.4f}" for k in SHOWN
                          if isinstance(metrics.get(k), (int, float)))
        self.say(f"{self.who}trial {done}/{self.grid_size} [{trial.trial_id}] {described} -> {shown}"
              f"  ({seconds:.1f}s, eta {eta / 60:.1f} min)", flush=True)
        return {k: float(v) for k, v in metrics.items()
                if isinstance(v, (int, float)) and math.isfinite(float(v))}
