"""The private Keras and TensorFlow APIs tflab relies on, behind one door.

A custom train step that must report the same `loss` as Keras' own needs what Keras 3
keeps private: the loss scaling a plain `train_step` applies under a distribution
strategy, the model's running-loss tracker and its loss computation. Walking a functional
model's graph needs a layer's inbound nodes. TensorFlow has no public switch that turns op
determinism back off. Every other module imports public APIs only (tests/
test_import_direction.py checks it) and reaches these through this module, so a Keras or
TensorFlow upgrade that moves one of them fails in one place:
tests/tfmodels/test_keras_compat.py names each missing piece.
"""
from __future__ import annotations

try:
    from keras.src.losses import loss as _keras_loss
except ImportError:  # reported by `missing()`; calling a helper below raises AttributeError
    _keras_loss = None

# Private attributes of `keras.Model` used by the micro-batched and population steps
# (tfmodels/microbatch.py, tfmodels/population.py) ...
MODEL_ATTRIBUTES = ("_loss_tracker", "_compute_loss")
# ... and of a functional layer, walked by tfmodels/rl/numpy_policy.py.
LAYER_ATTRIBUTES = ("_inbound_nodes",)


def scale_loss_for_distribution(loss):
    """A replica's loss scaled the way Keras' own `train_step` scales it."""
    return _keras_loss.scale_loss_for_distribution(loss)


def unscale_loss_for_distribution(loss):
    """The inverse: the value Keras' running `loss` metric tracks."""
    return _keras_loss.unscale_loss_for_distribution(loss)


def inbound_nodes(layer) -> list:
    """The nodes that call `layer` in the functional graphs it belongs to."""
    return layer._inbound_nodes


def disable_op_determinism() -> None:
    """Undo `tf.config.experimental.enable_op_determinism()` (no public switch exists)."""
    from tensorflow.python.framework import config as tf_config

    tf_config.disable_op_determinism()


def missing() -> list[str]:
    """Every private name above that the installed Keras / TensorFlow lacks (empty = fine)."""
    import keras

    gone = []
    if _keras_loss is None:
        gone.append("module keras.src.losses.loss")
    else:
        gone += [f"keras.src.losses.loss.{name}" for name in
                 ("scale_loss_for_distribution", "unscale_loss_for_distribution")
                 if not hasattr(_keras_loss, name)]
    try:
        from tensorflow.python.framework import config as tf_config
    except ImportError:
        gone.append("module tensorflow.python.framework.config")
    else:
        if not hasattr(tf_config, "disable_op_determinism"):
            gone.append("tensorflow.python.framework.config.disable_op_determinism")
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(loss="mse")
    gone += [f"keras.Model.{name}" for name in MODEL_ATTRIBUTES if not hasattr(model, name)]
    gone += [f"keras.layers.Layer.{name}" for name in LAYER_ATTRIBUTES
             if not hasattr(model.layers[-1], name)]
    return gone
