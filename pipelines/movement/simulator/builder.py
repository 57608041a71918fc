"""The known-truth simulator as a versioned TFDS dataset, generated locally.

Why TFDS: a grid of 60 trials must train on byte-identical data, and a result must say
which data it saw ("simulator:default v1.0.0"). Preparing once into a data directory gives
both: later runs read the prepared records instead of re-simulating.

One example per *individual* (a track: the unit the pipeline splits by), holding its rows
of the long choice table as equal-length sequences (decision, time, choice, selected,
distance_km, heading, lat, lon, mlt, npp, true_prob); `load_simulated` concatenates them
back into the long table. Why not one example per choice row: TFDS encodes and decodes
every example in Python, measured here at ~25 s per 100k rows to write (≈2 min for the
default's ~0.5M rows) and ~5 s CPU per 22k examples to read; per individual the default
writes in ~6 s and reads in <1 s CPU.

Bump VERSION whenever walk.py or fields.py change a number: prepared data is reused by
version.
"""
from __future__ import annotations

import contextlib
import functools
import dataclasses
import io
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow_datasets as tfds

from pipelines.movement.simulator.walk import SimulatorSpec, simulate
from tflab.errors import UserError
from tflab.prepare import prepared

ROW_FLOATS = ("distance_km", "heading", "lat", "lon", "mlt", "npp", "true_prob")
ROW_INTS = ("time", "decision", "selected")  # time: decision day, seconds since the epoch


@dataclasses.dataclass(eq=False)
class MovementSimulatorConfig(tfds.core.BuilderConfig):
    n_individuals: int = 110
    decisions_per_individual: int = 200
    seed: int = 20241220

    def spec(self) -> SimulatorSpec:
        return SimulatorSpec(n_individuals=self.n_individuals,
                             decisions_per_individual=self.decisions_per_individual,
                             seed=self.seed)


class MovementSimulator(tfds.core.GeneratorBasedBuilder):
    """Simulated fish tracks on H3 resolution-4 cells with true choice probabilities."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Biased random walks, 100 km choice sets, seasonal fields."}
    BUILDER_CONFIGS = [
        MovementSimulatorConfig(name="default", description="paper size: 110 x 200 decisions"),
        MovementSimulatorConfig(name="tiny", description="tests: 6 x 20 decisions",
                                n_individuals=6, decisions_per_individual=20, seed=7),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        per_row = {name: tfds.features.Tensor(shape=(None,), dtype=np.float64)
                   for name in ROW_FLOATS}
        per_row.update({name: tfds.features.Tensor(shape=(None,), dtype=np.int64)
                        for name in ROW_INTS})
        per_row["choice"] = tfds.features.Tensor(shape=(None,), dtype=np.object_)
        features = tfds.features.FeaturesDict({"individual": np.int64, **per_row})
        return self.dataset_info_from_configs(features=features, disable_shuffling=True,
                                              description=__doc__.split("\n\n")[0])

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        _, _, table = simulate(self.builder_config.spec())
        individual = table["individual"].to_numpy()
        bounds = np.flatnonzero(np.diff(individual)) + 1
        columns = {name: table[name].to_numpy() for name in ROW_FLOATS + ROW_INTS[1:]}
        columns["time"] = table["time"].to_numpy().astype("datetime64[s]").astype(np.int64)
        columns["choice"] = table["choice"].to_numpy(dtype=object)
        for start, end in zip(np.r_[0, bounds], np.r_[bounds, len(individual)]):
            example = {name: values[start:end] for name, values in columns.items()}
            example["individual"] = int(individual[start])
            yield int(individual[start]), example


def default_data_dir() -> Path:
    return Path(os.environ.get("TFLAB_DATA_DIR", "~/.cache/tflab/tfds")).expanduser()


def builder_config(config_name: str) -> MovementSimulatorConfig:
    """The named builder config, or a UserError listing the known ones."""
    known = {c.name: c for c in MovementSimulator.BUILDER_CONFIGS}
    if config_name not in known:
        raise UserError(f"unknown simulator config {config_name!r}; known: {', '.join(known)}")
    return known[config_name]


def simulator_builder(config_name: str = "default",
                      data_dir: str | Path | None = None) -> MovementSimulator:
    builder_config(config_name)
    data_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
    return MovementSimulator(config=config_name, data_dir=str(data_dir))


def load_simulated(config_name: str = "default",
                   data_dir: str | Path | None = None) -> pd.DataFrame:
    """The simulator's long choice table, prepared once into `data_dir` and read back.

    `data_dir` defaults to $TFLAB_DATA_DIR or ~/.cache/tflab/tfds. Read once per process
    and handed out as copies: a report scores a run, fits and scores a baseline on the same
    table, and each TFDS read costs seconds (measured ≈7 s for the tiny config on the
    loaded 2-core box).
    """
    data_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
    return _read_simulated(config_name, str(data_dir.resolve())).copy()


def _generate(builder: MovementSimulator) -> None:
    config = builder.builder_config
    print(f"generating simulated tracks ({config.name}: {config.n_individuals} individuals "
          f"x {config.decisions_per_individual} decisions) into {builder.data_dir}")
    from tensorflow_datasets.core.utils import tqdm_utils

    shown = getattr(tqdm_utils, "_active", True)
    tfds.display_progress_bar(False)  # the line above is the progress report
    started = time.perf_counter()
    try:  # TFDS announces "Downloading and preparing ..." on stdout; nothing is downloaded
        with contextlib.redirect_stdout(io.StringIO()):
            builder.download_and_prepare()
    finally:
        tfds.display_progress_bar(shown)
    print(f"generated in {time.perf_counter() - started:.1f} s (reused from now on)")


@functools.lru_cache(maxsize=2)
def _read_simulated(config_name: str, data_dir: str) -> pd.DataFrame:
    builder = prepared(lambda: simulator_builder(config_name, data_dir), _generate)
    dataset = builder.as_dataset(split="train", shuffle_files=False)
    columns: dict[str, list] = {}
    for example in tfds.as_numpy(dataset):  # one example per individual: ~100 iterations
        rows = len(example["choice"])
        columns.setdefault("individual", []).append(np.full(rows, example["individual"]))
        for name in ("choice", *ROW_INTS, *ROW_FLOATS):
            columns.setdefault(name, []).append(example[name])
    table = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    table["choice"] = table["choice"].str.decode("utf-8") if len(table) else table["choice"]
    table["time"] = table["time"].to_numpy().astype("datetime64[s]").astype("datetime64[ns]")
    return table[["individual", "decision", "time", "choice", "selected", "distance_km",
                  "heading", "lat", "lon", "mlt", "npp", "true_prob"]]
