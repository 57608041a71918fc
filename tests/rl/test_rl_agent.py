"""The actor-critic network: SB3/CleanRL initialisation and the heads it exposes."""
import math

import numpy as np
import pytest

from configs.families.a2c import A2CConfig
from tfmodels.rl.agent import build_agent, normalizer_of, policy_model


def _kernel_gram(kernel):
    w = np.asarray(kernel).reshape(-1, kernel.shape[-1])  # conv: (kh·kw·cin, cout)
    return w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T


def _assert_orthogonal(kernel, gain):
    gram = _kernel_gram(kernel)
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(len(gram)), atol=1e-4 * max(1, gain ** 2))


@pytest.mark.parametrize("env_id,obs_shape,body", [
    ("CartPole-v1", (4,), ["body_dense0", "body_dense1"]),
    ("MinAtar/Breakout-v1", (10, 10, 4), ["conv0", "body_dense"]),
])
def test_orthogonal_init_with_sb3_gains(env_id, obs_shape, body):
    config = A2CConfig(env_id=env_id)
    agent = build_agent(obs_shape, 3, config)
    for name in body:
        _assert_orthogonal(agent.get_layer(name).kernel.numpy(), math.sqrt(2))
    _assert_orthogonal(agent.get_layer("policy").kernel.numpy(), 0.01)
    _assert_orthogonal(agent.get_layer("value").kernel.numpy(), 1.0)
    for layer in agent.layers:
        if getattr(layer, "bias", None) is not None:
            assert not np.any(layer.bias.numpy()), layer.name


def test_glorot_switch_is_not_orthogonal():
    agent = build_agent((4,), 2, A2CConfig(init="glorot"))
    gram = _kernel_gram(agent.get_layer("body_dense1").kernel.numpy())
    assert not np.allclose(gram, 2.0 * np.eye(len(gram)), atol=1e-2)


def test_heads_and_policy_view():
    config = A2CConfig(env_id="MinAtar/Breakout-v1", attention=True, repr_coef=0.05,
                       normalize_obs=True)
    agent = build_agent((10, 10, 4), 3, config)
    out = agent(np.zeros((2, 10, 10, 4), np.float32))
    assert out["logits"].shape == (2, 3) and out["value"].shape == (2, 1)
    assert out["mask"].shape == (2, 10, 10, 1) and out["decoded"].shape == (2, 10, 10, 4)
    assert out["recon"].shape == (2, 10, 10, 4) and out["projection"].shape == (2, 64)
    logits, value = policy_model(agent)(np.zeros((2, 10, 10, 4), np.float32))
    np.testing.assert_allclose(logits.numpy(), out["logits"].numpy(), rtol=1e-6)
    assert normalizer_of(agent) is not None


@pytest.mark.parametrize("env_id,obs_shape,extra", [
    ("CartPole-v1", (4,), {}),
    ("CartPole-v1", (4,), {"shared_mlp": True}),
    ("MinAtar/Breakout-v1", (10, 10, 4), {"attention": True, "repr_coef": 0.05}),
    ("MinAtar/Breakout-v1", (10, 10, 4), {"conv_filters": [8, 8]}),
])
def test_numpy_acting_path_matches_keras(env_id, obs_shape, extra):
    from tfmodels.rl.numpy_policy import NumpyPolicy

    config = A2CConfig(env_id=env_id, normalize_obs=True, **extra)
    agent = build_agent(obs_shape, 3, config)
    x = np.random.default_rng(0).normal(size=(5,) + obs_shape).astype(np.float32)
    agent(x * 3 + 1, training=True)  # non-trivial normaliser statistics
    fast = NumpyPolicy(policy_model(agent))
    logits, value = policy_model(agent)(x)
    np_logits, np_value = fast(x)
    np.testing.assert_allclose(np_logits, logits.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np_value, value.numpy(), rtol=1e-4, atol=1e-5)
    agent.get_layer("value").bias.assign([1.5])  # stale until sync()
    fast.sync()
    np.testing.assert_allclose(fast(x)[1], policy_model(agent)(x)[1].numpy(), rtol=1e-4,
                               atol=1e-5)
