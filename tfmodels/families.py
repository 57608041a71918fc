"""The family registry: how `tfmodels.fit` and `tuning.grid` reach a model family.

A config names its family (`config.family = "mimic"`); its spec (declared once, in
configs/families/NAME.py) names the module that implements the `Family` protocol below and
the optional install it needs. `tuning` stays generic: it sees configs, data keys and
metric dicts, nothing else.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol

from configs.base import BaseConfig
from configs.families import all_specs, family_spec


class Family(Protocol):
    """What a model family provides to the generic CLIs.

    `objective` is the metric the grid ranks trials by, with its direction.
    `data_key(config)` returns the config values the data depends on, so a grid builds each
    distinct dataset once and reuses it across seeds and model sizes.
    `load_data` reads/simulates data (no model code); `train` runs one full fit into
    `run_dir` (config.json, history.csv, metrics.json, model.keras, tensorboard/) and
    returns the final metrics dict (also written to metrics.json).
    Optional `check_config(config)`: what the config names outside itself (an environment
    id) checked against what is installed, one-line UserErrors; `load_data` calls it, and
    `tuning.grid` calls it for every grid value before any trial runs.
    """

    name: str
    objective: tuple[str, str]

    def data_key(self, config: BaseConfig, data_path: str | None) -> tuple: ...

    def load_data(self, config: BaseConfig, data_path: str | None) -> Any: ...

    def train(self, config: BaseConfig, data: Any, run_dir: Path, *, verbose: int = 1) -> dict: ...


def get_family(name: str) -> Family:
    """The family's implementation, after checking its optional install (one line)."""
    spec = family_spec(name)
    spec.require()
    return importlib.import_module(spec.implementation).FAMILY


def family_names() -> list[str]:
    return sorted(all_specs())
