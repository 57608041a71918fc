"""The correlation (cost-volume) layer of the stereo network.

For rectified images a left pixel x matches the right pixel x − d on the same row. The layer
compares left features with right features shifted by every candidate displacement
d = 0 … max_displacement and returns one channel per d: the channel-mean of the product
(a normalised dot product when features are unit scale). Columns whose match falls off the
right image (x − d < 0) compare against zeros, also when d exceeds the feature width. It has
no weights, so the feature encoder learns what "similar" means.
"""
from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tflab_stereo")
class Correlation(keras.layers.Layer):
    """(left, right) features (B, h, w, C) → cost volume (B, h, w, max_displacement + 1)."""

    def __init__(self, max_displacement: int, **kwargs):
        super().__init__(**kwargs)
        self.max_displacement = int(max_displacement)

    def call(self, inputs):
        left, right = inputs
        channels = []
        width = ops.shape(right)[2]
        # pad first, then cut back to the width: also right when d >= width (all zeros)
        padded = ops.pad(right, [[0, 0], [0, 0], [self.max_displacement, 0], [0, 0]])
        for d in range(self.max_displacement + 1):
            start = self.max_displacement - d
            shifted = padded[:, :, start:start + width, :]
            channels.append(ops.mean(left * shifted, axis=-1))
        return ops.stack(channels, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (self.max_displacement + 1,)

    def get_config(self):
        return {**super().get_config(), "max_displacement": self.max_displacement}


@keras.saving.register_keras_serializable(package="tflab_stereo")
class SoftArgmax(keras.layers.Layer):
    """Probabilities over disparity bins (…, K) → expected disparity Σ p_k · k · step (…, 1).

    `window` > 0: in inference, the expectation only over the bins within `window` of the
    most probable one (renormalised). The full expectation of a two-peaked distribution
    (foreground and background at a depth edge) lands between the peaks, on neither
    surface; the windowed one stays on the stronger peak. Training keeps the full
    expectation, whose gradient reaches every bin.
    """

    def __init__(self, step: float, window: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.step, self.window = float(step), int(window)

    def call(self, probs, training=None):
        values = ops.arange(ops.shape(probs)[-1], dtype=probs.dtype)
        if self.window and not training:
            peak = ops.cast(ops.argmax(probs, axis=-1), probs.dtype)[..., None]
            probs = probs * ops.cast(ops.abs(values - peak) <= self.window, probs.dtype)
            probs = probs / ops.maximum(ops.sum(probs, axis=-1, keepdims=True), 1e-12)
        return ops.sum(probs * values * self.step, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (1,)

    def get_config(self):
        return {**super().get_config(), "step": self.step, "window": self.window}
