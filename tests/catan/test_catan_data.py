"""Catan data: real catanatron games → codes → channels-first tensors → per-head targets."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from catanatron.game import Game
from catanatron.models.player import Color, RandomPlayer
from catanatron_gym.board_tensor_features import NUMERIC_FEATURES, create_board_tensor
from catanatron_gym.features import create_sample

from pipelines.catan import layout, windows
from pipelines.catan.__main__ import main as generate_main
from pipelines.catan.builder import games_config, prepare
from pipelines.catan.channels import C_A, C_S, C_T, N_BOARD, STATE_CHANNELS, H, W, head_split
from pipelines.catan.simulate import board_codes, numeric_codes, play_game
from tflab.errors import UserError

BOTS = ("victory_point", "weighted_random", "weighted_random", "random")
HISTORY, FUTURE = 16, 4


@pytest.fixture(scope="module")
def game():
    return play_game(7, BOTS, max_ticks=40)


def notes_window(record, start=0):
    span = slice(start, start + HISTORY + FUTURE)
    return layout.to_notes(record.board[None, span], record.numeric[None, span],
                           record.action[None, span], HISTORY)


def test_codes_are_catanatron_features():
    """Board codes decode to create_board_tensor, numeric codes to create_sample's values."""
    game = Game([RandomPlayer(c) for c in (Color.RED, Color.BLUE, Color.WHITE, Color.ORANGE)],
                seed=3)
    for _ in range(60):
        game.play_tick()
    board = board_codes(game, Color.RED).astype(np.float32)
    scales = np.array([c.scale for c in STATE_CHANNELS[:N_BOARD]], np.float32)
    expected = np.transpose(create_board_tensor(game, Color.RED), (1, 0, 2))
    np.testing.assert_allclose(board * scales, expected, atol=1e-6)
    sample = create_sample(game, Color.RED)
    assert numeric_codes(game, Color.RED).tolist() == [int(sample[n]) for n in NUMERIC_FEATURES]


def test_window_shapes_and_channel_types(game):
    assert game.board.shape == (40, H, W, N_BOARD) and game.board.dtype == np.uint8
    assert game.numeric.shape == (40, 76) and game.action.shape == (40,)
    x, (states, actions) = notes_window(game)
    assert x.shape == (1, HISTORY * (C_S + C_A), H, W) == (1, 16 * 386, 11, 21)
    assert states.shape == (1, FUTURE * C_S, H, W) and actions.shape == (1, FUTURE, C_A)
    np.testing.assert_array_equal(tf.reduce_sum(actions, -1), np.ones((1, FUTURE)))
    planes = x.numpy().reshape(HISTORY, C_T, H, W)
    for c, channel in enumerate(STATE_CHANNELS):
        values = planes[:, c]
        if not channel.spatial:  # numeric features are constant planes
            assert np.all(values == values[:, :1, :1])
        if channel.kind == "categorical":
            assert set(np.unique(values)) <= set(channel.classes), channel.name
        elif channel.kind == "binary":
            assert set(np.unique(values)) <= {0.0, 1.0}, channel.name
        else:
            steps = values / channel.quantum
            np.testing.assert_allclose(steps, np.round(steps), atol=1e-4, err_msg=channel.name)
            assert values.min() >= 0 and values.max() <= 1, channel.name
    # the action planes of each history step one-hot encode the recorded action
    action_planes = planes[:, C_S:, 0, 0]
    np.testing.assert_array_equal(action_planes.argmax(-1), game.action[:HISTORY])


def test_game_replayed_from_its_seed_gives_identical_tensors(game):
    again = play_game(7, BOTS, max_ticks=40)
    first, second = notes_window(game, 5), notes_window(again, 5)
    for a, b in zip(tf.nest.flatten(first), tf.nest.flatten(second)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = play_game(8, BOTS, max_ticks=40)
    assert not np.array_equal(other.action, game.action)


def digest(record) -> str:
    return hashlib.sha1(record.board.tobytes() + record.numeric.tobytes()
                        + record.action.tobytes()).hexdigest()


def test_game_replayed_in_another_process_is_identical():
    """Catanatron orders some playable actions by hash (None's hash is its address in
    Python 3.11): before the bots saw a fixed order, game 1 diverged at tick 24 from one
    process to the next. Replay it in a fresh process with another hash seed."""
    code = ("import hashlib; from pipelines.catan.simulate import play_game; "
            f"r = play_game(1, {BOTS!r}, max_ticks=60); "
            "print(hashlib.sha1(r.board.tobytes() + r.numeric.tobytes() "
            "+ r.action.tobytes()).hexdigest())")
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(repo))
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == digest(play_game(1, BOTS, max_ticks=60))


def test_head_split_covers_every_channel_once_and_merges_back(game):
    split = head_split(FUTURE)
    every = np.concatenate(list(split.indices.values()))
    assert sorted(every.tolist()) == list(range(FUTURE * C_S))
    _, (states, actions) = notes_window(game, 3)
    targets = layout.split_targets(states, actions, split)
    perfect = {  # logits/values that predict the targets exactly
        "categorical": tf.one_hot(targets["categorical"], 3) * 10.0,
        "binary": (2.0 * targets["binary"] - 1.0) * 10.0,
        "float": targets["float"],
        "action": tf.one_hot(targets["action"], C_A) * 10.0,
    }
    merged_states, merged_actions = layout.merge_heads(perfect, split)
    np.testing.assert_allclose(merged_states.numpy(), states.numpy(), atol=1e-6)
    np.testing.assert_array_equal(merged_actions.numpy(), actions.numpy())


def test_tfds_builder_is_split_by_game_and_matches_the_simulator(tmp_path):
    config = games_config(BOTS, seed_start=11, n_games=3, max_ticks=30, val_fraction=0.34,
                          workers=1)
    data = windows.load_games(config, str(tmp_path), span=HISTORY + FUTURE)
    assert data.games["train"]["seed"] == [11, 12] and data.games["validation"]["seed"] == [13]
    assert str(data.builder.info.version) == "1.1.0"
    stored = windows.fixed_windows(data, "validation", 11, span=20, seed=0)
    assert [a.shape[0] for a in stored] == [11, 11, 11]  # 30 ticks hold 11 windows
    replay = play_game(13, BOTS, max_ticks=30)
    np.testing.assert_array_equal(stored[0][0], replay.board[:20])
    np.testing.assert_array_equal(stored[2][-1], replay.action[10:30])
    with pytest.raises(UserError, match="longer than game"):
        windows.load_games(config, str(tmp_path), span=31)
    assert prepare(config, str(tmp_path)).stats["games"] == 0  # reused, not regenerated


def test_generator_cli_errors_are_one_line(tmp_path, capsys):
    assert generate_main(["--games", "0", "--out", str(tmp_path)]) == 2
    assert generate_main(["--games", "3", "--set", "bots=random,foo,random,random",
                          "--out", str(tmp_path)]) == 2
    assert generate_main(["--games", "3", "--set", "max_ticks=10", "--out", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("tflab: error:") for line in lines)
    assert "foo" in lines[1] and "longer than a game" in lines[2]
