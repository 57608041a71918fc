"""Movement data for the mimic family: tracks or a simulator → choice sets → tf.data.

One entry point, `load_movement`, takes the config's data fields and returns train and
validation `ChoiceSets` (padded, masked, features normalised with training statistics
only), split by individual. Three sources, picked from `data_path`:

* None: the known-truth simulator (TFDS builder, prepared once), with true probabilities;
* a table with `choice` and `selected` columns: the user's ready long choice table;
* any other table: tracks `individual, time, lat, lon` (+ `covariates_path` for v3).

`load_choice_table` is the first half of that path (source → long table, no features);
the mimic scorer reuses it and `compute_features(..., centering=...)` to score new data
exactly as a trained run saw its inputs.

Modules: tracks (read/validate), choicesets (H3 decisions, long table), covariates,
features (v1 ⊂ v2 ⊂ v3), views (ChoiceSets, contrasts, split), datasets (tf.data),
simulator/ (fields, walk, TFDS builder).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pipelines.movement.choicesets import (choice_cells, decisions_from_tracks,
                                           long_choice_table, parse_time_step)
from pipelines.movement.features import (FEATURE_SETS, compute_features, required_covariates,
                                         resolve_feature_set)
from pipelines.movement.tracks import read_table, validate_covariates, validate_tracks
from pipelines.movement.views import (ChoiceSets, read_choice_table, split_by_individual,
                                      to_choice_sets, to_contrasts, validate_choice_table)
from tflab.errors import UserError


@dataclasses.dataclass
class MovementData:
    """What a mimic run trains and validates on."""

    train: ChoiceSets
    val: ChoiceSets
    feature_names: list[str]
    stats: dict                         # feature statistics (training individuals) + counts
    source: str                         # "simulator:default v1.0.0" or the data path
    true_gmp_train: float | None = None  # simulator only: exp(mean log true P(selected))
    true_gmp_val: float | None = None
    train_view: ChoiceSets | None = None  # what the model is fitted on (set by the family)
    val_view: ChoiceSets | None = None


def true_gmp(choice_sets: ChoiceSets) -> float | None:
    """Geometric mean of the simulator's probability of each selected choice."""
    if choice_sets.true_prob is None:
        return None
    rows = np.arange(choice_sets.num_decisions)
    p = choice_sets.true_prob[rows, choice_sets.selected].astype(np.float64)
    return float(np.exp(np.mean(np.log(p))))


def _simulated_table(simulator_config: str, resolution: int, max_km: float, time_step: str,
                     covariates_path: str | None) -> tuple[pd.DataFrame, str]:
    from pipelines.movement.simulator import builder

    spec = builder.builder_config(simulator_config).spec()
    if (int(resolution), float(max_km)) != (spec.resolution, spec.max_km):
        raise UserError(f"the simulator's cells are H3 resolution {spec.resolution} with "
                        f"max_km {spec.max_km:g}; set --set resolution={spec.resolution} "
                        f"max_km={spec.max_km:g}, or pass your own data with --data")
    if parse_time_step(time_step) != pd.Timedelta("1D"):
        raise UserError("the simulator makes one decision per day; time_step applies to your "
                        "own tracks (--data) only: set --set time_step=1D")
    if covariates_path:
        raise UserError("covariates_path applies to your own tracks (--data); the simulator "
                        "has its own mlt and npp: drop --set covariates_path")
    table = builder.load_simulated(simulator_config)
    return table, f"simulator:{simulator_config} v{builder.MovementSimulator.VERSION}"


def _user_table(data_path: str, names: list[str], feature_set: str, resolution: int,
                max_km: float, time_step: str, covariates_path: str | None) -> pd.DataFrame:
    raw = read_table(data_path)
    if {"choice", "selected"} <= set(raw.columns):
        return validate_choice_table(raw)
    needed = required_covariates(names)
    if needed and not covariates_path:
        raise UserError(f"feature set {feature_set} needs covariate {needed[0]!r} for your "
                        f"tracks; supply a table with columns time, cell (or lat, lon), "
                        f"{', '.join(needed)} via --set covariates_path=PATH, or use "
                        f"feature_set v2")
    covariates = None
    if needed:
        covariates = validate_covariates(read_table(covariates_path), needed)
    decisions = decisions_from_tracks(raw, resolution=resolution, time_step=time_step,
                                      max_km=max_km)
    return long_choice_table(decisions, max_km=max_km, covariates=covariates,
                             covariate_names=needed)


def load_choice_table(*, data_path: str | None, feature_set: str, resolution: int,
                      max_km: float, time_step: str, covariates_path: str | None,
                      simulator_config: str = "default") -> tuple[pd.DataFrame, str]:
    """The long choice table (one row per decision × choice, before features) and its source."""
    names = resolve_feature_set(feature_set)
    if max_km <= 0:
        raise UserError(f"max_km must be > 0, got {max_km}")
    if data_path is None:
        return _simulated_table(simulator_config, resolution, max_km, time_step,
                                covariates_path)
    table = _user_table(str(data_path), names, feature_set, resolution, max_km, time_step,
                        covariates_path)
    return table, str(data_path)


def load_movement(*, data_path: str | None, feature_set: str, resolution: int, max_km: float,
                  time_step: str, covariates_path: str | None, val_fraction: float,
                  split_seed: int, simulator_config: str = "default") -> MovementData:
    """Train/validation choice sets for a mimic run (see the module docstring for sources)."""
    names = resolve_feature_set(feature_set)
    table, source = load_choice_table(
        data_path=data_path, feature_set=feature_set, resolution=resolution, max_km=max_km,
        time_step=time_step, covariates_path=covariates_path, simulator_config=simulator_config)
    train_ids, val_ids = split_by_individual(table["individual"], val_fraction, split_seed)
    features, stats = compute_features(table, feature_set, max_km=max_km,
                                       train_individuals=train_ids)
    keys = [c for c in ("individual", "decision", "selected", "distance_km", "true_prob")
            if c in table.columns]
    frame = pd.DataFrame({**{c: table[c].to_numpy() for c in keys},
                          **{f"feature:{n}": features[n].to_numpy() for n in names}})
    columns = [f"feature:{n}" for n in names]
    is_train = frame["individual"].isin(train_ids).to_numpy()
    train = to_choice_sets(frame[is_train], columns)
    val = to_choice_sets(frame[~is_train], columns)
    train.feature_names = val.feature_names = list(names)
    stats.update(source=source, train_individuals=[_plain(i) for i in train_ids],
                 val_individuals=[_plain(i) for i in val_ids],
                 n_decisions={"train": train.num_decisions, "val": val.num_decisions})
    print(f"movement data: {source}: {train.num_decisions} train decisions "
          f"({len(train_ids)} individuals), {val.num_decisions} val decisions "
          f"({len(val_ids)} individuals), {len(names)} features ({feature_set}), up to "
          f"{train.mask.shape[1]} choices per decision (counted after the split)")
    return MovementData(train=train, val=val, feature_names=list(names), stats=stats,
                        source=source, true_gmp_train=true_gmp(train),
                        true_gmp_val=true_gmp(val))


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def __getattr__(name):  # TensorFlow and TFDS are imported only when these are first used
    if name == "make_dataset":
        from pipelines.movement.datasets import make_dataset
        return make_dataset
    if name == "load_simulated":
        from pipelines.movement.simulator import load_simulated
        return load_simulated
    raise AttributeError(name)


__all__ = ["FEATURE_SETS", "ChoiceSets", "MovementData", "choice_cells", "compute_features",
           "decisions_from_tracks", "load_choice_table", "load_movement", "load_simulated",
           "long_choice_table", "make_dataset", "read_choice_table", "read_table",
           "split_by_individual", "to_choice_sets", "to_contrasts", "true_gmp",
           "validate_covariates", "validate_tracks"]
