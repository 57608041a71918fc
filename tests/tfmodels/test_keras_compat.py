"""The installed Keras / TensorFlow still have every private piece tflab relies on."""
import keras
import tensorflow as tf

from tfmodels import keras_compat


def test_every_private_name_is_there():
    gone = keras_compat.missing()
    assert gone == [], (
        f"Keras {keras.__version__} / TensorFlow {tf.__version__} lack {', '.join(gone)}, "
        f"which tfmodels/keras_compat.py relies on: adapt that module (and only it) or pin "
        f"the versions in setup.cfg back")


def test_the_loss_scaling_is_the_one_keras_applies():
    """Under a strategy with 2 replicas Keras divides a replica's loss by 2; unscaling
    undoes it exactly (what the micro-batched step reports as `loss`)."""
    strategy = tf.distribute.MirroredStrategy(
        [d.name for d in tf.config.list_logical_devices("CPU")][:2])
    assert strategy.num_replicas_in_sync == 2  # tests/conftest.py splits the CPU in two

    def replica():
        scaled = keras_compat.scale_loss_for_distribution(tf.constant(3.0))
        return scaled, keras_compat.unscale_loss_for_distribution(scaled)

    scaled, unscaled = strategy.run(replica)
    assert float(strategy.experimental_local_results(scaled)[0]) == 1.5
    assert float(strategy.experimental_local_results(unscaled)[0]) == 3.0

