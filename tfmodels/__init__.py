"""Keras layers, models, losses, callbacks and the fit loop of every tflab family."""
import tflab  # noqa: F401  (TF process options before TensorFlow loads)
