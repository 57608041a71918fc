"""Test session set-up: two logical CPU devices and a seeded autouse fixture.

The CPU is split into two logical devices before TensorFlow initialises (how Keras' own
distribute tests do it), so every `MirroredStrategy` in the suite really has 2 replicas.
"""
import tflab  # noqa: F401  (TF process options: quiet start-up, BFC CPU allocator)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global seeds."""
    import keras

    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    yield
