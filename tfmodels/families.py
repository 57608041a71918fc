"""The family registry: how `tfmodels.fit` and `tuning.grid` reach a model family.

A config names its family (`config.family = "mimic"`); the registry maps that name to the
module that implements the `Family` protocol below. This is the only place that knows every
family's code (tflab/extras.py knows which optional install each one needs), so `tuning`
stays generic: it sees configs, data keys and metric dicts, nothing else.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol

from configs.base import BaseConfig
from tflab.errors import UserError
from tflab.extras import require_family

FAMILY_MODULES = {
    "mimic": "tfmodels.mimic.family",
    "catan": "tfmodels.catan.family",
    "stereo": "tfmodels.stereo.family",
    "a2c": "tfmodels.rl.family",
    "hac": "tfmodels.rl.hac.family",
}


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
    if name not in FAMILY_MODULES:
        raise UserError(f"unknown family {name!r}; known families: "
                        f"{', '.join(sorted(FAMILY_MODULES))}")
    require_family(name)  # a missing optional install: one line naming the pip extra
    module = importlib.import_module(FAMILY_MODULES[name])
    return module.FAMILY
