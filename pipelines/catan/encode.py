"""Tick encoding at game speed: the same integer codes as catanatron-gym's tensors, built fast.

`create_board_tensor` rebuilds 20 nested Python lists of 21×11 floats on every tick and
converts them with `np.array` (≈0.7 ms a tick here, ≈5× the time catanatron takes to play
the tick; bench/RESULTS_catan.md, "Game generation"). Most of that board never changes in a
game: the 5 dice-probability planes and the 6 port planes are fixed by the map. So
`BoardEncoder` takes them once per game from catanatron-gym's own function and, per tick,
only writes the pieces that move (buildings, roads, robber) into a copy, through flat index
tables derived from catanatron-gym's node / edge / tile maps. `NumericEncoder` reads the 76
numeric features straight from catanatron's player state with the keys resolved once per
game, instead of building three dicts of formatted names per tick.

Both give exactly the codes of `simulate.board_codes` / `simulate.numeric_codes` (the
reference path, kept for the tests that check equality tick by tick).
"""
from __future__ import annotations

import numpy as np
from catanatron.models.decks import RESOURCE_FREQDECK_INDEXES
from catanatron.models.enums import CITY, DEVELOPMENT_CARDS, RESOURCES, ROAD, SETTLEMENT
from catanatron.models.player import Color
from catanatron.state_functions import player_key
from catanatron_gym.board_tensor_features import (NUMERIC_FEATURES, create_board_tensor,
                                                  get_node_and_edge_maps,
                                                  get_tile_coordinate_map)
from catanatron_gym.features import iter_players

from pipelines.catan.channels import BOARD_SCALES, N_BOARD, H, W

ROBBER_PLANE = 13  # 8 player planes, then 5 resource probabilities, then the robber


def _flat(x: int, y: int, plane: int) -> int:
    """Offset of codes[y, x, plane] in a C-ordered [H, W, 20] array (x: column, y: row)."""
    return (y * W + x) * N_BOARD + plane


class BoardEncoder:
    """Board codes `[H, W, 20]` uint8 of one game, seen from one fixed colour."""

    def __init__(self, game, perspective: Color):
        tensor = create_board_tensor(game, perspective)                   # [W, H, 20]
        codes = np.rint(np.transpose(tensor, (1, 0, 2)) / BOARD_SCALES).astype(np.uint8)
        dynamic = [2 * i + k for i in range(4) for k in (0, 1)] + [ROBBER_PLANE]
        codes[:, :, dynamic] = 0      # what moves is written per tick; the map stays
        self.static = codes.ravel()
        self.players = list(iter_players(tuple(game.state.colors), perspective))
        node_map, edge_map = get_node_and_edge_maps()
        self.node = {node: (y * W + x) * N_BOARD for node, (x, y) in node_map.items()}
        self.edge = {edge: (y * W + x) * N_BOARD for edge, (x, y) in edge_map.items()}
        self.robber = {}
        for coordinate, (y, x) in get_tile_coordinate_map().items():
            cells = [(x + dx, y + dy) for dx in (0, 2, 4) for dy in (0, 2)]
            self.robber[coordinate] = [_flat(cx, cy, ROBBER_PLANE) for cx, cy in cells]

    def __call__(self, state) -> np.ndarray:
        flat = self.static.copy()
        index, value = list(self.robber[state.board.robber_coordinate]), [1] * 6
        for i, color in self.players:
            buildings = state.buildings_by_color[color]
            for kind, code in ((SETTLEMENT, 1), (CITY, 2)):
                for node in buildings[kind]:
                    index.append(self.node[node] + 2 * i)
                    value.append(code)
            for edge in buildings[ROAD]:
                index.append(self.edge[edge] + 2 * i + 1)
                value.append(1)
        flat[index] = value
        return flat.reshape(H, W, N_BOARD)


class NumericEncoder:
    """The 76 `NUMERIC_FEATURES` of `create_sample` as int16 codes, read from the state."""

    def __init__(self, game, perspective: Color):
        state = game.state
        readers = {}
        for i, color in iter_players(tuple(state.colors), perspective):
            key = player_key(state, color)
            direct = {"PUBLIC_VPS": "_VICTORY_POINTS", "HAS_ARMY": "_HAS_ARMY",
                      "HAS_ROAD": "_HAS_ROAD", "ROADS_LEFT": "_ROADS_AVAILABLE",
                      "SETTLEMENTS_LEFT": "_SETTLEMENTS_AVAILABLE",
                      "CITIES_LEFT": "_CITIES_AVAILABLE", "HAS_ROLLED": "_HAS_ROLLED",
                      "LONGEST_ROAD_LENGTH": "_LONGEST_ROAD_LENGTH"}
            for name, suffix in direct.items():
                readers[f"P{i}_{name}"] = key + suffix
            for card in DEVELOPMENT_CARDS:
                readers[f"P{i}_{card}_PLAYED"] = f"{key}_PLAYED_{card}"
            readers[f"P{i}_NUM_RESOURCES_IN_HAND"] = [f"{key}_{r}_IN_HAND" for r in RESOURCES]
            readers[f"P{i}_NUM_DEVS_IN_HAND"] = [f"{key}_{c}_IN_HAND"
                                                 for c in DEVELOPMENT_CARDS]
            if color == perspective:
                readers["P0_ACTUAL_VPS"] = key + "_ACTUAL_VICTORY_POINTS"
                for name in [*RESOURCES, *DEVELOPMENT_CARDS]:
                    readers[f"P0_{name}_IN_HAND"] = f"{key}_{name}_IN_HAND"
                readers["P0_HAS_PLAYED_DEVELOPMENT_CARD_IN_TURN"] = (
                    key + "_HAS_PLAYED_DEVELOPMENT_CARD_IN_TURN")
        self.readers = [readers.get(name) for name in NUMERIC_FEATURES]
        self.bank = {f"BANK_{r}": RESOURCE_FREQDECK_INDEXES[r] for r in RESOURCES}

    def __call__(self, state) -> np.ndarray:
        player = state.player_state
        kinds = {a.action_type.value for a in state.playable_actions}
        out = []
        for name, reader in zip(NUMERIC_FEATURES, self.readers):
            if isinstance(reader, str):
                out.append(player[reader])
            elif reader is not None:
                out.append(sum(player[k] for k in reader))
            elif name == "BANK_DEV_CARDS":
                out.append(len(state.development_listdeck))
            elif name in self.bank:
                out.append(state.resource_freqdeck[self.bank[name]])
            elif name == "IS_MOVING_ROBBER":
                out.append("MOVE_ROBBER" in kinds)
            elif name == "IS_DISCARDING":
                out.append("DISCARD" in kinds)
            else:  # a feature this encoder does not know: fail, never guess
                raise KeyError(f"no fast reader for catanatron feature {name}")
        return np.asarray(out, np.int16)
