"""HAC end to end with tiny budgets on real envs: one normalizer for every worker, resumed
statistics, repeatable runs, learning on the pendulum, the run directory, CLI errors."""
import json

import keras
import numpy as np
import pandas as pd
import pytest

from configs.base import load_config
from tests.cli import run_cli
from tflab.errors import UserError
from tfmodels.families import get_family
from tfmodels.rl.hac.train import HACTrainer

TINY = ["episodes=4", "test_every=0", "test_episodes=4", "max_episode_steps=20",
        "updates_per_episode=2", "batch_size=32", "hidden=16,16"]


def test_one_normalizer_counts_every_frame_of_all_four_workers():
    config = load_config("hac_pendulum", TINY + ["n_envs=4", "vector_env=async"])
    trainer = HACTrainer(config, None, verbose=0)
    trainer.frames_seen = []
    metrics = trainer.learn()
    frames = np.concatenate(trainer.frames_seen).astype(np.float64)
    assert metrics["env_steps"] == len(frames) == 4 * 20 * (metrics["episodes"] // 4)
    # the bug this guards against: each worker process keeps its own statistics
    assert metrics["normalizer_count"] == metrics["env_steps"] == metrics["goal_normalizer_count"]
    norm = trainer.obs_norm
    assert norm.count.numpy() == len(frames)
    np.testing.assert_allclose(norm.mean.numpy(), frames.mean(0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(norm.variance.numpy(), frames.var(0), rtol=1e-6)
    assert len({tuple(f) for f in frames[:4]}) == 4  # four different workers per tick


SYNC = TINY + ["vector_env=sync", "random_seed=3", "test_every=2"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny 2-level pendulum run through the family (shared by the tests below)."""
    run_dir = tmp_path_factory.mktemp("hac") / "run"
    metrics = get_family("hac").train(load_config("hac_pendulum", SYNC), None, run_dir,
                                      verbose=0)
    return run_dir, metrics


def test_normalizer_init_resumes_the_saved_sums_and_counts_exactly(tiny_run):
    first, _ = tiny_run
    saved = json.loads((first / "normalizer.json").read_text())
    config = load_config("hac_pendulum", TINY + ["vector_env=sync", "random_seed=5",
                                                 f"normalizer_init={first}"])
    trainer = HACTrainer(config, None, verbose=0)
    for layer, key in ((trainer.obs_norm, "obs_normalizer"),
                       (trainer.goal_norm, "goal_normalizer")):
        assert layer.count.numpy() == saved[key]["count"] == 80
        np.testing.assert_array_equal(layer.mean.numpy(), saved[key]["mean"])
        np.testing.assert_array_equal(layer.m2.numpy(), saved[key]["m2"])
        np.testing.assert_allclose(layer.sum.numpy(), saved[key]["sum"])
    trainer.frames_seen = []
    metrics = trainer.learn()
    assert metrics["normalizer_initial_count"] == 80
    assert metrics["normalizer_count"] == metrics["env_steps"]   # this run's frames
    # the new frames moved the saved statistics by their share, not overwrote them
    old_count, old_mean = 80, np.asarray(saved["obs_normalizer"]["mean"])
    new = np.concatenate(trainer.frames_seen).astype(np.float64)
    expected = (old_count * old_mean + new.sum(0)) / (old_count + len(new))
    np.testing.assert_allclose(trainer.obs_norm.mean.numpy(), expected, rtol=1e-9)


def test_normalizer_init_of_a_missing_run_is_one_line_exit_2(tmp_path):
    result = run_cli("tfmodels.rl", "hac_pendulum", "--set",
                     f"normalizer_init={tmp_path / 'nope'}")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "normalizer_init" in result.stderr


def test_same_seed_same_test_success_and_same_episodes_csv(tiny_run, tmp_path):
    first, _ = tiny_run
    get_family("hac").train(load_config("hac_pendulum", SYNC), None, tmp_path, verbose=0)
    a, b = ((d / "episodes.csv").read_text() for d in (first, tmp_path))
    assert a == b and len(a.splitlines()) == 5
    tests_a, tests_b = (pd.read_csv(d / "tests.csv") for d in (first, tmp_path))
    pd.testing.assert_series_equal(tests_a["test_success_rate"], tests_b["test_success_rate"])
    pd.testing.assert_series_equal(tests_a["l1/critic_loss"], tests_b["l1/critic_loss"])


def test_run_directory_holds_every_file_and_diagnostic(tiny_run):
    run_dir, metrics = tiny_run
    for name in ("config.json", "episodes.csv", "tests.csv", "metrics.json", "model.keras",
                 "normalizer.json"):
        assert (run_dir / name).exists(), name
    assert list((run_dir / "tensorboard").iterdir())
    saved = json.loads((run_dir / "metrics.json").read_text())
    for key in ("test_success_rate", "episodes_to_90", "env_steps", "normalizer_count",
                "seconds"):
        assert key in saved, key
    assert saved["normalizer_count"] == saved["env_steps"] == metrics["env_steps"] == 80
    episodes = pd.read_csv(run_dir / "episodes.csv")
    assert {"episode", "env_steps", "success", "return", "l0_subgoal_success"} <= set(
        episodes.columns)
    tests = pd.read_csv(run_dir / "tests.csv")
    assert list(tests["episodes"]) == [0, 4]  # 4 workers end their 20-step episodes together
    for column in ("test_success_rate", "env_steps", "l0/goal_success", "l1/subgoal_spread",
                   "l1/clipped_share", "l0/q_mean", "l1/q_mean", "l0/critic_loss",
                   "l1/actor_loss"):
        assert column in tests.columns, column
    assert np.isfinite(tests["l1/subgoal_spread"].iloc[-1])
    model = keras.saving.load_model(run_dir / "model.keras")
    counts = {layer.name: float(layer.count.numpy()) for layer in model.layers
              if "normalizer" in layer.name}
    assert counts == {"obs_normalizer": 80, "goal_normalizer": 80}


@pytest.mark.parametrize("override, expected", [
    ("env_id=Nope-v0", "unknown env_id"), ("levels=0", "levels must be >= 1"),
    ("H=0", "H must be >= 1"), ("goal_thresholds=0.1,0.1", "goal_thresholds has 2 values"),
    ("subgoal_thresholds=0.1", "subgoal_thresholds has 1 values"),
    ("subgoal_noise=-0.1", "subgoal_noise must be >= 0"), ("gamma=-1", "gamma must be >= 0"),
    ("random_action_share=-0.2", "random_action_share must be >= 0")])
def test_bad_values_name_the_problem(override, expected):
    """Values fail in the config; what depends on the named task, in the family's check."""
    with pytest.raises(UserError, match=expected):
        get_family("hac").load_data(load_config("hac_panda_reach", [override]))


@pytest.mark.slow
def test_hac_pendulum_improves_test_success_within_a_small_budget():
    config = load_config("hac_pendulum", ["vector_env=sync", "episodes=60", "test_every=30",
                                          "test_episodes=20"])
    trainer = HACTrainer(config, None, verbose=0)
    trainer.learn()
    success = [row["test_success_rate"] for row in trainer.log.tests]
    assert success[-1] >= success[0] + 0.3, success


@pytest.mark.slow
def test_levels_grid_summary_shows_both_levels_with_seed_spread(tmp_path):
    tiny = sum((["--set", o] for o in TINY + ["episodes=2", "vector_env=sync", "n_envs=1",
                                              "max_episode_steps=10", "hidden=8"]), [])
    result = run_cli("tuning.grid", "hac_levels", *tiny, "--max-trials", "3",
                     "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("levels")
    assert set(summary.index) == {1, 2}
    assert summary.loc[1, "seeds"] == 2 and summary.loc[2, "seeds"] == 1  # (0,1) (0,2) (1,1)
    for column in ("test_success_rate_mean", "test_success_rate_sd", "episodes_to_90_n",
                   "episodes_to_90_mean", "episodes_to_90_sd"):
        assert column in summary.columns, column
    results = pd.read_csv(tmp_path / "results.csv")
    assert (results["normalizer_count"] == results["env_steps"]).all()


def test_first_block_at_a_level_and_none_when_never_reached():
    from tfmodels.rl.hac.train import first_block

    tests = [{"episodes": 0, "env_steps": 0, "test_success_rate": 0.1},
             {"episodes": 10, "env_steps": 900, "test_success_rate": 0.55},
             {"episodes": 20, "env_steps": 1700, "test_success_rate": 0.4},
             {"episodes": 30, "env_steps": 2500, "test_success_rate": 0.9}]
    assert first_block(tests, 0.5, "50") == {"episodes_to_50": 10, "env_steps_to_50": 900}
    assert first_block(tests, 0.9, "90") == {"episodes_to_90": 30, "env_steps_to_90": 2500}
    assert first_block(tests, 0.95, "95") == {"episodes_to_95": None, "env_steps_to_95": None}
