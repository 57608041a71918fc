"""Windows of `history` past and `future` coming ticks, cut from generated games, as tf.data.

Two ways in, one way out:
- `stream_windows`: every `stride`-th window of every game of a split, straight from the
  TFDS records (`flat_map` per game, shuffled compactly as integer codes, not as the 6 MB
  float tensor a window becomes);
- `fixed_windows`: N windows drawn once (seeded by the data seed, not the model seed) from
  the games of a split and kept in memory: the overfit setting.
Streams are batched as integer codes and only then expanded to the channels-first layout
(`layout.to_notes`) and cut into per-head targets (`layout.split_targets`); fixed windows
are expanded once, in fixed batches, and cached (`fixed_batches`).

Windows never cross a game boundary. A game shorter than one window is a user error (the
window is too long for the games, or `max_ticks` too small), raised before any training.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from pipelines.catan import layout
from pipelines.catan.builder import CatanGames, CatanGamesConfig, prepare
from pipelines.catan.channels import N_BOARD, N_NUMERIC, H, HeadSplit, W
from tflab.errors import UserError

_TABLE = tfds.decode.PartialDecoding({"seed": True, "n_ticks": True, "winner": True})


@dataclasses.dataclass
class CatanData:
    """Generated games on disk plus their table (seed, ticks, winner) per split."""

    builder: CatanGames
    games: dict          # split -> {"seed": [...], "n_ticks": [...], "winner": [...]}
    source: str
    last_seed: dict = dataclasses.field(default_factory=dict)  # split -> last seed streamed

    def ticks(self, split: str) -> np.ndarray:
        return np.asarray(self.games[split]["n_ticks"])

    def first_games(self, split: str, n: int) -> "CatanData":
        """The same data with only the first `n` games (by seed) of `split` (0 = all): a
        data-size axis that leaves the other split, e.g. the held-out games, as it is."""
        table = self.games[split]
        if not n or n == len(table["seed"]):
            return self
        if n > len(table["seed"]):
            raise UserError(f"train_games={n} but the {split} split holds only "
                            f"{len(table['seed'])} games; raise n_games or lower train_games")
        games = {**self.games, split: {k: v[:n] for k, v in table.items()}}
        return dataclasses.replace(self, games=games,
                                   last_seed={**self.last_seed, split: table["seed"][n - 1]})


def load_games(config: CatanGamesConfig, data_dir: str | None, span: int) -> CatanData:
    """Generate (or reuse) the games of `config` and check every game holds a window."""
    builder = prepare(config, data_dir)
    games = {}
    for split in ("train", "validation"):
        rows = list(tfds.as_numpy(builder.as_dataset(split=split, decoders=_TABLE)))
        rows.sort(key=lambda r: int(r["seed"]))
        games[split] = {k: [int(r[k]) for r in rows] for k in ("seed", "n_ticks", "winner")}
        short = [(s, t) for s, t in zip(games[split]["seed"], games[split]["n_ticks"])
                 if t < span]
        if short:
            seed, ticks = short[0]
            raise UserError(f"a window of {span} ticks (history + future) is longer than game "
                            f"{seed} ({ticks} ticks); shorten history/future or raise "
                            f"max_ticks")
    return CatanData(builder, games, f"catanatron via TFDS {builder.data_path}")


def _game_windows(span: int, stride: int):
    def windows(game):
        starts = tf.range(0, tf.shape(game["action"])[0] - span + 1, stride)
        return tf.data.Dataset.from_tensor_slices(starts).map(
            lambda t0: (tf.ensure_shape(game["board"][t0:t0 + span], (span, H, W, N_BOARD)),
                        tf.ensure_shape(game["numeric"][t0:t0 + span], (span, N_NUMERIC)),
                        tf.ensure_shape(game["action"][t0:t0 + span], (span,))))
    return windows


def stream_windows(data: CatanData, split: str, span: int, stride: int, *,
                   shuffle: bool, seed: int, buffer: int = 2048) -> tf.data.Dataset:
    """Compact windows (board, numeric, action codes) of every game of `split`."""
    games = data.builder.as_dataset(split=split, shuffle_files=False)
    if split in data.last_seed:
        last = data.last_seed[split]
        games = games.filter(lambda game: game["seed"] <= last)
    windows = games.flat_map(_game_windows(span, stride))
    if shuffle:
        windows = windows.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    return windows


def fixed_windows(data: CatanData, split: str, n: int, span: int, seed: int,
                  max_games: int = 0) -> tuple[np.ndarray, ...]:
    """`n` windows drawn without replacement from the first `max_games` games of `split`."""
    games = list(tfds.as_numpy(data.builder.as_dataset(split=split, shuffle_files=False)))
    games.sort(key=lambda g: int(g["seed"]))
    if max_games:
        games = games[:max_games]
    starts = [(g, t0) for g in range(len(games))
              for t0 in range(len(games[g]["action"]) - span + 1)]
    if n > len(starts):
        raise UserError(f"asked for {n} windows but the {split} games hold only "
                        f"{len(starts)}; lower overfit or generate more games")
    pick = np.sort(np.random.default_rng(seed).choice(len(starts), size=n, replace=False))
    chosen = [starts[i] for i in pick]
    return tuple(np.stack([games[g][key][t0:t0 + span] for g, t0 in chosen])
                 for key in ("board", "numeric", "action"))


def _expander(history: int, split: HeadSplit):
    def expand(board, numeric, action):
        x, (states, actions) = layout.to_notes(board, numeric, action, history)
        return x, layout.split_targets(states, actions, split)
    return expand


def batched(windows: tf.data.Dataset, batch_size: int, history: int,
            split: HeadSplit) -> tf.data.Dataset:
    """Stream: batch compact windows, then expand to the model input and per-head targets."""
    return (windows.batch(batch_size)
            .map(_expander(history, split), num_parallel_calls=tf.data.AUTOTUNE,
                 deterministic=True)
            .prefetch(tf.data.AUTOTUNE))


def fixed_batches(arrays: tuple[np.ndarray, ...], batch_size: int, history: int,
                  split: HeadSplit) -> tf.data.Dataset:
    """Fixed windows cut into fixed batches, expanded once and kept in memory.

    A window in the channels-first layout is ~5.7 MB of float32 (95 % of it constant
    planes), a batch of 32 ~180 MB. Expanding it costs more than a small model's training
    step, and so does re-assembling a reshuffled batch from cached windows (about as much as
    a width-0.125 training step). So the overfit setting keeps its batches fixed, as an
    "overfit a small batch" check must: window i is
    always in batch i // batch_size, and iterating the cache hands out the stored tensors
    without copying them. (With BatchNorm, fixed batches with different statistics are
    exactly the setting in which the train-mode / eval-mode gap shows.)
    """
    return (tf.data.Dataset.from_tensor_slices(arrays).batch(batch_size)
            .map(_expander(history, split)).cache())


def repeated(batches: tf.data.Dataset, passes: int, *, shuffle: bool, seed: int,
             n_batches: int) -> tf.data.Dataset:
    """`passes` passes over cached batches; `shuffle` reorders whole batches (no copy)."""
    if shuffle:
        batches = batches.shuffle(n_batches, seed=seed, reshuffle_each_iteration=True)
    return batches.repeat(passes).prefetch(1)
