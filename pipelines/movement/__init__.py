"""Movement data for the mimic family: tracks or a simulator → choice sets → tf.data.

One entry point, `load_movement(config, data_path)`, returns train, validation and (with
`split=time`) test `ChoiceSets` (padded, masked, features centred with training-split
statistics only). Sources, cells and splits: see `loading`.

Modules: tracks (read/validate, any CRS), crs (pyproj), steps (calendar steps or bursts),
choicesets (H3 decisions, long table), pixels (raster-pixel choice sets), covariates (CSV
tables and rasters), rasters (GeoTIFF/netCDF readers), kernel (iSSF movement features),
expressions, features (named sets v1 ⊂ v2 ⊂ v3, or expressions), splits (individual or
time), views (ChoiceSets, contrasts, sampled alternatives), datasets (tf.data), loading,
simulator/ (daily H3 fields and walk, TFDS builder; GPS-scale landscape).
"""
from __future__ import annotations

from pipelines.movement.choicesets import (choice_cells, decisions_from_tracks,
                                           long_choice_table, parse_time_step)
from pipelines.movement.features import (FEATURE_SETS, compute_features, required_covariates,
                                         resolve_feature_set)
from pipelines.movement.loading import (MovementData, load_choice_table, load_movement,
                                        true_gmp)
from pipelines.movement.splits import split_by_individual, split_by_time
from pipelines.movement.tracks import read_table, validate_covariates, validate_tracks
from pipelines.movement.views import (ChoiceSets, read_choice_table, sample_alternatives,
                                      to_choice_sets, to_contrasts, validate_choice_table)


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
           "parse_time_step", "resolve_feature_set", "sample_alternatives", "split_by_individual",
           "split_by_time", "to_choice_sets", "to_contrasts", "true_gmp",
           "validate_covariates", "validate_tracks"]
