"""Forward simulation from a choice model: stochastic paths and propagated mass on H3 cells.

Each step rebuilds, for every animal's current cell, the choice set, features and
covariates training used (`pipelines.movement.daily`, `compute_features` with the run's
saved training centring), scores them with the run's `scorer.keras` and turns the log-odds
of each decision into probabilities with an exact softmax. Paths draw one choice per animal
and step; mass mode multiplies a distribution over cells by each day's transition matrix
(row = origin cell, its choice-set probabilities), as the original project did to follow
fish for months.

A `Chooser` is anything with `logodds(table) -> array` over a step's long table: a trained
run (`RunChooser`) or, on the simulator, its true utility (`TruthChooser`), so the
simulator's own behaviour is one call away for comparison.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.movement.choicesets import ChoiceCatalog, parse_time_step
from pipelines.movement.daily import step_choice_table
from pipelines.movement.features import (day_of_year, required_covariates,
                                         resolve_feature_set)
from tfmodels.mimic.score import read_run, softmax_within


class RunChooser:
    """Log-odds of a trained run's scorer on inputs rebuilt as in training."""

    def __init__(self, run_dir: Path):
        import keras

        self.config, self.stats = read_run(Path(run_dir))
        self.feature_set = self.stats["feature_set"]
        self.covariate_names = required_covariates(resolve_feature_set(self.feature_set))
        self.scorer = keras.models.load_model(Path(run_dir) / "scorer.keras", compile=False)

    def logodds(self, table: pd.DataFrame) -> np.ndarray:
        from pipelines.movement.features import compute_features

        features, _ = compute_features(table, self.feature_set, max_km=self.config.max_km,
                                       centering=self.stats["centering"])
        inputs = features.to_numpy(np.float32)
        return np.asarray(self.scorer(inputs, training=False))[:, 0].astype(np.float64)


class TruthChooser:
    """The simulator's own log-odds (its true coefficients and box wall)."""

    covariate_names = ["mlt", "npp"]

    def __init__(self, simulator_config: str):
        from pipelines.movement.simulator.builder import builder_config

        self.spec = builder_config(simulator_config).spec()

    def logodds(self, table: pd.DataFrame) -> np.ndarray:
        from pipelines.movement.simulator.walk import true_logodds

        return true_logodds(self.spec, table["distance_km"].to_numpy(),
                            table["heading"].to_numpy(), day_of_year(table["time"]),
                            table["mlt"].to_numpy(), table["npp"].to_numpy(),
                            table["lat"].to_numpy(), table["lon"].to_numpy())


@dataclasses.dataclass
class World:
    """Where and when choices are made: cells, time step, covariate source."""

    catalog: ChoiceCatalog
    time_step: pd.Timedelta
    covariates: object = None  # daily.CovariateSource; None = the simulator's fields
    record_covariates: bool = False  # keep (cell, time, covariates) of every choice seen
    recorded: list = dataclasses.field(default_factory=list)

    @classmethod
    def for_config(cls, config, covariates=None) -> "World":
        return cls(ChoiceCatalog(config.max_km), parse_time_step(config.time_step), covariates)

    def step_table(self, chooser, origin_ids: np.ndarray, times: np.ndarray) -> pd.DataFrame:
        table = step_choice_table(self.catalog, origin_ids, times, self.covariates,
                                  chooser.covariate_names)
        table["probability"] = softmax_within(chooser.logodds(table),
                                              table["decision"].to_numpy())
        if self.record_covariates and chooser.covariate_names:
            self.recorded.append(table[["choice", "time", *chooser.covariate_names]])
        return table

    def covariate_table(self) -> pd.DataFrame:
        """Every (cell, day) covariate value the simulation evaluated, as a covariate table
        (`cell, time, ...`) that `tfmodels.fit --set covariates_path=...` reads."""
        table = pd.concat(self.recorded, ignore_index=True).rename(columns={"choice": "cell"})
        return table.drop_duplicates(["cell", "time"]).sort_values(["time", "cell"]) \
            .reset_index(drop=True)


def step_start(times: np.ndarray, step: pd.Timedelta) -> np.ndarray:
    """Start of each time's step counted from the epoch (how decisions are timed)."""
    ns = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    return ((ns // step.value) * step.value).astype("datetime64[ns]")


def draw_within(probability: np.ndarray, decision: np.ndarray, rng) -> np.ndarray:
    """Row index of one draw per decision (decisions 0..K-1, rows grouped by decision)."""
    k = int(decision.max()) + 1
    cumulative = pd.Series(probability).groupby(decision).cumsum().to_numpy()
    u = rng.random(k)
    below = cumulative < u[decision] * pd.Series(probability).groupby(decision).transform(
        "sum").to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(decision)) + 1]
    counts = np.bincount(decision, weights=below, minlength=k).astype(np.int64)
    sizes = np.bincount(decision, minlength=k)
    return starts + np.minimum(counts, sizes - 1)


def simulate_paths(chooser, world: World, start_ids: np.ndarray, start_times: np.ndarray,
                   steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell ids [K, steps + 1] and fix times [K, steps + 1] of K animals, seeded."""
    rng = np.random.default_rng(seed)
    ids = [np.asarray(start_ids, dtype=np.int64)]
    times = [step_start(start_times, world.time_step)]
    for _ in range(steps):
        table = world.step_table(chooser, ids[-1], times[-1])
        rows = draw_within(table["probability"].to_numpy(), table["decision"].to_numpy(), rng)
        ids.append(table["choice_id"].to_numpy()[rows])
        times.append(times[-1] + world.time_step.to_timedelta64())
    return np.stack(ids, axis=1), np.stack(times, axis=1)


def propagate_mass(chooser, world: World, start_ids: np.ndarray, start_mass: np.ndarray,
                   start_time, steps: int, min_mass: float = 0.0) -> pd.DataFrame:
    """Per step and cell: probability of being there (rows with probability > 0).

    Each step, every cell holding at least `min_mass` spreads its mass over its choice set
    with the model's probabilities; cells below it keep their mass where it is (nothing is
    dropped, so each step sums to exactly what the start did). `min_mass = 0` is the exact
    propagation.
    """
    ids = np.asarray(start_ids, dtype=np.int64)
    mass = np.asarray(start_mass, dtype=np.float64)
    time = step_start(np.array([start_time]), world.time_step)[0]
    frames = [_mass_frame(world, 0, time, ids, mass)]
    for step in range(1, steps + 1):
        moving = mass >= min_mass if min_mass > 0 else mass > 0
        table = world.step_table(chooser, ids[moving], np.repeat(time, moving.sum()))
        spread = mass[moving][table["decision"].to_numpy()] * table["probability"].to_numpy()
        all_ids = np.r_[table["choice_id"].to_numpy(), ids[~moving]]
        all_mass = np.r_[spread, mass[~moving]]
        ids, inverse = np.unique(all_ids, return_inverse=True)
        mass = np.bincount(inverse, weights=all_mass)
        time = time + world.time_step.to_timedelta64()
        frames.append(_mass_frame(world, step, time, ids, mass))
    return pd.concat(frames, ignore_index=True)


def _mass_frame(world: World, step: int, time, ids: np.ndarray, mass: np.ndarray
                ) -> pd.DataFrame:
    keep = mass > 0
    lat, lon = world.catalog.latlon(ids[keep])
    return pd.DataFrame({"day": step, "time": time, "cell": world.catalog.cells(ids[keep]),
                         "lat": lat, "lon": lon, "probability": mass[keep]})
