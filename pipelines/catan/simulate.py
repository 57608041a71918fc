"""Play one Catan game with catanatron and record every tick as integer-coded arrays.

No Catan rule is written here: the game, the bots, the board tensor and the numeric features
all come from catanatron 3.2.1 / catanatron-gym 4.0.0. A tick is (state before the action,
action taken), recorded right after the bot decides and before catanatron applies the
action (`FastRecorder`, codes from `encode.py`); `reference=True` records the same ticks
through a `GameAccumulator` and catanatron-gym's own tensor functions.

Determinism: catanatron draws every random number (map, seating, dice, bots) from Python's
global `random`, seeded by `Game(seed=...)`. Seed 0 is *not* usable: `Game` treats a falsy
seed as "pick one at random", so game seeds start at 1. That alone is not enough across
processes: catanatron builds some playable-action lists from sets (maritime trades are a set
of tuples holding None, whose hash in Python 3.11 is its memory address; robber victims a
set of colours, hashed by PYTHONHASHSEED), so their order, and with it the bots' seeded
picks, changed from one process to the next (measured: game 1 diverged at tick 24). The
bots here therefore see the playable actions in one fixed order (`action_order`); the
choice among them is still the bot's own, from the seeded `random`.

This module imports no TensorFlow, so the worker processes of the data builder start fast.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from catanatron.game import TURNS_LIMIT, Game, GameAccumulator
from catanatron.models.player import Color, RandomPlayer
from catanatron.players.search import VictoryPointPlayer
from catanatron.players.weighted_random import WeightedRandomPlayer
from catanatron_gym.board_tensor_features import NUMERIC_FEATURES, create_board_tensor
from catanatron_gym.envs.catanatron_env import to_action_space
from catanatron_gym.features import game_features, player_features, resource_hand_features

from pipelines.catan.channels import BOARD_SCALES, N_BOARD, NUMERIC_MAX_CODES
from pipelines.catan.encode import BoardEncoder, NumericEncoder
from tflab.errors import UserError

def action_order(action) -> tuple:
    """A sort key for catanatron actions that does not depend on hashing."""
    return (str(action.action_type.value), str(action.value))


class _FixedOrder:
    """Hand the bot its playable actions sorted, so a seed replays in any process."""

    def decide(self, game, playable_actions):
        return super().decide(game, sorted(playable_actions, key=action_order))


class OrderedRandomPlayer(_FixedOrder, RandomPlayer):
    pass


class OrderedWeightedRandomPlayer(_FixedOrder, WeightedRandomPlayer):
    pass


class OrderedVictoryPointPlayer(_FixedOrder, VictoryPointPlayer):
    pass


BOTS = {
    "random": OrderedRandomPlayer,                # uniform over playable actions
    "weighted_random": OrderedWeightedRandomPlayer,  # random, skewed to cities > settlements
    "victory_point": OrderedVictoryPointPlayer,   # greedy on victory points after one action
}
COLORS = (Color.RED, Color.BLUE, Color.WHITE, Color.ORANGE)  # bot i plays COLORS[i]
# The three extractors of `create_sample` whose features are not on the board: calling only
# them gives exactly `NUMERIC_FEATURES` (checked in tests) at ~8× the speed of create_sample.
NUMERIC_EXTRACTORS = (player_features, resource_hand_features, game_features)


@dataclasses.dataclass
class GameRecord:
    """One game, tick by tick. Codes are exact integers (see pipelines/catan/channels.py)."""

    seed: int
    board: np.ndarray    # [T, H=11, W=21, 20] uint8 board codes
    numeric: np.ndarray  # [T, 76] int16 raw feature values
    action: np.ndarray   # [T] int16 index into ACTIONS_ARRAY
    winner: int          # index of the winning bot, -1 if the game was capped/unfinished

    @property
    def n_ticks(self) -> int:
        return len(self.action)


def check_bots(bots) -> None:
    if len(bots) != 4:
        raise UserError(f"catan needs exactly 4 bots, got {len(bots)}: {list(bots)}")
    unknown = [b for b in bots if b not in BOTS]
    if unknown:
        raise UserError(f"unknown catan bot {unknown[0]!r}; known bots: {', '.join(BOTS)}")


def make_players(bots) -> list:
    check_bots(bots)
    return [BOTS[name](color) for name, color in zip(bots, COLORS)]


def board_codes(game: Game, perspective: Color) -> np.ndarray:
    """`create_board_tensor` as [H, W, 20] integer codes (probabilities stored in 36ths)."""
    tensor = create_board_tensor(game, perspective)          # [W=21, H=11, 20] floats
    codes = np.rint(np.transpose(tensor, (1, 0, 2)) / BOARD_SCALES)
    return codes.astype(np.uint8)


def numeric_codes(game: Game, perspective: Color) -> np.ndarray:
    features = {}
    for extractor in NUMERIC_EXTRACTORS:
        features.update(extractor(game, perspective))
    values = np.array([int(features[name]) for name in NUMERIC_FEATURES], np.int64)
    if (values < 0).any() or (values > NUMERIC_MAX_CODES).any():
        bad = int(np.flatnonzero((values < 0) | (values > NUMERIC_MAX_CODES))[0])
        raise AssertionError(f"{NUMERIC_FEATURES[bad]}={values[bad]} outside the range "
                             f"assumed in channels.py (max {NUMERIC_MAX_CODES[bad]})")
    return values.astype(np.int16)


class TickRecorder(GameAccumulator):
    """Records (state, action) from the snapshot catanatron hands over before each action,
    with catanatron-gym's own tensor functions: the reference encoding the fast path
    (`FastRecorder`) is checked against.

    The perspective colour is fixed for the whole game, because the board tensor's player
    planes rotate with the colour passed to it.
    """

    def __init__(self, perspective: Color):
        self.perspective = perspective
        self.boards, self.numerics, self.actions = [], [], []

    def step(self, game_before_action, action):
        self.boards.append(board_codes(game_before_action, self.perspective))
        self.numerics.append(numeric_codes(game_before_action, self.perspective))
        self.actions.append(to_action_space(action))


class FastRecorder:
    """The same records as `TickRecorder`, at game speed.

    Used as `play_tick`'s `decide_fn`: the bot decides, then the state is encoded in place
    before catanatron applies the action. The accumulator route copies the whole game on
    every tick to hand over a snapshot (≈0.1 ms, pickled); encoding before `execute` sees
    the same state without the copy. The encoders (`pipelines.catan.encode`) resolve the
    map's fixed planes and the players' keys once per game.
    """

    def __init__(self, game: Game, perspective: Color):
        self.board = BoardEncoder(game, perspective)
        self.numeric = NumericEncoder(game, perspective)
        self.boards, self.numerics, self.actions = [], [], []

    def __call__(self, player, game, playable_actions):
        action = player.decide(game, playable_actions)
        self.boards.append(self.board(game.state))
        self.numerics.append(self.numeric(game.state))
        self.actions.append(to_action_space(action))
        return action


def play_game(seed: int, bots, max_ticks: int = 0, reference: bool = False) -> GameRecord:
    """Play game `seed` with the 4 `bots`; stop after `max_ticks` ticks if > 0.

    `reference=True` encodes through catanatron-gym's own functions (slow; same codes)."""
    if seed < 1:
        raise UserError(f"catan game seeds must be >= 1 (catanatron treats seed 0 as "
                        f"'random'); got {seed}")
    players = make_players(bots)
    game = Game(players, seed=seed)
    recorder = TickRecorder(COLORS[0]) if reference else FastRecorder(game, COLORS[0])
    tick = ((lambda: game.play_tick(accumulators=[recorder])) if reference
            else (lambda: game.play_tick(decide_fn=recorder)))
    while game.winning_color() is None and game.state.num_turns < TURNS_LIMIT:
        if max_ticks and len(recorder.actions) >= max_ticks:
            break
        tick()
    winner = game.winning_color()
    numeric = np.stack(recorder.numerics)
    if (numeric < 0).any() or (numeric > NUMERIC_MAX_CODES).any():
        bad = int(np.flatnonzero(((numeric < 0) | (numeric > NUMERIC_MAX_CODES)).any(0))[0])
        raise AssertionError(f"{NUMERIC_FEATURES[bad]} outside the range assumed in "
                             f"channels.py (max {NUMERIC_MAX_CODES[bad]})")
    return GameRecord(
        seed=seed,
        board=np.stack(recorder.boards).reshape(-1, *recorder.boards[0].shape[:2], N_BOARD),
        numeric=numeric,
        action=np.asarray(recorder.actions, np.int16),
        winner=COLORS.index(winner) if winner is not None else -1)


def play_game_args(args: tuple) -> GameRecord:
    """`play_game(*args)` for `multiprocessing.Pool.imap`."""
    return play_game(*args)
