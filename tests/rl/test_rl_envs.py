"""Environments from their own packages, variants, and the one-line user errors."""
import subprocess
import sys

import numpy as np
import pytest

from configs.base import load_config
from pipelines.envs import make_env, make_vec_env
from tflab.errors import UserError
from tfmodels.families import get_family
from tuning.grid import check_names


@pytest.mark.parametrize("variant", ["rectangle", "green_line", "diagonal"])
def test_variant_changes_observations_not_the_action_space(variant):
    plain = make_env("MinAtar/Breakout-v1", "none", seed=3)
    other = make_env("MinAtar/Breakout-v1", variant, seed=3)
    assert other.action_space == plain.action_space
    obs_a, _ = plain.reset(seed=3)
    obs_b, _ = other.reset(seed=3)
    assert obs_b.shape == obs_a.shape and obs_b.dtype == obs_a.dtype
    assert not np.array_equal(obs_a, obs_b)
    # only the distractor channel (default: the last) differs
    np.testing.assert_array_equal(obs_a[..., :-1], obs_b[..., :-1])
    for _ in range(5):
        obs_a, *_ = plain.step(1)
        obs_b, *_ = other.step(1)
        np.testing.assert_array_equal(obs_a[..., :-1], obs_b[..., :-1])


def test_sticky_variant_changes_dynamics_and_noise_variant_vectors():
    sticky = make_env("MinAtar/Breakout-v1", "sticky")
    assert sticky.unwrapped.game.sticky_action_prob == pytest.approx(0.3)
    noisy = make_env("CartPole-v1", "noise", seed=0)
    plain = make_env("CartPole-v1", "none")
    assert noisy.action_space == plain.action_space
    a, _ = noisy.reset(seed=0)
    b, _ = plain.reset(seed=0)
    assert a.shape == b.shape and not np.allclose(a, b)


def test_vector_env_deals_variants_round_robin_and_is_seeded():
    envs = make_vec_env("MinAtar/Breakout-v1", ["none", "diagonal"], 4, seed=0)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (4, 10, 10, 4)
    diag = np.arange(10), 9 - np.arange(10)
    assert obs[1][diag + (3,)].all() and obs[3][diag + (3,)].all()
    again, _ = make_vec_env("MinAtar/Breakout-v1", ["none", "diagonal"], 4, seed=0).reset(seed=0)
    np.testing.assert_array_equal(obs, again)


@pytest.mark.parametrize("overrides,needle", [
    (["env_id=MinAtar/Pong-v1"], "unknown env_id"),
    (["train_variants=none,checkerboard"], "unknown variant"),
    (["heldout_variants=rectangle"], "unknown variant"),  # image variant on CartPole
    (["n_envs=0"], "n_envs"),
    (["ent_coef=-0.1"], "ent_coef"),
    (["repr_coef=-1"], "repr_coef"),
    (["attention=true"], "attention needs image"),
    (["contra_view=shift"], "contra_view=shift"),
])
def test_bad_configs_raise_one_line_user_errors(overrides, needle):
    """The config checks its values; the family checks what they name when it loads data."""
    with pytest.raises(UserError, match=needle) as info:
        get_family("a2c").load_data(load_config("a2c_cartpole", overrides))
    assert "\n" not in str(info.value)


def test_grid_checks_every_named_environment_before_any_trial():
    config = load_config("a2c_cartpole")
    config.grid = {"env_id": ["CartPole-v1", "MinAtar/Pong-v1"]}
    with pytest.raises(UserError, match="unknown env_id 'MinAtar/Pong-v1'"):
        check_names(config, get_family("a2c"))
    config.grid = {"env_id": ["CartPole-v1"], "attention": [False, True]}
    with pytest.raises(UserError, match="attention needs image"):
        check_names(config, get_family("a2c"))


def test_cli_exits_2_with_one_line():
    result = subprocess.run([sys.executable, "-m", "tfmodels.rl", "a2c_cartpole", "--set",
                             "n_envs=0"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.splitlines()  # every line: no warning or notice beside the error
    assert len(lines) == 1 and lines[0].startswith("tflab: error:"), result.stderr
    assert "n_envs" in lines[0]
