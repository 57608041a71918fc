"""One A2C update as a single `tf.function`: forward, returns, every loss, clip, apply.

The whole rollout (T steps × N envs) goes in as tensors of fixed shape, so the function is
traced once and every update after that is one graph call: no per-step Python. Per-update
metrics are summed into a variable inside the graph and read only at log time.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from tfmodels.rl import losses as L
from tfmodels.rl.agent import uses_repr

METRICS = ("loss", "pg_loss", "vf_loss", "entropy", "explained_variance", "grad_norm",
           "repr_loss", "contrastive_loss", "encoder_loss", "sparsity_loss", "decoder_loss",
           "recon_loss")


def make_optimizer(config) -> keras.optimizers.Optimizer:
    if config.optimizer == "adam":
        return keras.optimizers.Adam(config.learning_rate)
    return keras.optimizers.RMSprop(config.learning_rate, rho=config.rms_alpha,
                                    epsilon=config.rms_eps)


def repr_terms(agent, out, flat_obs, next_obs, valid, config, generator):
    """Each representation loss (unscaled) for one flat batch; absent ones are 0."""
    zero = tf.constant(0.0)
    terms = dict(contrastive_loss=zero, encoder_loss=zero, sparsity_loss=zero,
                 decoder_loss=zero, recon_loss=zero)
    if config.contra_coef > 0:
        if config.contra_view == "shift":
            view, valid = L.random_shift(flat_obs, generator), tf.ones_like(valid)
        else:
            view = next_obs
        positives = agent(view, training=False)["projection"]
        terms["contrastive_loss"] = L.info_nce(out["projection"], positives, valid,
                                               config.contra_temperature)
    if "mask" in out:
        terms["encoder_loss"] = L.mask_loss(out["mask"])
        terms["sparsity_loss"] = L.sparsity_loss(out["masked_features"])
        terms["decoder_loss"] = L.reconstruction_loss(out["decoded"], flat_obs)
    terms["recon_loss"] = L.reconstruction_loss(out["recon"], flat_obs)
    repr_loss = (config.contra_coef * terms["contrastive_loss"]
                 + config.encoder_coef * terms["encoder_loss"]
                 + config.sparsity_coef * terms["sparsity_loss"]
                 + config.decoder_coef * terms["decoder_loss"]
                 + config.recon_coef * terms["recon_loss"])
    return repr_loss, terms


def make_update(agent: keras.Model, optimizer, config):
    """Returns (update_fn, metric_sums, metric_count); update_fn(obs, actions, rewards,
    dones, last_obs) with obs (T, N, *shape), actions/rewards/dones (T, N), last_obs (N, …)."""
    generator = tf.random.Generator.from_seed(config.random_seed + 1)
    metric_sums = tf.Variable(tf.zeros(len(METRICS)), trainable=False, name="metric_sums")
    metric_count = tf.Variable(0.0, trainable=False, name="metric_count")
    optimizer.build(agent.trainable_variables)
    with_repr = uses_repr(config)

    def update(obs, actions, rewards, dones, last_obs):
        T, N = obs.shape[0], obs.shape[1]
        flat_obs = tf.reshape(obs, (T * N,) + tuple(obs.shape[2:]))
        next_obs = tf.reshape(tf.concat([obs[1:], last_obs[None]], 0), flat_obs.shape)
        with tf.GradientTape() as tape:
            out = agent(flat_obs, training=True)  # the obs normaliser (if any) counts here
            values = out["value"][:, 0]
            last_value = agent(last_obs, training=False)["value"][:, 0]
            advantages, returns = L.gae(rewards, tf.reshape(tf.stop_gradient(values), (T, N)),
                                        dones, tf.stop_gradient(last_value),
                                        config.gamma, config.gae_lambda)
            advantages, returns = tf.reshape(advantages, [-1]), tf.reshape(returns, [-1])
            if config.normalize_advantage:
                mean, var = tf.nn.moments(advantages, [0])
                advantages = (advantages - mean) / (tf.sqrt(var) + 1e-8)
            pg_loss, vf_loss, entropy = L.a2c_terms(out["logits"], values,
                                                    tf.reshape(actions, [-1]), advantages,
                                                    returns)
            loss = L.a2c_loss(pg_loss, vf_loss, entropy, config.ent_coef, config.vf_coef)
            repr_loss, terms = tf.constant(0.0), {}
            if with_repr:
                repr_loss, terms = repr_terms(agent, out, flat_obs, next_obs,
                                              1.0 - tf.reshape(dones, [-1]), config, generator)
            total = loss + config.repr_coef * repr_loss
        variables = agent.trainable_variables
        grads = tape.gradient(total, variables)
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
        grad_norm = tf.linalg.global_norm(grads)
        if config.max_grad_norm > 0:
            grads, _ = tf.clip_by_global_norm(grads, config.max_grad_norm, use_norm=grad_norm)
        optimizer.apply_gradients(zip(grads, variables))
        values_now = dict(loss=total, pg_loss=pg_loss, vf_loss=vf_loss, entropy=entropy,
                          explained_variance=L.explained_variance(values, returns),
                          grad_norm=grad_norm, repr_loss=repr_loss, **terms)
        row = tf.stack([tf.cast(values_now.get(k, 0.0), tf.float32) for k in METRICS])
        metric_sums.assign_add(row)
        metric_count.assign_add(1.0)
        return values_now

    fn = tf.function(update, jit_compile=config.jit_compile, reduce_retracing=True)
    return fn, metric_sums, metric_count


def read_metrics(metric_sums, metric_count) -> dict[str, float]:
    """Mean of each metric over the updates since the last read; resets the sums."""
    count = float(metric_count.numpy())
    sums = metric_sums.numpy()
    metric_sums.assign(tf.zeros_like(metric_sums))
    metric_count.assign(0.0)
    if count == 0:
        return {k: float("nan") for k in METRICS}
    return {k: float(s / count) for k, s in zip(METRICS, sums)}
