"""Source → long choice table → split → padded `ChoiceSets`: what a mimic run reads.

Three sources, picked from `data_path`:
* None: the known-truth simulator (TFDS builder, prepared once), with true probabilities;
* a table with `choice` and `selected` columns: the user's ready long choice table;
* any other table: tracks (`individual, time, lat, lon`, or `x, y` with `crs`), with
  covariates from a CSV table (`covariates_path`) and/or rasters (`covariates`).

Cells are H3 cells (`cells=h3`, at `resolution`) or the first covariate raster's own
pixels (`cells=raster`). `load_choice_table` is the first half (source → long table, no
features); the mimic scorer reuses it and `compute_features(..., centering=...)` to score
new data exactly as a trained run saw its inputs.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from configs.families.mimic import MimicConfig
from pipelines.movement.choicesets import (decisions_from_tracks, long_choice_table,
                                           parse_time_step)
from pipelines.movement.features import (check_feature_names, compute_features, is_centred,
                                         required_covariates, resolve_feature_set)
from pipelines.movement.splits import split_labels
from pipelines.movement.tracks import read_table, validate_covariates
from pipelines.movement.views import ChoiceSets, to_choice_sets, validate_choice_table
from tflab.errors import UserError

CELLS = ("h3", "raster")


@dataclasses.dataclass
class MovementData:
    """What a mimic run trains, validates and tests on."""

    train: ChoiceSets
    val: ChoiceSets
    feature_names: list[str]
    stats: dict                         # feature statistics (training split) + counts
    source: str                         # "simulator:default v1.0.0" or the data path
    true_gmp_train: float | None = None  # simulator only: exp(mean log true P(selected))
    true_gmp_val: float | None = None
    test: ChoiceSets | None = None      # split=time: the last stretch of each track
    train_view: ChoiceSets | None = None  # what the model is fitted on (set by the family)
    val_view: ChoiceSets | None = None

    def splits(self) -> list[tuple[str, ChoiceSets]]:
        """(name, choice sets) of every split that has data, train first."""
        named = [("train", self.train), ("val", self.val), ("test", self.test)]
        return [(name, sets) for name, sets in named if sets is not None]


def true_gmp(choice_sets: ChoiceSets) -> float | None:
    """Geometric mean of the simulator's probability of each selected choice."""
    if choice_sets.true_prob is None:
        return None
    rows = np.arange(choice_sets.num_decisions)
    p = choice_sets.true_prob[rows, choice_sets.selected].astype(np.float64)
    return float(np.exp(np.mean(np.log(p))))


def _simulated_table(config: MimicConfig) -> tuple[pd.DataFrame, str]:
    from pipelines.movement.simulator import builder

    spec = builder.builder_config(config.simulator_config).spec()
    if (int(config.resolution), float(config.max_km)) != (spec.resolution, spec.max_km):
        raise UserError(f"the simulator's cells are H3 resolution {spec.resolution} with "
                        f"max_km {spec.max_km:g}; set --set resolution={spec.resolution} "
                        f"max_km={spec.max_km:g}, or pass your own data with --data")
    if parse_time_step(config.time_step) != pd.Timedelta("1D"):
        raise UserError("the simulator makes one decision per day; time_step applies to your "
                        "own tracks (--data) only: set --set time_step=1D")
    for field in ("covariates_path", "covariates", "crs"):
        if getattr(config, field):
            raise UserError(f"{field} applies to your own tracks (--data); the simulator has "
                            f"its own positions and covariates: drop --set {field}")
    if config.cells != "h3":
        raise UserError("the simulator's cells are H3 cells; set --set cells=h3 or pass your "
                        "own data with --data")
    table = builder.load_simulated(config.simulator_config)
    return table, f"simulator:{config.simulator_config} v{builder.MovementSimulator.VERSION}"


def _user_table(data_path: str, config: MimicConfig, covariates_path: str | None,
                covariates: str) -> pd.DataFrame:
    from pipelines.movement.bundled import resolve_path

    raw = read_table(resolve_path(data_path))
    if {"choice", "selected"} <= set(raw.columns):
        return validate_choice_table(raw)
    names = resolve_feature_set(config.feature_set)
    needed = required_covariates(names)
    if needed and not covariates_path:
        raise UserError(f"feature set {config.feature_set} needs covariate {needed[0]!r} for "
                        f"your tracks; supply a table with columns time, cell (or lat, lon), "
                        f"{', '.join(needed)} via --set covariates_path=PATH, or use "
                        f"feature_set v2")
    table_covariates = None
    if needed:
        table_covariates = validate_covariates(read_table(covariates_path), needed)
    rasters = _open_rasters(covariates)
    check_feature_names(names, [*needed, *(r.name for r in rasters)])
    if config.cells not in CELLS:
        raise UserError(f"cells must be one of {', '.join(CELLS)}, got {config.cells!r}")
    grid = None
    if config.cells == "raster":
        if not rasters:
            raise UserError("cells=raster uses the first covariate raster's pixels as cells; "
                            "name one with --set covariates=name:path.tif")
        grid = rasters[0]
    decisions = decisions_from_tracks(raw, resolution=config.resolution,
                                      time_step=config.time_step, max_km=config.max_km,
                                      time_tolerance=config.time_tolerance, crs=config.crs,
                                      grid=grid)
    if grid is not None:
        from pipelines.movement.pixels import long_pixel_table

        table = long_pixel_table(decisions, grid, max_km=config.max_km, window=config.window)
    else:
        table = long_choice_table(decisions, max_km=config.max_km,
                                  covariates=table_covariates, covariate_names=needed)
    if rasters:
        from pipelines.movement.covariates import attach_rasters

        table = attach_rasters(table, rasters, grid_crs=None if grid is None else grid.crs,
                               outside=config.outside)
    table.attrs["covariates"] = [*needed, *(r.name for r in rasters)]
    return table


def _open_rasters(covariates: str) -> list:
    if not covariates:
        return []
    from pipelines.movement.bundled import resolve_path
    from pipelines.movement.rasters import open_covariate, parse_covariate_specs

    return [open_covariate(name, resolve_path(path), variable)
            for name, path, variable in parse_covariate_specs(covariates)]


def load_choice_table(config: MimicConfig, data_path: str | None, *,
                      covariates_path: str | None = None,
                      covariates: str | None = None) -> tuple[pd.DataFrame, str]:
    """The long choice table (one row per decision × choice, before features) and its source.

    `covariates_path` / `covariates` default to the config's (a scorer passes those that
    go with new tracks)."""
    resolve_feature_set(config.feature_set)
    if config.max_km <= 0:
        raise UserError(f"max_km must be > 0, got {config.max_km}")
    if data_path is None and not config.data_path:
        return _simulated_table(config)
    data_path = str(data_path or config.data_path)
    table = _user_table(data_path, config,
                        covariates_path if covariates_path is not None
                        else config.covariates_path or None,
                        covariates if covariates is not None else config.covariates)
    return table, data_path


def load_movement(config: MimicConfig, data_path: str | None) -> MovementData:
    """Train/validation(/test) choice sets for a mimic run (see the module docstring)."""
    names = resolve_feature_set(config.feature_set)
    table, source = load_choice_table(config, data_path)
    per_decision = table.drop_duplicates("decision")
    labels, split_note = split_labels(
        per_decision[["individual", "time"]] if "time" in per_decision else
        per_decision[["individual"]].assign(time=per_decision["decision"]),
        split=config.split, val_fraction=config.val_fraction, seed=config.split_seed,
        fractions=config.split_fractions)
    label_of = pd.Series(labels, index=per_decision["decision"].to_numpy())
    row_split = label_of.reindex(table["decision"].to_numpy()).to_numpy()
    features, stats = compute_features(table, config.feature_set, max_km=config.max_km,
                                       train_rows=row_split == "train",
                                       timezone=config.timezone,
                                       covariate_columns=table.attrs.get("covariates", ()))
    keys = [c for c in ("individual", "decision", "time", "burst", "selected", "distance_km",
                        "true_prob", "area_km2") if c in table.columns]
    frame = pd.DataFrame({**{c: table[c].to_numpy() for c in keys},
                          **{f"feature:{n}": features[n].to_numpy() for n in names}})
    columns = [f"feature:{n}" for n in names]
    sets = {}
    for name in ("train", "val", "test"):
        rows = row_split == name
        if rows.any():
            sets[name] = to_choice_sets(frame[rows], columns)
            sets[name].feature_names = list(names)
    stats.update(source=source, **split_note,
                 n_decisions={name: s.num_decisions for name, s in sets.items()},
                 centred=[n for n in names if is_centred(n)])
    print(f"movement data: {source}: "
          + ", ".join(f"{s.num_decisions} {name} decisions" for name, s in sets.items())
          + f" (split by {config.split}), {len(names)} features, up to "
          f"{sets['train'].mask.shape[1]} choices per decision")
    return MovementData(train=sets["train"], val=sets["val"], test=sets.get("test"),
                        feature_names=list(names), stats=stats, source=source,
                        true_gmp_train=true_gmp(sets["train"]),
                        true_gmp_val=true_gmp(sets["val"]))
