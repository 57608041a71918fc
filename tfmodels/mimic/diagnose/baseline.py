"""The distance-only model every run is compared with: a conditional logit on distance.

"Is the network better than knowing how far fish go?" needs the answer from the same data
and split. The baseline is a `num_layers = 0` mimic model on `normed_distance, stay_put`,
trained through the family's own `train` (so it is an ordinary run directory: the family
picks its solver), or a run the user names with `--baseline`.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from configs.families.mimic import MimicConfig
from pipelines.movement.features import resolve_feature_set
from tflab import io
from tflab.errors import UserError

DISTANCE_FEATURES = "normed_distance,stay_put"


def is_distance_only(config: MimicConfig) -> bool:
    """A linear model on distance features alone (comparing it with itself says nothing)."""
    names = set(resolve_feature_set(config.feature_set))
    return config.num_layers == 0 and names <= set(DISTANCE_FEATURES.split(","))


def baseline_config(config: MimicConfig) -> MimicConfig:
    """The run's data settings and a linear model on distance, solved exactly (Newton)."""
    return dataclasses.replace(config, name=f"{config.name}_distance_only",
                               feature_set=DISTANCE_FEATURES, num_layers=0, dropout=0.0,
                               training_view="choice_sets", grid={}, optimizer="newton")


def distance_only_run(config: MimicConfig, data_path: str | None, out_dir: Path,
                      family) -> Path:
    """A finished distance-only run for `config`'s data: reused from `out_dir` when its
    config matches, otherwise trained there by `family` (the mimic family, handed in by the
    entry point that looked it up), printed with its seconds."""
    wanted = baseline_config(config)
    wanted.validate()
    saved = out_dir / "config.json"
    if (out_dir / "scorer.keras").exists() and saved.exists() \
            and io.read_json(saved) == wanted.to_dict():
        print(f"distance-only model: reusing {out_dir}")
        return out_dir
    data = family.load_data(wanted, data_path)
    metrics = family.train(wanted, data, out_dir, verbose=0)
    print(f"distance-only model: solved exactly ({metrics.get('iterations', '?')} Newton "
          f"steps) in {metrics['seconds']:.1f} s "
          f"-> {out_dir} (gmp_val {metrics['gmp_val']:.4f})")
    return out_dir


def check_baseline(run_dir: Path, config: MimicConfig) -> Path:
    """A user-named baseline run must be a mimic run on the same data settings."""
    from tfmodels.mimic.score import read_run

    other, _ = read_run(run_dir)
    for field in ("resolution", "max_km", "time_step", "simulator_config", "val_fraction",
                  "split_seed"):
        if getattr(other, field) != getattr(config, field):
            raise UserError(f"--baseline {run_dir} was trained with {field}="
                            f"{getattr(other, field)!r}, the report's run with "
                            f"{getattr(config, field)!r}; pass a baseline fitted on the same "
                            f"data and split")
    return run_dir
