"""Fast tick encoding (same codes as catanatron-gym) and the held-out-games split."""
import numpy as np
import pytest

from configs.base import load_config
from pipelines.catan import windows
from pipelines.catan.builder import games_config, split_seeds
from pipelines.catan.simulate import play_game
from tflab.errors import UserError

BOTS = ("victory_point", "weighted_random", "weighted_random", "random")


@pytest.mark.parametrize("seed, max_ticks", [(2, 0), (3, 250)])
def test_fast_encoding_gives_catanatron_gyms_codes_tick_by_tick(seed, max_ticks):
    reference = play_game(seed, BOTS, max_ticks, reference=True)
    fast = play_game(seed, BOTS, max_ticks)
    assert fast.n_ticks == reference.n_ticks > 100 and fast.winner == reference.winner
    np.testing.assert_array_equal(fast.board, reference.board)
    np.testing.assert_array_equal(fast.numeric, reference.numeric)
    np.testing.assert_array_equal(fast.action, reference.action)
    assert len(np.unique(fast.board[:, :, :, 13].reshape(fast.n_ticks, -1), axis=0)) > 1


def test_heldout_config_scores_games_no_training_run_sees():
    config = load_config("catan_heldout")
    games = games_config(config.bots, config.seed_start, config.n_games, config.max_ticks,
                         config.val_fraction)
    seeds = split_seeds(games)
    assert not set(seeds["train"]) & set(seeds["validation"])
    assert len(seeds["validation"]) == 20 and max(config.grid["train_games"]) <= len(
        seeds["train"])


def test_first_games_restricts_training_and_leaves_held_out_games(tmp_path):
    config = games_config(BOTS, seed_start=1, n_games=4, max_ticks=24, val_fraction=0.25,
                          workers=1)
    data = windows.load_games(config, str(tmp_path), span=20)
    part = data.first_games("train", 2)
    assert part.games["train"]["seed"] == [1, 2] and part.games["validation"]["seed"] == [4]
    assert not set(part.games["train"]["seed"]) & set(part.games["validation"]["seed"])
    streamed = sum(1 for _ in windows.stream_windows(part, "train", 20, 1, shuffle=False,
                                                     seed=0))
    assert streamed == 2 * (24 - 20 + 1)            # the third training game is left out
    held_out = sum(1 for _ in windows.stream_windows(part, "validation", 20, 1,
                                                     shuffle=False, seed=0))
    assert held_out == 24 - 20 + 1
    assert data.first_games("train", 0) is data
    with pytest.raises(UserError, match="train_games=5"):
        data.first_games("train", 5)
