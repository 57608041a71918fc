"""The actor-critic network: observation → (normaliser) → body → policy logits and value.

One Keras functional model holds everything that is trained or saved; its outputs are a
dict so the update step reads the heads it needs by name:
  logits, value                  the actor and the critic (value is (N, 1); always)
  latent                         the body's output vector (always)
  projection                     InfoNCE embedding (when repr losses are on)
  mask, decoded                  attention mask (H, W, 1) and the frame decoded from the
                                 masked feature map (when `attention`)
  recon                          the frame reconstructed from `latent` (when repr is on)
`policy_model(agent)` is a second functional view of the same layers with only
(logits, value): acting runs that, not the repr heads.

Initialisation follows SB3/CleanRL, and it is decisive (the convolution layers'
initialisation above all): orthogonal kernels with gain √2 in the body (conv included),
0.01 on the policy head, 1.0 on the value head, zero biases. `init="glorot"` switches every
kernel to Glorot uniform.
"""
from __future__ import annotations

import math

import keras
import numpy as np

from tfmodels.normalizer import RunningNormalizer

BODY_GAIN = math.sqrt(2.0)
POLICY_GAIN = 0.01
VALUE_GAIN = 1.0


def kernel_init(config, gain: float):
    if config.init == "glorot":
        return keras.initializers.GlorotUniform()
    return keras.initializers.Orthogonal(gain=gain)


def _dense(config, units, gain, activation=None, name=None):
    return keras.layers.Dense(units, activation=activation, name=name,
                              kernel_initializer=kernel_init(config, gain),
                              bias_initializer="zeros")


def _conv(config, filters, size, gain, activation=None, name=None):
    return keras.layers.Conv2D(filters, size, padding="same", activation=activation, name=name,
                               kernel_initializer=kernel_init(config, gain),
                               bias_initializer="zeros")


def _mlp(config, x, prefix: str):
    for i, units in enumerate(config.hidden):
        x = _dense(config, units, BODY_GAIN, "tanh", name=f"{prefix}{i}")(x)
    return x


def uses_repr(config) -> bool:
    return config.repr_coef > 0


def build_agent(obs_shape: tuple[int, ...], n_actions: int, config) -> keras.Model:
    """The full model (all heads); weights seeded by the caller's `set_random_seed`."""
    obs = keras.Input(shape=obs_shape, dtype="float32", name="obs")
    x = RunningNormalizer(name="obs_normalizer")(obs) if config.normalize_obs else obs
    outputs = {}
    image = len(obs_shape) == 3
    if image:
        for i, filters in enumerate(config.conv_filters):
            x = _conv(config, filters, 3, BODY_GAIN, "relu", name=f"conv{i}")(x)
        feature_map = x
        if config.attention:
            h = _conv(config, 32, 1, BODY_GAIN, "relu", name="attention_hidden")(feature_map)
            mask = _conv(config, 1, 1, 1.0, "sigmoid", name="attention_mask")(h)
            feature_map = keras.layers.Multiply(name="masked_features")([feature_map, mask])
            outputs["mask"] = mask
            outputs["masked_features"] = feature_map
            outputs["decoded"] = _conv(config, obs_shape[-1], 3, 1.0,
                                       name="attention_decoder")(feature_map)
        x = keras.layers.Flatten(name="flatten")(feature_map)
        latent = _dense(config, config.dense_units, BODY_GAIN, "relu", name="body_dense")(x)
        value_latent = latent
    else:
        latent = _mlp(config, x, "body_dense")
        # SB3's MlpPolicy gives the critic its own MLP: with a shared trunk the large value
        # gradients dominate the clipped global norm and the policy barely moves.
        value_latent = latent if config.shared_mlp else _mlp(config, x, "value_dense")
    outputs["latent"] = latent
    outputs["logits"] = _dense(config, n_actions, POLICY_GAIN, name="policy")(latent)
    outputs["value"] = _dense(config, 1, VALUE_GAIN, name="value")(value_latent)  # (N, 1)
    if uses_repr(config):
        outputs["projection"] = _dense(config, 64, 1.0, name="projection")(latent)
        flat = _dense(config, int(np.prod(obs_shape)), 1.0, name="recon_head")(latent)
        outputs["recon"] = keras.layers.Reshape(obs_shape, name="recon")(flat)
    return keras.Model(obs, outputs, name="actor_critic")


def policy_model(agent: keras.Model) -> keras.Model:
    """(logits, value) only: the same layers, none of the repr heads' compute."""
    return keras.Model(agent.input, [agent.output["logits"], agent.output["value"]],
                       name="policy")


def normalizer_of(agent: keras.Model) -> RunningNormalizer | None:
    for layer in agent.layers:
        if isinstance(layer, RunningNormalizer):
            return layer
    return None
