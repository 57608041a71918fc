"""The mimic network as a seed population: S log-odds MLPs scored in one pass.

    features [B, C, F] ─┬▶ valid rows [N, F] ─StackedDense × num_layers─▶ S × [N, units]
    mask     [B, C]    ─┘      ─StackedDense(1)─▶ log-odds S × [N, 1] ─▶ [B, S, C], padded
                                                   slots −1e9 ─▶ softmax over C, per member

The valid rows are gathered once and shared by every member (padding is never computed, as
in the solo model). Member k starts from exactly the weights a solo run with
`random_seed = seeds[k]` starts from — its solo model is built under that seed and copied
in — and `member_model` slices it back out as a plain `build_logodds_model` network, so a
member's model.keras loads and scores without any population code.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from tfmodels.mimic.model import PAD_LOGIT, GatherValidChoices, build_logodds_model
from tfmodels.population import PopulationModel, StackedDense


@keras.saving.register_keras_serializable(package="tflab")
class ScatterMemberLogOdds(layers.Layer):
    """Members' log-odds of the valid rows (S × [N, 1]) back into [B, S, C]; padded slots get
    −1e9 (probability exactly 0 after the softmax)."""

    def call(self, logodds, index, mask):
        updates = tf.concat(list(logodds), axis=1)  # S × [N, 1] → [N, S]
        shape = tf.concat([tf.shape(mask), tf.shape(updates)[1:]], axis=0)  # [B, C, S]
        board = tf.fill(shape, tf.constant(PAD_LOGIT, updates.dtype))
        return tf.transpose(tf.tensor_scatter_nd_update(board, index, updates), [0, 2, 1])

    def compute_output_spec(self, logodds, index, mask):
        return keras.KerasTensor((mask.shape[0], len(logodds), mask.shape[1]),
                                 dtype=logodds[0].dtype)


def member_choice_loss(selected: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Cross-entropy of the selected slot for every member: [B] × [B, S, C] → [B, S]."""
    members = tf.shape(logits)[1]
    labels = tf.tile(tf.cast(selected, tf.int32)[:, None], tf.stack([1, members]))
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def solo_starts(num_features: int, seeds: list[int], deterministic: bool,
                **architecture) -> list[list[np.ndarray]]:
    """The initial weights of a solo run for each seed (built exactly as a solo run does)."""
    from tfmodels.runtime import seed_everything

    starts = []
    for seed in seeds:
        seed_everything(seed, deterministic)
        starts.append(build_logodds_model(num_features, **architecture).get_weights())
    return starts


def build_population_model(num_features: int, *, seeds: list[int], num_layers: int,
                           layer_size: int, dropout: float = 0.0, activation: str = "relu",
                           micro_batch: int = 0, deterministic: bool = True
                           ) -> PopulationModel:
    """{"features": [B, C, F], "mask": [B, C]} → log-odds [B, S, C], member k initialised
    as a solo run with random_seed = seeds[k]."""
    architecture = dict(num_layers=num_layers, layer_size=layer_size, dropout=dropout,
                        activation=activation)
    starts = solo_starts(num_features, seeds, deterministic, **architecture)
    members = len(seeds)
    features = keras.Input((None, num_features), name="features")
    mask = keras.Input((None,), dtype="float32", name="mask")
    hidden, index = GatherValidChoices(name="valid_choices")(features, mask)
    for i in range(num_layers):
        hidden = StackedDense(layer_size, members, activation, dropout=dropout,
                              name=f"members_dense_{i}")(hidden)
    logodds = StackedDense(1, members, name="members_logodds")(hidden)
    logits = ScatterMemberLogOdds(name="masked_member_logodds")(logodds, index, mask)
    model = PopulationModel({"features": features, "mask": mask}, logits,
                            name="mimic_population")
    model.micro_batch = int(micro_batch)
    model.configure_members(members, member_choice_loss)
    stacked = [layer for layer in model.layers if isinstance(layer, StackedDense)]
    for i, layer in enumerate(stacked):
        kernels = np.stack([start[2 * i] for start in starts])
        biases = np.stack([start[2 * i + 1] for start in starts])
        layer.set_weights([kernels, biases])
    model.architecture = architecture
    return model


def member_model(population: PopulationModel, member: int) -> keras.Model:
    """Member `member` as a plain mimic network (`build_logodds_model`) with its weights."""
    num_features = population.input["features"].shape[-1]
    solo = build_logodds_model(num_features, **population.architecture)
    weights = []
    for layer in population.layers:
        if isinstance(layer, StackedDense):
            kernel, bias = layer.get_weights()
            weights += [kernel[member], bias[member]]
    solo.set_weights(weights)
    return solo
