"""DDPG updates for one HAC level, K gradient steps per graph call.

Per step (the reference's, no target networks):
    target = clip(r + discount · Q(s', π(s', g)), −H, 0)        (no gradient)
    critic: mean (Q(s, a) − target)²       actor: −mean Q(s, π(s, g))
The K stacked batches go in as one tensor (K, B, …) and a `tf.range` loop runs them in
one `tf.function` call, so 40 updates cost one Python → graph crossing, not 40; with
`xla=True` that loop is compiled by XLA, which fuses the small MLP ops whose dispatch,
not arithmetic, bounds a 3×64 update on a CPU. Sums of
the losses and Q means stay in variables until the trainer reads them at a test block.
"""
from __future__ import annotations

import keras
import tensorflow as tf

METRICS = ("critic_loss", "actor_loss", "q_mean", "target_mean")


class LevelUpdater:
    def __init__(self, actor: keras.Model, critic: keras.Model, horizon: int, lr: float,
                 actor_lr: float, xla: bool = False):
        self.actor, self.critic, self.horizon = actor, critic, float(horizon)
        self.actor_opt = keras.optimizers.Adam(actor_lr)
        self.critic_opt = keras.optimizers.Adam(lr)
        self.actor_vars = actor.trainable_variables  # normalizers are not trainable
        self.critic_vars = critic.trainable_variables
        self.actor_opt.build(self.actor_vars)
        self.critic_opt.build(self.critic_vars)
        self.sums = tf.Variable(tf.zeros(len(METRICS), tf.float32), trainable=False)
        self.count = tf.Variable(0.0, trainable=False)
        self.run = tf.function(self._run, reduce_retracing=True, jit_compile=bool(xla))

    def _step(self, s, a, r, s2, g, d):
        next_q = self.critic([s2, g, self.actor([s2, g])])[:, 0]
        target = tf.stop_gradient(tf.clip_by_value(r + d * next_q, -self.horizon, 0.0))
        with tf.GradientTape() as tape:
            q = self.critic([s, g, a], training=True)[:, 0]
            critic_loss = tf.reduce_mean(tf.square(q - target))
        grads = tape.gradient(critic_loss, self.critic_vars)
        self.critic_opt.apply_gradients(zip(grads, self.critic_vars))
        with tf.GradientTape() as tape:
            actor_q = self.critic([s, g, self.actor([s, g], training=True)])[:, 0]
            actor_loss = -tf.reduce_mean(actor_q)
        grads = tape.gradient(actor_loss, self.actor_vars)
        self.actor_opt.apply_gradients(zip(grads, self.actor_vars))
        return tf.stack([critic_loss, actor_loss, tf.reduce_mean(q), tf.reduce_mean(target)])

    def _run(self, state, action, reward, next_state, goal, discount):
        k = tf.shape(state)[0]
        total = tf.zeros(len(METRICS), tf.float32)
        for i in tf.range(k):
            total += self._step(state[i], action[i], reward[i], next_state[i], goal[i],
                                discount[i])
        self.sums.assign_add(total)
        self.count.assign_add(tf.cast(k, tf.float32))

    def __call__(self, batch: dict) -> None:
        self.run(batch["state"], batch["action"], batch["reward"], batch["next_state"],
                 batch["goal"], batch["discount"])

    def read_metrics(self) -> dict:
        """Means since the last read (NaN when no update ran), then reset."""
        count = float(self.count.numpy())
        values = self.sums.numpy() / count if count else [float("nan")] * len(METRICS)
        self.sums.assign(tf.zeros(len(METRICS)))
        self.count.assign(0.0)
        return {name: float(v) for name, v in zip(METRICS, values)}
