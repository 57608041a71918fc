"""A NumPy copy of the acting path (logits, value), refreshed after every update.

Why: acting calls the network once per environment step with a batch of 8–16 tiny
observations. A `tf.function` call costs ≈0.5 ms of runtime overhead here (measured: a
one-matmul function takes as long as the whole policy), more than the CartPole step itself;
the same forward pass in NumPy takes tens of microseconds. Training, evaluation of losses
and saving stay in TensorFlow; this class only reads the Keras layers' weights (one
`tf.function` call per update) and replays the functional graph of `policy_model`.
`tests/rl/test_rl_agent.py` checks it against the Keras model output.
"""
from __future__ import annotations

import ctypes

import keras
import numpy as np
import tensorflow as tf

from tfmodels.keras_compat import inbound_nodes
from tfmodels.normalizer import RunningNormalizer


def _conv_same(x, kernel, bias):
    """'same'-padded stride-1 conv as one matmul over stacked shifted copies (im2col)."""
    kh, kw = kernel.shape[:2]
    ph, pw = kh // 2, kw // 2
    padded = np.pad(x, ((0, 0), (ph, kh - 1 - ph), (pw, kw - 1 - pw), (0, 0)))
    h, w = x.shape[1:3]
    cols = np.concatenate([padded[:, dy:dy + h, dx:dx + w] for dy in range(kh)
                           for dx in range(kw)], axis=-1)
    return cols @ kernel.reshape(-1, kernel.shape[-1]) + bias


_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
}


def limit_blas_threads(n: int = 1) -> bool:
    """Cap NumPy's OpenBLAS threads (process-wide). Returns False where it cannot.

    Measured here: a (16, 1600) @ (1600, 128) matmul took 50 ms with OpenBLAS's default
    threads spinning against TensorFlow's thread pools, 0.14 ms with one thread.
    """
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    done = False
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                       "openblas_set_num_threads"):
            if hasattr(lib, symbol):
                getattr(lib, symbol)(ctypes.c_int(n))
                done = True
                break
    return done


class NumpyPolicy:
    """`NumpyPolicy(policy_model)(obs) -> (logits, value)`; call `sync()` after updates."""

    def __init__(self, policy: keras.Model):
        limit_blas_threads(1)
        self.policy = policy
        self.nodes = self._graph(policy)
        self.variables = [v for layer in policy.layers for v in layer.weights]
        self._read = tf.function(lambda: [v.value for v in self.variables])
        self.weights: dict[str, list[np.ndarray]] = {}
        self.sync()

    @staticmethod
    def _graph(model):
        """(layer, input tensor ids, output tensor id) in topological order."""
        nodes = []
        for layer in model.layers:
            for node in inbound_nodes(layer):
                if not node.input_tensors and not isinstance(layer, keras.layers.InputLayer):
                    continue
                if isinstance(layer, keras.layers.InputLayer):
                    continue
                inputs = [id(t) for t in node.input_tensors]
                nodes.append((layer, inputs, [id(t) for t in node.output_tensors]))
        return nodes

    def sync(self) -> None:
        values = [np.asarray(v, dtype=np.float64 if v.dtype == tf.float64 else np.float32)
                  for v in self._read()]
        it = iter(values)
        self.weights = {layer.name: [next(it) for _ in layer.weights]
                        for layer in self.policy.layers}

    def _apply(self, layer, inputs):
        w = self.weights[layer.name]
        if isinstance(layer, RunningNormalizer):
            count, mean, m2 = w
            var = m2 / count if count > 0 else np.ones_like(m2)
            out = (inputs[0] - mean) / np.sqrt(var + layer.epsilon)
            return np.clip(out, -layer.clip, layer.clip).astype(np.float32)
        if isinstance(layer, keras.layers.Conv2D):
            return _ACTIVATIONS[layer.activation.__name__](_conv_same(inputs[0], *w))
        if isinstance(layer, keras.layers.Dense):
            return _ACTIVATIONS[layer.activation.__name__](inputs[0] @ w[0] + w[1])
        if isinstance(layer, keras.layers.Flatten):
            return inputs[0].reshape(len(inputs[0]), -1)
        if isinstance(layer, keras.layers.Multiply):
            return inputs[0] * inputs[1]
        raise TypeError(f"NumpyPolicy does not know layer {layer.name} ({type(layer)})")

    def __call__(self, obs: np.ndarray):
        values = {id(self.policy.inputs[0]): np.asarray(obs, np.float32)}
        for layer, inputs, outputs in self.nodes:
            if all(i in values for i in inputs) and outputs[0] not in values:
                values[outputs[0]] = self._apply(layer, [values[i] for i in inputs])
        logits, value = (values[id(t)] for t in self.policy.outputs)
        return logits, value
