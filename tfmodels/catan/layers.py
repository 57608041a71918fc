"""Two layers the Catan ResNet needs: an exact, cheap stem conv and the norm switch.

`BroadcastConv2D` is the first 3×3 convolution of the ResNet, over the task's channels-first
input `[B, T·P, H, W]` (T timesteps of P = C_s + C_a channels). Per timestep only the first
`spatial` channels (the 20 board planes) vary over the board; the other 366 (numeric
features and the action one-hot) are constant planes by construction. For a constant plane
c, a zero-padded 3×3 conv gives `c · Σ_{taps inside the board} K[tap]` at each pixel, so its
contribution is 9 small matrix products per example plus a fixed border mask, instead of a
full convolution over 5 856 planes (≈ 95 % of the stem's work, ≈ 3.7 s per batch of 32 on
this CPU). The kernel has exactly the shape and meaning of a `Conv2D(filters, 3)` kernel on
the channels-last transpose of the input; the tests check the outputs are the same.
Constant planes are read at pixel (0, 0): feed this layer only data built by
`pipelines.catan.layout.to_notes`.

`make_norm` maps the config's norm name to a layer: batch = BatchNormalization (momentum as
configured; PyTorch's default 0.1 is Keras' 0.9), group = GroupNormalization, layer =
GroupNormalization(1) (normalise over H, W, C per example; per-channel affine, the usual
"LayerNorm" of CNNs), instance = GroupNormalization(C), none = no layer.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from tflab.errors import UserError

NORMS = ("batch", "group", "layer", "instance", "none")


@keras.saving.register_keras_serializable("tflab_catan")
class BroadcastConv2D(keras.layers.Layer):
    """'same' k×k convolution, exact for inputs whose non-spatial channels are constant."""

    def __init__(self, filters: int, timesteps: int, per_step: int, spatial: int,
                 kernel_size: int = 3, use_bias: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.timesteps, self.per_step = filters, timesteps, per_step
        self.spatial, self.kernel_size, self.use_bias = spatial, kernel_size, use_bias

    def build(self, input_shape):
        _, channels, height, width = input_shape
        if channels != self.timesteps * self.per_step:
            raise ValueError(f"expected {self.timesteps}×{self.per_step} channels, got {channels}")
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, channels, self.filters),
                                      initializer="he_normal")
        self.bias = (self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
                     if self.use_bias else None)
        # mask[i, j, dy, dx] = 1 where tap (dy, dx) of pixel (i, j) falls inside the board
        pad = k // 2
        mask = np.zeros((height, width, k, k), np.float32)
        for dy in range(k):
            for dx in range(k):
                rows = slice(max(0, pad - dy), min(height, height + pad - dy))
                cols = slice(max(0, pad - dx), min(width, width + pad - dx))
                mask[rows, cols, dy, dx] = 1.0
        self.tap_mask = tf.constant(mask)

    def call(self, x):
        t, p, s, k = self.timesteps, self.per_step, self.spatial, self.kernel_size
        height, width = x.shape[2], x.shape[3]
        steps = tf.reshape(x, (-1, t, p, height, width))
        board = tf.transpose(steps[:, :, :s], (0, 3, 4, 1, 2))           # [B, H, W, T, s]
        board = tf.reshape(board, (-1, height, width, t * s))
        constants = steps[:, :, s:, 0, 0]                                 # [B, T, p - s]
        kernel = tf.reshape(tf.convert_to_tensor(self.kernel), (k, k, t, p, self.filters))
        board_kernel = tf.reshape(kernel[:, :, :, :s], (k, k, t * s, self.filters))
        out = tf.nn.conv2d(board, board_kernel, strides=1, padding="SAME")
        per_tap = tf.einsum("btc,yxtcf->byxf", constants, kernel[:, :, :, s:])
        out = out + tf.einsum("ijyx,byxf->bijf", self.tap_mask, per_tap)
        if self.bias is not None:
            out = out + self.bias
        return out

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2], input_shape[3], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "timesteps": self.timesteps,
                "per_step": self.per_step, "spatial": self.spatial,
                "kernel_size": self.kernel_size, "use_bias": self.use_bias}


def group_count(channels: int, groups: int) -> int:
    """The largest divisor of `channels` not above `groups` (narrow test models)."""
    return max(d for d in range(1, min(groups, channels) + 1) if channels % d == 0)


def make_norm(kind: str, channels: int, *, groups: int, momentum: float, name: str):
    """The configured normalisation layer for a feature map with `channels` channels."""
    if kind == "batch":
        return keras.layers.BatchNormalization(momentum=momentum, epsilon=1e-5, name=name)
    if kind == "group":
        return keras.layers.GroupNormalization(group_count(channels, groups), epsilon=1e-5,
                                               name=name)
    if kind == "layer":
        return keras.layers.GroupNormalization(1, epsilon=1e-5, name=name)
    if kind == "instance":
        return keras.layers.GroupNormalization(channels, epsilon=1e-5, name=name)
    if kind == "none":
        return None
    raise UserError(f"unknown norm {kind!r}; choose one of {', '.join(NORMS)}")


def widths(width: float) -> list[int]:
    """Stage widths of ResNet-18 (64, 128, 256, 512) scaled by `width`, at least 1."""
    return [max(1, int(math.floor(base * width + 0.5))) for base in (64, 128, 256, 512)]
