"""What every channel of a Catan timestep means: its name, its type, and how it is stored.

The model sees a timestep as `C_s` state planes followed by `C_a` action planes on the
11×21 board. The *type* of a channel decides how it must be predicted (one head per type
beats one regression over everything), so the type lives here, next to the data,
and both the pipeline (target split) and the model (one head per type) read it:

- state = the 20 planes of `catanatron_gym.board_tensor_features.create_board_tensor`
  (transposed to H=11 rows × W=21 columns), then the 76 numeric features of
  `catanatron_gym.features.create_sample` that are not on the board
  (`board_tensor_features.NUMERIC_FEATURES`, in that order), each broadcast to a constant
  plane;
- action = one-hot over `catanatron_gym.envs.catanatron_env.ACTIONS_ARRAY` (290 entries),
  each broadcast to a constant plane.

Types: **categorical** (with its class values), **binary**, **float** (with its quantum: the
step between two values the channel can take, e.g. 1/25 for the bank's dev cards, 1/36 for a
dice probability). Every value is stored as an integer code; `value = code * quantum` for
float channels and `value = code` otherwise, so storage is exact and small.
"""
from __future__ import annotations

import dataclasses
import re

import numpy as np
from catanatron.models.enums import RESOURCES
from catanatron_gym.board_tensor_features import CHANNELS, HEIGHT, NUMERIC_FEATURES, WIDTH
from catanatron_gym.envs.catanatron_env import ACTIONS_ARRAY

H, W = HEIGHT, WIDTH          # 11 rows × 21 columns (catanatron's tensor is W×H×C; we transpose)
N_BOARD = CHANNELS            # 20 board planes for 4 players
N_NUMERIC = len(NUMERIC_FEATURES)  # 76
C_S = N_BOARD + N_NUMERIC     # 96 state channels per timestep
C_A = len(ACTIONS_ARRAY)      # 290 action channels per timestep
C_T = C_S + C_A               # 386 channels per (state, action) timestep
STATE_KINDS = ("categorical", "binary", "float")


@dataclasses.dataclass(frozen=True)
class Channel:
    """One state channel. `spatial=False` marks a numeric feature broadcast to a plane."""

    name: str
    kind: str                   # "categorical" | "binary" | "float"
    spatial: bool
    classes: tuple = ()         # categorical: the values it takes, in class order
    quantum: float = 1.0        # float: step between representable values (value = code*quantum)

    @property
    def scale(self) -> float:
        """Factor from stored integer code to value."""
        return self.quantum if self.kind == "float" else 1.0


def _board_channels() -> list[Channel]:
    """The layout documented in `create_board_tensor` for 4 players."""
    channels = []
    for i in range(4):  # players rotate so that P0 is the perspective colour
        channels.append(Channel(f"P{i}_BUILDING", "categorical", True, classes=(0, 1, 2)))
        channels.append(Channel(f"P{i}_ROAD", "binary", True))
    for resource in RESOURCES:  # sum of dice probabilities of adjacent tiles: k/36
        channels.append(Channel(f"{resource}_PROBA", "float", True, quantum=1 / 36))
    channels.append(Channel("ROBBER", "binary", True))
    for port in [*RESOURCES, "3:1"]:
        channels.append(Channel(f"PORT_{port}", "binary", True))
    assert len(channels) == N_BOARD
    return channels


# Largest value each numeric count can take in a 4-player base game; value/max ∈ [0, 1],
# so the quantum is 1/max (devcardsleft: 25 cards -> steps of 0.04).
_COUNT_MAX = [
    (r"^BANK_DEV_CARDS$", 25),
    (r"^BANK_", 19),
    (r"_VPS$", 15),
    (r"_ROADS_LEFT$", 15),
    (r"_SETTLEMENTS_LEFT$", 5),
    (r"_CITIES_LEFT$", 4),
    (r"_LONGEST_ROAD_LENGTH$", 15),
    (r"_NUM_RESOURCES_IN_HAND$", 95),
    (r"_NUM_DEVS_IN_HAND$", 25),
    (r"_KNIGHT_(IN_HAND|PLAYED)$", 14),
    (r"_VICTORY_POINT_IN_HAND$", 5),
    (r"_(ROAD_BUILDING|MONOPOLY|YEAR_OF_PLENTY)_(IN_HAND|PLAYED)$", 2),
    (r"_(WOOD|BRICK|SHEEP|WHEAT|ORE)_IN_HAND$", 19),
]
_BINARY = re.compile(r"^IS_|_HAS_")


def _numeric_channel(name: str) -> Channel:
    if _BINARY.search(name):
        return Channel(name, "binary", False)
    for pattern, maximum in _COUNT_MAX:
        if re.search(pattern, name):
            return Channel(name, "float", False, quantum=1 / maximum)
    raise KeyError(f"no type known for catanatron feature {name}")


STATE_CHANNELS: tuple[Channel, ...] = tuple(_board_channels()
                                            + [_numeric_channel(n) for n in NUMERIC_FEATURES])
BOARD_SCALES = np.array([c.scale for c in STATE_CHANNELS[:N_BOARD]], np.float32)
NUMERIC_SCALES = np.array([c.scale for c in STATE_CHANNELS[N_BOARD:]], np.float32)
NUMERIC_MAX_CODES = np.array([round(1 / c.quantum) if c.kind == "float" else 1
                              for c in STATE_CHANNELS[N_BOARD:]], np.int64)


@dataclasses.dataclass(frozen=True)
class HeadSplit:
    """Which channels of the future-state tensor `[4·C_s, H, W]` each head predicts.

    `indices[kind]` are positions on that channel axis (timestep-major, oldest first);
    `spatial[kind]` says, per position, whether it is a board plane or a broadcast feature;
    `quantum["float"]` is the per-position quantum for the within-half-quantum accuracy.
    """

    future: int
    indices: dict
    spatial: dict
    quantum: dict
    names: dict

    def size(self, kind: str) -> int:
        return len(self.indices[kind])


def head_split(future: int) -> HeadSplit:
    """Partition the `future·C_s` state channels by type (every channel exactly once)."""
    indices = {k: [] for k in STATE_KINDS}
    spatial = {k: [] for k in STATE_KINDS}
    quantum = {k: [] for k in STATE_KINDS}
    names = {k: [] for k in STATE_KINDS}
    for t in range(future):
        for c, channel in enumerate(STATE_CHANNELS):
            indices[channel.kind].append(t * C_S + c)
            spatial[channel.kind].append(channel.spatial)
            quantum[channel.kind].append(channel.quantum)
            names[channel.kind].append(f"t+{t + 1}:{channel.name}")
    as_array = lambda d, dtype: {k: np.asarray(v, dtype) for k, v in d.items()}  # noqa: E731
    return HeadSplit(future, as_array(indices, np.int32), as_array(spatial, bool),
                     as_array(quantum, np.float32), names)


def categorical_classes() -> int:
    """All categorical channels share one class count (buildings: none/settlement/city)."""
    counts = {len(c.classes) for c in STATE_CHANNELS if c.kind == "categorical"}
    assert len(counts) == 1, counts
    return counts.pop()
