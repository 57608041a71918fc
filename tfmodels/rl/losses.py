"""A2C and representation losses, as plain TensorFlow functions of tensors.

Kept free of the model and the environments so a test can check each against a hand
computation on a fixed batch.

A2C (SB3): loss = pg_loss − ent_coef·entropy + vf_coef·vf_loss with
  pg_loss  = −mean(A · log π(a|s))        (advantages are constants)
  vf_loss  = mean((R − V(s))²)
  entropy  = mean(−Σ π log π)
Representation (contrastive, attention-mask and reconstruction terms):
  repr_loss = contra_coef·InfoNCE + encoder_coef·mean(mask) + sparsity_coef·mean|masked|
              + decoder_coef·MSE(decoded, frame) + recon_coef·MSE(recon, frame)
  total     = a2c_loss + repr_coef·repr_loss
"""
from __future__ import annotations

import tensorflow as tf


def gae(rewards, values, dones, last_value, gamma: float, lam: float):
    """Advantages and returns for a (T, N) rollout; λ = 1 gives plain n-step returns.

    `dones[t]` is 1 when the episode ended with the transition at step t, so nothing from
    step t+1 (a fresh episode) leaks into step t. Truncated episodes arrive with their
    bootstrap already added to the reward (see a2c.py).
    """
    T = rewards.shape[0]
    advantages = [None] * T
    next_adv = tf.zeros_like(last_value)
    next_value = last_value
    for t in reversed(range(T)):  # T is small and static: unrolled in the graph
        nonterminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * next_value * nonterminal - values[t]
        next_adv = delta + gamma * lam * nonterminal * next_adv
        advantages[t] = next_adv
        next_value = values[t]
    advantages = tf.stack(advantages)
    return advantages, advantages + values


def a2c_terms(logits, values, actions, advantages, returns):
    """pg_loss, vf_loss, entropy (each a scalar) on flat (B, ...) tensors."""
    log_probs = tf.nn.log_softmax(logits)
    taken = tf.gather(log_probs, actions, axis=1, batch_dims=1)
    pg_loss = -tf.reduce_mean(tf.stop_gradient(advantages) * taken)
    vf_loss = tf.reduce_mean(tf.square(tf.stop_gradient(returns) - values))
    entropy = tf.reduce_mean(-tf.reduce_sum(tf.exp(log_probs) * log_probs, axis=1))
    return pg_loss, vf_loss, entropy


def a2c_loss(pg_loss, vf_loss, entropy, ent_coef: float, vf_coef: float):
    return pg_loss - ent_coef * entropy + vf_coef * vf_loss


def info_nce(anchors, positives, valid, temperature: float):
    """InfoNCE: each anchor must pick its own positive among all positives in the batch.

    Cosine similarities / temperature → softmax cross-entropy with the diagonal as label.
    `valid` (B,) weights anchors (0 drops a pair that crosses an episode boundary).
    """
    a = tf.math.l2_normalize(anchors, axis=1)
    p = tf.math.l2_normalize(positives, axis=1)
    logits = tf.matmul(a, p, transpose_b=True) / temperature
    labels = tf.range(tf.shape(logits)[0])
    per_anchor = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    valid = tf.cast(valid, per_anchor.dtype)
    return tf.reduce_sum(per_anchor * valid) / tf.maximum(tf.reduce_sum(valid), 1.0)


def mask_loss(mask):
    """Encoder (attention) loss: mean mask value; pushes the mask to attend to few cells."""
    return tf.reduce_mean(mask)


def sparsity_loss(masked_features):
    """L1 on the masked feature map (pushes the masked features towards sparsity)."""
    return tf.reduce_mean(tf.abs(masked_features))


def reconstruction_loss(prediction, frame):
    return tf.reduce_mean(tf.square(prediction - frame))


def explained_variance(values, returns):
    """1 − Var(R − V)/Var(R): 1 = perfect critic, 0 = predicts the mean, < 0 worse."""
    var_returns = tf.math.reduce_variance(returns)
    return tf.where(var_returns > 0,
                    1.0 - tf.math.reduce_variance(returns - values) / var_returns,
                    tf.constant(float("nan"), values.dtype))


def random_shift(frames, generator: tf.random.Generator, pad: int = 1):
    """Second view for InfoNCE: each frame shifted by up to `pad` cells (edge-padded)."""
    n, h, w = tf.shape(frames)[0], frames.shape[1], frames.shape[2]
    padded = tf.pad(frames, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="SYMMETRIC")
    size = 2 * pad + 1
    shifts = tf.stack([padded[:, dy:dy + h, dx:dx + w] for dy in range(size)
                       for dx in range(size)], axis=1)  # (N, size², H, W, C)
    choice = generator.uniform((n,), 0, size * size, dtype=tf.int32)
    return tf.gather(shifts, choice, axis=1, batch_dims=1)
