"""From integer-coded ticks to channels-first tensors, and from those to one target per head.

The interface, channels first (the task's own definition):

    input   [batch, history·(C_s + C_a), H, W]
    targets ([batch, future·C_s, H, W], [batch, future, C_a])

Channel order (timestep-major, oldest first): for each timestep, the C_s = 96 state planes
(20 board planes, then 76 numeric features broadcast to constant planes), then the C_a = 290
action planes (one-hot over ACTIONS_ARRAY, broadcast). H = 11 rows, W = 21 columns.

The planes are built channels-first, directly in that layout (only the small board
part is transposed from catanatron's channels-last). `split_targets` then cuts
the targets into one tensor per head (`channels.head_split`), channels-last, which is
what the model's heads emit. All functions take a leading batch dimension.
"""
from __future__ import annotations

import tensorflow as tf

from pipelines.catan.channels import (BOARD_SCALES, C_A, C_S, C_T, NUMERIC_SCALES, H, HeadSplit,
                                      W)


def decode_planes(board, numeric, action):
    """Codes → per-timestep planes, channels first: [B, S, C_T, H, W] float32.

    Built directly in the channels-first order: one write of the big tensor, no transpose
    of it (a transpose of the whole tensor costs more than the rest of the decoding).
    """
    board = tf.cast(board, tf.float32) * BOARD_SCALES                 # [B, S, H, W, 20]
    board = tf.transpose(board, (0, 1, 4, 2, 3))                      # [B, S, 20, H, W]
    numeric = tf.cast(numeric, tf.float32) * NUMERIC_SCALES           # [B, S, 76]
    action = tf.one_hot(tf.cast(action, tf.int32), C_A)               # [B, S, 290]
    flat = tf.concat([numeric, action], axis=-1)[:, :, :, None, None]
    shape = tf.shape(flat)
    flat = tf.broadcast_to(flat, (shape[0], shape[1], C_T - board.shape[2], H, W))
    return tf.concat([board, flat], axis=2)


def to_notes(board, numeric, action, history: int):
    """Compact window codes [B, history+future, ...] → (x, (states, actions)), channels first."""
    planes = decode_planes(board, numeric, action)                    # [B, S, C_T, H, W]
    batch = tf.shape(planes)[0]
    future = planes.shape[1] - history
    x = tf.reshape(planes[:, :history], (batch, history * C_T, H, W))
    states = tf.reshape(planes[:, history:, :C_S], (batch, future * C_S, H, W))
    actions = planes[:, history:, C_S:, 0, 0]                         # [B, future, C_A]
    return x, (states, actions)


def split_targets(states, actions, split: HeadSplit) -> dict:
    """Channels-first targets → one channels-last target per head.

    categorical: int class index [B, H, W, n]; binary / float: values [B, H, W, n];
    action: int index into ACTIONS_ARRAY [B, future].
    """
    out = {}
    for kind, indices in split.indices.items():
        picked = tf.transpose(tf.gather(states, indices, axis=1), (0, 2, 3, 1))
        out[kind] = tf.cast(tf.round(picked), tf.int32) if kind == "categorical" else picked
    out["action"] = tf.argmax(actions, axis=-1, output_type=tf.int32)
    return out


def merge_heads(predictions: dict, split: HeadSplit):
    """Inverse of `split_targets` for predictions: per-head outputs → the channels-first layout.

    categorical → argmax class value, binary → 1 if p > 0.5, float → value, action → one-hot
    of the argmax. Returns ([B, future·C_s, H, W], [B, future, C_A]).
    """
    parts, positions = [], []
    for kind, indices in split.indices.items():
        value = predictions[kind]
        if kind == "categorical":
            value = tf.cast(tf.argmax(value, axis=-1), tf.float32)
        elif kind == "binary":
            value = tf.cast(value > 0.0, tf.float32)   # logits: p > 0.5 ⇔ logit > 0
        parts.append(tf.transpose(value, (0, 3, 1, 2)))
        positions.append(indices)
    stacked = tf.concat(parts, axis=1)
    order = tf.argsort(tf.concat([tf.constant(p) for p in positions], axis=0))
    states = tf.gather(stacked, order, axis=1)
    actions = tf.one_hot(tf.argmax(predictions["action"], axis=-1), C_A)
    return states, actions
