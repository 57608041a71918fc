"""A2C loss against a hand computation; representation losses finite, zero where expected,
and each one's gradient reaching the shared body."""
import numpy as np
import tensorflow as tf

from configs.families.a2c import A2CConfig
from tfmodels.rl import losses as L
from tfmodels.rl.agent import build_agent
from tfmodels.rl.update import repr_terms


def test_a2c_loss_matches_hand_computation():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0], [-1.0, 3.0, 1.0]], np.float32)
    values = np.array([0.5, -1.0, 2.0], np.float32)
    actions = np.array([1, 0, 2], np.int32)
    advantages = np.array([1.5, -0.5, 0.25], np.float32)
    returns = np.array([2.0, -1.5, 2.5], np.float32)
    pg, vf, ent = L.a2c_terms(logits, values, actions, advantages, returns)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    hand_pg = -np.mean(advantages * np.log(p[np.arange(3), actions]))
    hand_vf = np.mean((returns - values) ** 2)
    hand_ent = np.mean(-(p * np.log(p)).sum(1))
    np.testing.assert_allclose([pg, vf, ent], [hand_pg, hand_vf, hand_ent], rtol=1e-5)
    total = L.a2c_loss(pg, vf, ent, ent_coef=0.01, vf_coef=0.5)
    np.testing.assert_allclose(total, hand_pg - 0.01 * hand_ent + 0.5 * hand_vf, rtol=1e-5)


def _hand_gae(r, v, d, last, gamma, lam):
    T = len(r)
    adv = np.zeros_like(r)
    nxt_adv, nxt_v = np.zeros_like(last), last
    for t in reversed(range(T)):
        delta = r[t] + gamma * nxt_v * (1 - d[t]) - v[t]
        nxt_adv = delta + gamma * lam * (1 - d[t]) * nxt_adv
        adv[t], nxt_v = nxt_adv, v[t]
    return adv


def test_n_step_returns_and_gae():
    rng = np.random.default_rng(0)
    r = rng.normal(size=(5, 3)).astype(np.float32)
    v = rng.normal(size=(5, 3)).astype(np.float32)
    d = np.zeros((5, 3), np.float32)
    d[2, 1] = 1.0
    last = rng.normal(size=3).astype(np.float32)
    adv, ret = L.gae(tf.constant(r), tf.constant(v), tf.constant(d), tf.constant(last), 0.9, 1.0)
    # λ = 1: the discounted n-step return, cut at the episode end, bootstrapped from `last`
    np.testing.assert_allclose(ret.numpy()[3:, 0], [r[3, 0] + 0.9 * r[4, 0] + 0.81 * last[0],
                                                    r[4, 0] + 0.9 * last[0]], rtol=1e-5)
    np.testing.assert_allclose(ret.numpy()[2, 1], r[2, 1], rtol=1e-5)  # episode ended at t=2
    adv95, _ = L.gae(tf.constant(r), tf.constant(v), tf.constant(d), tf.constant(last), 0.9, 0.95)
    np.testing.assert_allclose(adv95.numpy(), _hand_gae(r, v, d, last, 0.9, 0.95), rtol=1e-5)


def test_info_nce_zero_for_perfect_views_and_finite_otherwise():
    eye = np.eye(4, 8, dtype=np.float32)
    assert float(L.info_nce(eye, eye, np.ones(4), temperature=0.01)) < 1e-6
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 6, 8)).astype(np.float32)
    value = float(L.info_nce(a, b, np.ones(6), 0.1))
    assert np.isfinite(value) and value > 0
    # an invalid pair (episode boundary) does not count
    only_first = float(L.info_nce(eye, np.roll(eye, 1, 0), np.array([1, 0, 0, 0]), 0.01))
    assert only_first > 1.0
    assert float(L.reconstruction_loss(eye, eye)) == 0.0
    assert float(L.mask_loss(np.zeros((2, 3, 3, 1), np.float32))) == 0.0


def _image_agent(**overrides):
    values = dict(env_id="MinAtar/Breakout-v1", attention=True, repr_coef=0.05,
                  contra_coef=0.01, encoder_coef=0.01, sparsity_coef=1e-3, decoder_coef=0.1,
                  recon_coef=0.1)
    values.update(overrides)
    config = A2CConfig(**values)
    return build_agent((10, 10, 4), 3, config), config


def test_each_repr_loss_is_finite_and_its_gradient_reaches_the_body():
    agent, config = _image_agent()
    rng = np.random.default_rng(0)
    obs = (rng.uniform(size=(6, 10, 10, 4)) < 0.2).astype(np.float32)
    nxt = np.roll(obs, 1, axis=2)
    generator = tf.random.Generator.from_seed(0)
    body = agent.get_layer("conv0").kernel
    for name in ("contrastive_loss", "encoder_loss", "sparsity_loss", "decoder_loss",
                 "recon_loss"):
        with tf.GradientTape() as tape:
            out = agent(obs, training=True)
            _, terms = repr_terms(agent, out, tf.constant(obs), tf.constant(nxt),
                                  tf.ones(6), config, generator)
        value = terms[name]
        assert np.isfinite(float(value)) and float(value) > 0, name
        grad = tape.gradient(value, body)
        assert grad is not None and float(tf.norm(grad)) > 0, name


def test_repr_loss_is_zero_when_all_coefficients_are_zero():
    agent, config = _image_agent(contra_coef=0.0, encoder_coef=0.0, sparsity_coef=0.0,
                                 decoder_coef=0.0, recon_coef=0.0)
    obs = np.ones((4, 10, 10, 4), np.float32)
    out = agent(obs)
    repr_loss, terms = repr_terms(agent, out, tf.constant(obs), tf.constant(obs), tf.ones(4),
                                  config, tf.random.Generator.from_seed(0))
    assert float(repr_loss) == 0.0 and float(terms["contrastive_loss"]) == 0.0


def test_shift_view_keeps_shape_and_content():
    frames = np.zeros((3, 10, 10, 2), np.float32)
    frames[:, 5, 5, 0] = 1.0
    shifted = L.random_shift(tf.constant(frames), tf.random.Generator.from_seed(0)).numpy()
    assert shifted.shape == frames.shape and np.allclose(shifted.sum((1, 2, 3)), 1.0)


def test_explained_variance():
    returns = np.array([1.0, 2.0, 3.0], np.float32)
    assert float(L.explained_variance(returns, returns)) == 1.0
    assert abs(float(L.explained_variance(np.full(3, 2.0, np.float32), returns))) < 1e-6


def test_shift_view_contrastive_loss_is_finite():
    agent, config = _image_agent(contra_view="shift")
    obs = (np.random.default_rng(1).uniform(size=(5, 10, 10, 4)) < 0.2).astype(np.float32)
    out = agent(obs)
    _, terms = repr_terms(agent, out, tf.constant(obs), tf.constant(obs), tf.zeros(5), config,
                          tf.random.Generator.from_seed(0))
    assert np.isfinite(float(terms["contrastive_loss"])) and float(terms["contrastive_loss"]) > 0
