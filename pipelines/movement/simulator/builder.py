"""The known-truth simulator as a versioned TFDS dataset, generated locally.

Why TFDS: a grid of 60 trials must train on byte-identical data, and a result must say
which data it saw ("simulator:default v1.0.0"). Preparing once into a data directory gives
both: later runs read the prepared records instead of re-simulating.

One example per *decision*, holding its choice set as equal-length sequences (choice,
selected, distance_km, heading, lat, lon, mlt, npp, true_prob). `load_simulated` turns
that back into the long table (one row per choice). Measured here: writing one example
per choice row cost ~25 s per 100k rows (≈110 s for the default 418k rows); one example
per decision writes the same content in ~12 s.

Bump VERSION whenever walk.py or fields.py change a number: prepared data is reused by
version.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow_datasets as tfds

from pipelines.movement.simulator.walk import SimulatorSpec, simulate
from tfmodels.errors import UserError

PER_CHOICE_FLOATS = ("distance_km", "heading", "lat", "lon", "mlt", "npp", "true_prob")


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
        per_choice = {name: tfds.features.Tensor(shape=(None,), dtype=np.float64)
                      for name in PER_CHOICE_FLOATS}
        per_choice["choice"] = tfds.features.Tensor(shape=(None,), dtype=np.object_)
        per_choice["selected"] = tfds.features.Tensor(shape=(None,), dtype=np.int64)
        features = tfds.features.FeaturesDict({
            "individual": np.int64, "decision": np.int64,
            "time": np.int64,  # decision day, seconds since the Unix epoch
            **per_choice})
        return self.dataset_info_from_configs(features=features, disable_shuffling=True,
                                              description=__doc__.split("\n\n")[0])

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        _, _, table = simulate(self.builder_config.spec())
        decision = table["decision"].to_numpy()
        bounds = np.flatnonzero(np.diff(decision)) + 1
        starts = np.r_[0, bounds]
        ends = np.r_[bounds, len(decision)]
        seconds = table["time"].to_numpy().astype("datetime64[s]").astype(np.int64)
        columns = {name: table[name].to_numpy() for name in (*PER_CHOICE_FLOATS, "selected")}
        choice = table["choice"].to_numpy(dtype=object)
        individual = table["individual"].to_numpy()
        for start, end in zip(starts, ends):
            example = {name: values[start:end] for name, values in columns.items()}
            example.update(choice=choice[start:end], individual=int(individual[start]),
                           decision=int(decision[start]), time=int(seconds[start]))
            yield int(decision[start]), example


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

    `data_dir` defaults to $TFLAB_DATA_DIR or ~/.cache/tflab/tfds.
    """
    builder = simulator_builder(config_name, data_dir)
    if not builder.is_prepared():
        config = builder.builder_config
        print(f"generating simulated tracks ({config.name}: {config.n_individuals} individuals "
              f"x {config.decisions_per_individual} decisions) into {builder.data_dir}")
        builder.download_and_prepare()
    dataset = builder.as_dataset(split="train", shuffle_files=False)
    count = builder.info.splits["train"].num_examples
    batch = next(iter(dataset.ragged_batch(max(count, 1))))
    lengths = batch["choice"].row_lengths().numpy()
    per_decision = {name: np.repeat(batch[name].numpy(), lengths)
                    for name in ("individual", "decision", "time")}
    table = pd.DataFrame({
        "individual": per_decision["individual"],
        "decision": per_decision["decision"],
        "time": per_decision["time"].astype("datetime64[s]").astype("datetime64[ns]"),
        "choice": [c.decode() for c in batch["choice"].flat_values.numpy()],
        "selected": batch["selected"].flat_values.numpy().astype(np.int64),
        **{name: batch[name].flat_values.numpy() for name in PER_CHOICE_FLOATS}})
    return table[["individual", "decision", "time", "choice", "selected", "distance_km",
                  "heading", "lat", "lon", "mlt", "npp", "true_prob"]]
