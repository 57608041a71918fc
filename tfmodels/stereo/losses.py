"""Masked loss and metrics for disparity: only pixels with ground truth count.

Targets are (B, H, W, 2): channel 0 the disparity in pixels, channel 1 the validity mask
(occluded, out-of-view and sensor-hole pixels are 0). An unmasked loss would train the
network to predict the 0 stored at holes — exactly the edges and dark surfaces where a
stereo network should do its own reasoning.

Two averages, chosen on purpose:
- the *loss* averages each image's masked smooth-L1 over its valid pixels, then over images
  (a per-example value, so Keras' batch and replica reductions stay exact);
- *EPE* and *bad-k* are pixel averages over every valid pixel of the split — the standard
  definition, and the one the OpenCV baseline is scored with (`disparity_errors`).
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops


def _split_target(y_true, y_pred):
    disparity, valid = y_true[..., 0], y_true[..., 1]
    return disparity, valid, ops.cast(y_pred[..., 0], disparity.dtype)


@keras.saving.register_keras_serializable(package="tflab_stereo")
class MaskedSmoothL1(keras.losses.Loss):
    """Per image: mean over valid pixels of smooth-L1 (Huber, δ px) of the disparity error."""

    def __init__(self, delta: float = 1.0, name: str = "masked_smooth_l1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        disparity, valid, pred = _split_target(y_true, y_pred)
        error = ops.abs(pred - disparity)
        huber = ops.where(error < self.delta, 0.5 * error * error / self.delta,
                          error - 0.5 * self.delta)
        total = ops.sum(huber * valid, axis=(1, 2))
        return total / ops.maximum(ops.sum(valid, axis=(1, 2)), 1.0)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class _MaskedPixelMean(keras.metrics.Metric):
    """Sum of a per-pixel quantity over valid pixels / number of valid pixels, whole split."""

    def __init__(self, name: str, **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def per_pixel(self, error):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        disparity, valid, pred = _split_target(y_true, y_pred)
        value = self.per_pixel(ops.abs(pred - disparity))
        self.total.assign_add(ops.cast(ops.sum(value * valid), self.dtype))
        self.count.assign_add(ops.cast(ops.sum(valid), self.dtype))

    def result(self):
        return self.total / ops.maximum(self.count, 1.0)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)


@keras.saving.register_keras_serializable(package="tflab_stereo")
class MaskedEPE(_MaskedPixelMean):
    """End-point error (px): mean |d̂ − d| over all valid pixels."""

    def __init__(self, name: str = "epe", **kwargs):
        super().__init__(name=name, **kwargs)

    def per_pixel(self, error):
        return error


@keras.saving.register_keras_serializable(package="tflab_stereo")
class BadPixelRate(_MaskedPixelMean):
    """Share of valid pixels whose error exceeds `threshold` px (bad-1, bad-3)."""

    def __init__(self, threshold: float = 3.0, name: str | None = None, **kwargs):
        super().__init__(name=name or f"bad{threshold:g}", **kwargs)
        self.threshold = float(threshold)

    def per_pixel(self, error):
        return ops.cast(error > self.threshold, error.dtype)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


ERROR_KEYS = ("epe", "bad1", "bad2", "bad3", "d1")


def disparity_errors(pred: np.ndarray, disparity: np.ndarray, valid: np.ndarray) -> dict:
    """NumPy twin of the metrics above, for any predictor (network or OpenCV).

    Pixel averages over `valid`: epe (px), bad1/bad2/bad3 (share with error > 1/2/3 px),
    d1 (KITTI 2015: error > 3 px *and* > 5 % of the true disparity), and n_pixels.
    """
    valid = valid.astype(bool)
    truth = disparity.astype(np.float64)[valid]
    error = np.abs(pred.astype(np.float64)[valid] - truth)
    n = int(error.size)
    if n == 0:
        return {**{key: float("nan") for key in ERROR_KEYS}, "n_pixels": 0}
    return {"epe": float(error.mean()), "bad1": float((error > 1.0).mean()),
            "bad2": float((error > 2.0).mean()), "bad3": float((error > 3.0).mean()),
            "d1": float(((error > 3.0) & (error > 0.05 * np.abs(truth))).mean()),
            "n_pixels": n}
