"""Seeding and device strategy: the two things every run must set before building a model.

`seed_everything` is the whole of tflab's determinism story: Python, NumPy and TensorFlow
seeds from `config.random_seed` (KerasTuner never seeds a model, so the grid calls this per
trial), plus TensorFlow's deterministic-op mode so that reductions run in a fixed order.

`get_strategy` returns a `tf.distribute.MirroredStrategy` over the GPUs, or over the
logical CPU devices when there is no GPU. Tests (and `TFLAB_CPU_DEVICES=2`) split the CPU
into two logical devices so the multi-replica path runs on a laptop exactly as on a GPU box;
`TFLAB_REPLICAS=N` uses only the first N devices.

One device gets TensorFlow's default strategy: a one-device MirroredStrategy costs more
per epoch than the mimic model's compute (bench/RESULTS_mimic.md, "one device");
`TFLAB_STRATEGY=mirrored` forces mirroring anyway.
"""
from __future__ import annotations

import os

import keras
import tensorflow as tf

_CPU_SPLIT_DONE = False
_STRATEGIES: dict[tuple, tf.distribute.Strategy] = {}


def split_cpu(n_devices: int) -> None:
    """Make `n_devices` logical CPU devices. Must run before TensorFlow initialises."""
    global _CPU_SPLIT_DONE
    if _CPU_SPLIT_DONE or n_devices <= 1:
        return
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(n_devices)])
    except RuntimeError:
        pass  # TensorFlow already initialised: keep whatever devices exist
    _CPU_SPLIT_DONE = True


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy, TF and Keras; with `deterministic`, ask TF for deterministic
    kernels too (Keras then turns XLA off: not every XLA kernel is deterministic)."""
    keras.utils.set_random_seed(int(seed))
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    else:  # TF has no public switch back (see tfmodels/keras_compat.py)
        from tfmodels.keras_compat import disable_op_determinism

        disable_op_determinism()


def get_strategy() -> tf.distribute.Strategy:
    """MirroredStrategy over GPUs if present, else over the logical CPU devices; the default
    (no-op) strategy when only one device is used, unless TFLAB_STRATEGY=mirrored."""
    split_cpu(int(os.environ.get("TFLAB_CPU_DEVICES", "1")))
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    replicas = int(os.environ.get("TFLAB_REPLICAS", len(devices)))  # tests compare 1 vs 2
    chosen = tuple(devices[:max(1, replicas)])
    if len(chosen) == 1 and os.environ.get("TFLAB_STRATEGY", "") != "mirrored":
        return tf.distribute.get_strategy()
    # One strategy per device set for the whole process: a second MirroredStrategy over the
    # same devices restarts collective instance keys and its all-reduces collide with the
    # first one's ("Shape mismatch in the collective instance").
    if chosen not in _STRATEGIES:
        _STRATEGIES[chosen] = tf.distribute.MirroredStrategy(devices=list(chosen))
    return _STRATEGIES[chosen]


def quiet_console() -> None:
    """Drop library noise that says nothing about the user's run (retracing notices for the
    per-trial models a grid builds on purpose, Keras' notice that a dataset ended an
    execution early, tf.data option notices). Real errors still surface."""
    import logging
    import warnings

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    for pattern in (".*ran out of data.*", ".*To make it possible to preserve tf.data.*",
                    ".*Your input ran out.*", ".*`shuffle=True` was passed.*"):
        warnings.filterwarnings("ignore", message=pattern)
    try:
        import tensorflow_datasets as tfds

        tfds.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass
