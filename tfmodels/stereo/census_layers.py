"""Fixed matching-cost layers: a soft census transform and a cost lookup around an estimate.

A learned feature encoder trained on synthetic scenes learns what "similar" means for those
scenes only; on real photographs its cost volume is the first thing that breaks. The census
transform (Zabih & Woodfill) describes a pixel by the signs of its neighbours' differences
from it, which no monotonic change of brightness, gain or gamma alters — the reason SGBM-
class matchers transfer across cameras. Here it is a layer of real TF ops with no weights,
so it is part of model.keras, runs on any size and needs no training:

  CensusTransform  RGB (0–255) → grey → tanh((I(p + o) − I(p)) / softness) for every offset
                   o of a (2r + 1)² window except the centre: ±1 bits, softened so that a
                   flat, noisy patch gives ≈ 0 (no evidence) rather than random bits.
                   Correlation (tfmodels.stereo.layers) of two such maps is 1 − 2·Hamming/n.
  RowCorrelation   the same cost volume as layers.Correlation, computed as one matrix product
                   per image row and its band of diagonals: a CPU runs a matmul near its
                   peak, while 97 shifted copies of an 80-channel map are bound by memory
                   bandwidth (one core, 4 crops 128×256, 80 channels, 97 displacements:
                   0.11 vs 1.0 CPU-s; bench/RESULTS_stereo.md). Holds one W × (W + D)
                   matrix per row (B·H·W·(W + D) floats) while it runs.
  CostLookup       samples a cost volume (…, D + 1) at d̂ + k, k = −r … r, linearly
                   interpolated between integer bins: the evidence around a coarse estimate
                   that a full-resolution refinement needs for sub-pixel detail.
  LearnedScale     one trainable scalar: how sharply the raw census cost votes in the
                   softmax, before the learned aggregation has learned anything.
"""
from __future__ import annotations

import keras
from keras import ops

LUMA = (0.299, 0.587, 0.114)  # ITU-R 601 grey, as OpenCV's cvtColor


@keras.saving.register_keras_serializable(package="tflab_stereo")
class CensusTransform(keras.layers.Layer):
    """(B, H, W, 3) RGB 0–255 → (B, H, W, (2r+1)² − 1) soft census bits in (−1, 1)."""

    def __init__(self, radius: int = 3, softness: float = 4.0, **kwargs):
        super().__init__(**kwargs)
        self.radius, self.softness = int(radius), float(softness)

    def offsets(self) -> list[tuple[int, int]]:
        r = self.radius
        return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)
                if (dy, dx) != (0, 0)]

    def call(self, image):
        grey = ops.sum(image * ops.convert_to_tensor(LUMA, image.dtype), axis=-1)
        r = self.radius
        height, width = ops.shape(grey)[1], ops.shape(grey)[2]
        # mirrored padding: a border pixel compares with the interior mirrored, never with
        # a hard zero edge that would give the same bits in both views
        padded = ops.pad(grey, [[0, 0], [r, r], [r, r]], mode="symmetric")
        bits = []
        for dy, dx in self.offsets():
            neighbour = padded[:, r + dy:r + dy + height, r + dx:r + dx + width]
            bits.append(ops.tanh((neighbour - grey) / self.softness))
        return ops.stack(bits, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + ((2 * self.radius + 1) ** 2 - 1,)

    def get_config(self):
        return {**super().get_config(), "radius": self.radius, "softness": self.softness}


@keras.saving.register_keras_serializable(package="tflab_stereo")
class RowCorrelation(keras.layers.Layer):
    """(left, right) (B, h, w, C) → (B, h, w, D + 1): channel-mean of left(x) · right(x − d).

    Column x − d < 0 compares against zeros, exactly as layers.Correlation does.
    """

    def __init__(self, max_displacement: int, **kwargs):
        super().__init__(**kwargs)
        self.max_displacement = int(max_displacement)

    def call(self, inputs):
        import tensorflow as tf

        left, right = inputs
        batch, height, width, channels = (tf.shape(left)[i] for i in range(4))
        rows_left = tf.reshape(left, (batch * height, width, channels))
        rows_right = tf.reshape(right, (batch * height, width, channels))
        # D zero columns in front of the right row: R'(x') = R(x' − D), so that every
        # displacement, also d >= w, has a full-length diagonal of zeros where x − d < 0
        rows_right = tf.pad(rows_right, [[0, 0], [self.max_displacement, 0], [0, 0]])
        products = tf.matmul(rows_left, rows_right, transpose_b=True)  # [x, x'] = L(x)·R'(x')
        # L(x)·R(x − d) sits on superdiagonal k = D − d, all w long; k = D (d = 0) comes first
        band = tf.linalg.diag_part(products, k=(0, self.max_displacement), align="LEFT_RIGHT")
        band = tf.transpose(band, (0, 2, 1)) / tf.cast(channels, band.dtype)
        return tf.reshape(band, (batch, height, width, self.max_displacement + 1))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.max_displacement + 1,)

    def get_config(self):
        return {**super().get_config(), "max_displacement": self.max_displacement}


@keras.saving.register_keras_serializable(package="tflab_stereo")
class CostLookup(keras.layers.Layer):
    """(cost (B, H, W, D+1), disparity (B, H, W, 1)) → (B, H, W, 2r+1): cost at d̂ + k."""

    def __init__(self, radius: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.radius = int(radius)

    def call(self, inputs):
        cost, disparity = inputs
        bins = ops.arange(ops.shape(cost)[-1], dtype=cost.dtype)
        samples = []
        for k in range(-self.radius, self.radius + 1):
            # hat weights: linear interpolation between the two bins around d̂ + k; a
            # position outside 0…D gets weight 0 (no evidence), never a clamped bin
            weights = ops.relu(1.0 - ops.abs(bins - (disparity + float(k))))
            samples.append(ops.sum(cost * weights, axis=-1))
        return ops.stack(samples, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (2 * self.radius + 1,)

    def get_config(self):
        return {**super().get_config(), "radius": self.radius}


@keras.saving.register_keras_serializable(package="tflab_stereo")
class LearnedScale(keras.layers.Layer):
    """x · s with one trainable scalar s (initial value from the config)."""

    def __init__(self, initial: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = float(initial)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), name="scale",
                                     initializer=keras.initializers.Constant(self.initial))

    def call(self, x):
        return x * ops.cast(self.scale, x.dtype)

    def get_config(self):
        return {**super().get_config(), "initial": self.initial}
