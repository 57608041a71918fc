"""TFDS builder for catanatron games: generated locally, versioned, deterministic, split by game.

One example = one whole game (every tick, integer-coded, see `simulate.GameRecord`); windows
are cut later by `pipelines/catan/windows.py`, so one generated dataset serves any history /
future length. The builder config is named after everything the games depend on (bots, first
seed, number of games, tick cap, validation share), so changing any of them generates a new
dataset instead of silently reusing an old one; `workers` is not part of the name, because
games are seeded, so the same games come out with any number of processes.

Generation is CPU-bound in `create_board_tensor` (pure Python), so games are played in a
`spawn` process pool (no TensorFlow in the workers) and yielded in seed order.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from pipelines.catan.channels import H, N_BOARD, N_NUMERIC, W
from pipelines.catan.simulate import check_bots, play_game_args
from tflab.errors import UserError
from tflab.prepare import prepared
from tflab.progress import Progress

VERSION = "1.1.0"


@dataclasses.dataclass
class CatanGamesConfig(tfds.core.BuilderConfig):
    """What the generated games depend on (all of it goes into the config name)."""

    bots: tuple = ("victory_point", "weighted_random", "weighted_random", "random")
    seed_start: int = 1       # games use seeds seed_start, seed_start + 1, ...
    n_games: int = 100
    max_ticks: int = 0        # 0 = play each game to its end
    val_fraction: float = 0.1  # the last games (by seed) form the validation split
    workers: int = 2          # processes; does not change the data


def games_config(bots, seed_start: int, n_games: int, max_ticks: int, val_fraction: float,
                 workers: int = 2) -> CatanGamesConfig:
    """A validated builder config whose name identifies the data."""
    check_bots(bots)
    if n_games < 2:
        raise UserError(f"catan needs at least 2 games (one for training, one for validation); "
                        f"got n_games={n_games}")
    if seed_start < 1:
        raise UserError(f"seed_start must be >= 1 (catanatron treats seed 0 as random); "
                        f"got {seed_start}")
    identity = f"{'-'.join(bots)}|{seed_start}|{n_games}|{max_ticks}|{val_fraction}"
    digest = hashlib.sha1(identity.encode()).hexdigest()[:8]
    return CatanGamesConfig(
        name=f"g{n_games}_s{seed_start}_t{max_ticks}_{digest}", version=VERSION,
        description=f"bots={list(bots)} seeds {seed_start}..{seed_start + n_games - 1} "
                    f"max_ticks={max_ticks} val_fraction={val_fraction}",
        bots=tuple(bots), seed_start=seed_start, n_games=n_games, max_ticks=max_ticks,
        val_fraction=val_fraction, workers=workers)


def split_seeds(config: CatanGamesConfig) -> dict[str, list[int]]:
    seeds = list(range(config.seed_start, config.seed_start + config.n_games))
    n_val = min(max(1, round(config.n_games * config.val_fraction)), config.n_games - 1)
    return {"train": seeds[:-n_val], "validation": seeds[-n_val:]}


def default_data_dir() -> str:
    return os.environ.get("TFLAB_DATA_DIR", str(Path.home() / ".cache" / "tflab" / "tfds"))


class CatanGames(tfds.core.GeneratorBasedBuilder):
    """Games between 4 fixed catanatron bots, one example per game."""

    VERSION = tfds.core.Version(VERSION)
    RELEASE_NOTES = {"1.0.0": "Board codes, numeric codes and action index per tick.",
                     "1.1.0": "Bots see playable actions in a fixed order: the same seed "
                              "gives the same game in every process (1.0.0 did not)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stats = {"games": 0, "ticks": 0, "seconds": 0.0}
        self.progress = None  # a tflab.progress.Progress while games are played, if any
        self.pool = None      # one process pool for every split (see `prepare`)

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "seed": np.int64,
                "winner": np.int64,
                "n_ticks": np.int64,
                "board": tfds.features.Tensor(shape=(None, H, W, N_BOARD), dtype=np.uint8,
                                              encoding=tfds.features.Encoding.ZLIB),
                "numeric": tfds.features.Tensor(shape=(None, N_NUMERIC), dtype=np.int16,
                                                encoding=tfds.features.Encoding.ZLIB),
                "action": tfds.features.Tensor(shape=(None,), dtype=np.int16,
                                               encoding=tfds.features.Encoding.BYTES),
            }),
            description="catanatron games; codes per pipelines/catan/channels.py")

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download: the simulator is the source
        return {split: self._generate_examples(seeds)
                for split, seeds in split_seeds(self.builder_config).items()}

    def _generate_examples(self, seeds):
        config = self.builder_config
        jobs = [(seed, tuple(config.bots), config.max_ticks) for seed in seeds]
        started = time.perf_counter()
        if self.progress is not None:
            self.progress.start()
        for record in _play_all(jobs, config.workers, self.pool):
            self.stats["games"] += 1
            self.stats["ticks"] += record.n_ticks
            if self.progress is not None:
                self.progress.step(f"seed {record.seed}, {record.n_ticks} ticks")
            yield record.seed, {"seed": record.seed, "winner": record.winner,
                                "n_ticks": record.n_ticks,
                                "board": record.board, "numeric": record.numeric,
                                "action": record.action}
        self.stats["seconds"] += time.perf_counter() - started


def _play_all(jobs: list, workers: int, pool=None):
    """Games in seed order; `workers` > 1 plays them in a spawn pool (`pool`, or one of
    their own), 1 plays them in this process."""
    if workers <= 1 or len(jobs) == 1:
        yield from map(play_game_args, jobs)
    elif pool is not None:
        yield from pool.imap(play_game_args, jobs)
    else:
        with _spawn_pool(min(workers, len(jobs))) as own:
            yield from own.imap(play_game_args, jobs)


def _spawn_pool(workers: int):
    """Spawn, not fork: the parent may hold TensorFlow's threads. A worker takes seconds to
    start (it imports catanatron_gym, which imports gymnasium, and the parent's main
    module), so one pool serves both splits."""
    return multiprocessing.get_context("spawn").Pool(workers)


def prepare(config: CatanGamesConfig, data_dir: str | None = None) -> CatanGames:
    """The builder for `config`, generating its games first if they are not on disk."""
    tfds.disable_progress_bar()  # ours counts games (TFDS' own bars count records per split)

    def generate(builder: CatanGames) -> None:
        # TFDS announces "Downloading and preparing ..." on stdout; nothing is downloaded,
        # so only our own progress (on the real stdout) is shown
        with Progress(config.n_games, "game", "game", stream=sys.stdout) as progress, \
                contextlib.redirect_stdout(io.StringIO()):
            builder.progress = progress
            if config.workers > 1 and config.n_games > 1:
                with _spawn_pool(min(config.workers, config.n_games)) as pool:
                    builder.pool = pool
                    try:
                        builder.download_and_prepare()
                    finally:
                        builder.pool = None
            else:
                builder.download_and_prepare()

    return prepared(lambda: CatanGames(data_dir=data_dir or default_data_dir(), config=config),
                    generate)
