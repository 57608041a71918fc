"""The mimic log-odds network: score every choice with one shared MLP, softmax per decision.

    features [B, C, F] ─┬▶ valid rows [N, F] ─shared MLP (num_layers × layer_size, dropout)
    mask     [B, C]    ─┘        ─▶ Dense(1) log-odds [N] ─▶ scattered back to [B, C],
                                                        padded slots −1e9 ─▶ softmax over C

A decision is a set of C choice slots; only the log-odds *differences* between choices of
one decision matter (a conditional logit when `num_layers == 0`). Choice sets have different
sizes, so they are padded; the padded slots get a log-odds of −1e9, which makes their
probability exactly 0 in float32 (the original mimic did not mask and gave phantom choices
probability). Contrasts — selected vs one sampled alternative — are the same model with C = 2.

The MLP runs on the valid rows only, as one 2-D matrix: padding is never computed (choice
sets of 19–32 cells average ≈23 of 32 slots), and a 2-D Dense lets TensorFlow fuse
MatMul + BiasAdd + ReLU (measured faster than the padded [B, C, F] model:
bench/RESULTS_mimic.md, "valid rows").

The per-choice scorer (features [N, F] → log-odds [N]) is shared by name with the full model,
so `choice_scorer(model)` exports it for batch inference over millions of rows.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from tfmodels.microbatch import MicroBatchedModel

PAD_LOGIT = -1e9
SCORER_PREFIX = "scorer_"


@keras.saving.register_keras_serializable(package="tflab")
class GatherValidChoices(layers.Layer):
    """[B, C, F] features + [B, C] mask → the valid rows [N, F] and their (decision, slot)
    index [N, 2], so the scorer never spends compute on padding."""

    def call(self, features, mask):
        index = tf.where(tf.cast(mask, tf.float32) > 0.5)
        return tf.gather_nd(features, index), index

    def compute_output_spec(self, features, mask):
        return (keras.KerasTensor((None, features.shape[-1]), dtype=features.dtype),
                keras.KerasTensor((None, 2), dtype="int64"))


@keras.saving.register_keras_serializable(package="tflab")
class ScatterLogOdds(layers.Layer):
    """Valid rows' log-odds [N, 1] back into [B, C]; padded slots get −1e9 (probability
    exactly 0 after the softmax)."""

    def call(self, logodds, index, mask):
        board = tf.fill(tf.shape(mask), tf.constant(PAD_LOGIT, logodds.dtype))
        return tf.tensor_scatter_nd_update(board, index, logodds[:, 0])

    def compute_output_spec(self, logodds, index, mask):
        return keras.KerasTensor(mask.shape, dtype=logodds.dtype)


def _scorer_layers(num_layers: int, layer_size: int, dropout: float,
                   activation: str) -> list[layers.Layer]:
    stack: list[layers.Layer] = []
    for i in range(num_layers):
        stack.append(layers.Dense(layer_size, activation=activation,
                                  name=f"{SCORER_PREFIX}dense_{i}"))
        if dropout > 0:
            stack.append(layers.Dropout(dropout, name=f"{SCORER_PREFIX}dropout_{i}"))
    stack.append(layers.Dense(1, name=f"{SCORER_PREFIX}logodds"))
    return stack


def build_logodds_model(num_features: int, *, num_layers: int, layer_size: int,
                        dropout: float = 0.0, activation: str = "relu",
                        max_choices: int | None = None, micro_batch: int = 0) -> keras.Model:
    """Functional model: {"features": [B, C, F], "mask": [B, C] (1 valid, 0 padding)}
    → masked log-odds [B, C].

    The output is the logits of a softmax over choices; train it with
    `SparseCategoricalCrossentropy(from_logits=True)` against the selected slot.
    `micro_batch` > 0 walks each training/evaluation batch in pieces of that many decisions
    (same gradient and loss, faster on a CPU: see `tfmodels.microbatch`).
    """
    features = keras.Input((max_choices, num_features), name="features")
    # float32, not bool: MirroredStrategy cannot aggregate bool inputs across replicas
    mask = keras.Input((max_choices,), dtype="float32", name="mask")
    hidden, index = GatherValidChoices(name="valid_choices")(features, mask)
    for layer in _scorer_layers(num_layers, layer_size, dropout, activation):
        hidden = layer(hidden)
    logits = ScatterLogOdds(name="masked_logodds")(hidden, index, mask)
    model = MicroBatchedModel({"features": features, "mask": mask}, logits,
                              name="mimic_logodds")
    model.micro_batch = int(micro_batch)
    return model


def choice_scorer(model: keras.Model) -> keras.Model:
    """The per-choice scorer of a trained model, sharing its weights: [N, F] → log-odds [N, 1]."""
    scorer_layers = [layer for layer in model.layers if layer.name.startswith(SCORER_PREFIX)]
    num_features = model.input["features"].shape[-1]
    return keras.Sequential([keras.Input((num_features,)), *scorer_layers], name="choice_scorer")


def linear_coefficients(model: keras.Model, feature_names: list[str]) -> dict[str, float]:
    """Coefficients of a linear (num_layers = 0) model: the conditional-logit betas."""
    dense = model.get_layer(f"{SCORER_PREFIX}logodds")
    kernel = dense.get_weights()[0][:, 0]
    if len(kernel) != len(feature_names):
        raise ValueError("model is not linear in the named features")
    return {name: float(value) for name, value in zip(feature_names, kernel)}
