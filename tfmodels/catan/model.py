"""Keras functional ResNet-18 for the 11×21 Catan board, with one head per output type.

Body (the standard ResNet-18 block layout, adapted to a small board):
- stem: 3×3 conv, stride 1, no max-pool (the ImageNet 7×7/2 conv + pool would turn
  11×21 into 3×6 before the first block) → norm → ReLU;
- 4 stages of 2 basic blocks (3×3 conv → norm → ReLU → 3×3 conv → norm, + shortcut,
  ReLU), widths 64/128/256/512 × `width`, strides 1/2/2/2 (11×21 → 6×11 → 3×6 →
  2×3); a block that changes shape gets the usual 1×1-conv + norm projection
  shortcut. Convs carry no bias unless norm="none" (a norm's β makes it redundant).

Heads read a hypercolumn: the stage outputs upsampled (nearest) back to 11×21 and
concatenated, so a per-pixel head sees both the fine board and the deep context. Board
planes are predicted per pixel (1×1 conv); numeric features and actions are per-game
quantities, so they are predicted from the hypercolumn's global average (Dense) and
numeric ones are broadcast back to planes, which keeps every state head in the task's
planar layout:

    categorical [B, H, W, n, classes] logits   binary [B, H, W, n] logits
    float       [B, H, W, n] values            action [B, future, C_A] logits

with the n channels of each head in `channels.head_split` order (channels-last; see
`pipelines.catan.layout.merge_heads` for the way back to the channels-first layout).

Float head = persistence + change (`float_persistence`, on by default): it adds its output
to the last observed tick's value of each float channel (`LastObserved`), so it learns how
a value *changes* over the next 4 ticks, not the value. Most float planes are the dice
probabilities of the board (k/36 per node, fixed for a game), which a per-pixel regression
from a ResNet must otherwise rebuild to within 1/72 on every node: measured on the overfit
setting (64 windows, width 0.25, GroupNorm, 120 epochs) without it, float reached 95.6 %
within half a quantum (the *_PROBA planes 51–53 %) while every other head was at ≥ 99.9 %.
The diagnostics report the persistence baseline beside every head, so what the network
adds over copying the last tick stays visible.

Head output kernels start at zero (values 0, uniform logits), so the first steps are not
spent undoing random guesses on thousands of mostly-empty board elements. Optionally
(`prior_init`, off by default) their biases start at the training marginals
(`target_priors` → `set_output_priors`: log class frequencies, logit of P(1), mean value,
log action frequency per future step). The argument for it: AMSGrad divides every step by
the largest second moment it has seen, and the first gradients from a uniform guess are the
largest. Measured once on the overfit setting (64 windows, width 0.25, lr 1e-2, GroupNorm,
equal head weights, same seed) it did not help: train_loss_true after 17 epochs was 1.25
with priors and 0.51 without. So it stays an option, not the default.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from pipelines.catan.channels import C_A, C_T, N_BOARD, STATE_KINDS, H, HeadSplit, W
from tfmodels.catan.layers import BroadcastConv2D, make_norm, widths

STRIDES = (1, 2, 2, 2)
BLOCKS = (2, 2, 2, 2)


@keras.saving.register_keras_serializable("tflab_catan")
class PlanarJoin(keras.layers.Layer):
    """Per future timestep: board channels (per pixel) then broadcast numeric channels."""

    def __init__(self, future: int, n_spatial: int, n_global: int, classes: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.future, self.n_spatial, self.n_global = future, n_spatial, n_global
        self.classes = classes

    def call(self, inputs):
        """`inputs`: [board logits/values] if n_spatial, then [feature ones] if n_global."""
        tail = (self.classes,) if self.classes else ()
        inputs = list(inputs)
        parts = []
        if self.n_spatial:
            spatial = inputs.pop(0)
            parts.append(tf.reshape(spatial, (-1, H, W, self.future, self.n_spatial, *tail)))
        if self.n_global:
            flat = tf.reshape(inputs.pop(0), (-1, 1, 1, self.future, self.n_global, *tail))
            parts.append(tf.broadcast_to(flat, (tf.shape(flat)[0], H, W, self.future,
                                                self.n_global, *tail)))
        joined = tf.concat(parts, axis=4) if len(parts) > 1 else parts[0]
        return tf.reshape(joined, (-1, H, W, self.future * (self.n_spatial + self.n_global),
                                   *tail))

    def get_config(self):
        return {**super().get_config(), "future": self.future, "n_spatial": self.n_spatial,
                "n_global": self.n_global, "classes": self.classes}


@keras.saving.register_keras_serializable("tflab_catan")
class UpToBoard(keras.layers.Layer):
    """Nearest upsampling by `factor` cropped to the board: output pixel i reads i // factor,
    the stage pixel whose stride-2 receptive field is centred on it (XLA-compilable, unlike
    a resize's gradient)."""

    def __init__(self, factor: int, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        x = tf.repeat(tf.repeat(x, self.factor, axis=1), self.factor, axis=2)
        return x[:, :H, :W]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], H, W, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def last_observed(window, history: int, channels, future: int):
    """Channels-first window → the last tick's `channels` (state channel ids), channels-last
    and repeated for each future tick: `[B, H, W, future·n]`, the persistence forecast."""
    last = [(history - 1) * C_T + int(c) for c in channels]
    picked = tf.transpose(tf.gather(window, last, axis=1), (0, 2, 3, 1))   # [B, H, W, n]
    return tf.tile(picked, (1, 1, 1, future))


@keras.saving.register_keras_serializable("tflab_catan")
class LastObserved(keras.layers.Layer):
    """Values of some state channels at the last input tick, repeated for each future tick:
    the persistence forecast, channels-last `[B, H, W, future·n]` in `head_split` order."""

    def __init__(self, history: int, channels: list[int], future: int, **kwargs):
        super().__init__(**kwargs)
        self.history, self.channels, self.future = history, [int(c) for c in channels], future

    def call(self, window):
        return last_observed(window, self.history, self.channels, self.future)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], H, W, self.future * len(self.channels))

    def get_config(self):
        return {**super().get_config(), "history": self.history, "channels": self.channels,
                "future": self.future}


@keras.saving.register_keras_serializable("tflab_catan")
class LastTickFeatures(keras.layers.Layer):
    """The last input tick's numeric features and action one-hot as a vector `[B, C_T − 20]`
    (read at pixel (0, 0): they are constant planes)."""

    def __init__(self, history: int, **kwargs):
        super().__init__(**kwargs)
        self.history = history

    def call(self, window):
        start = (self.history - 1) * C_T
        return window[:, start + N_BOARD:start + C_T, 0, 0]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], C_T - N_BOARD)

    def get_config(self):
        return {**super().get_config(), "history": self.history}


def _conv(filters, kernel, stride, bias, name):
    return keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=bias,
                               kernel_initializer="he_normal", name=name)


def _norm_act(x, norm, name, relu=True, **norm_args):
    layer = make_norm(norm, x.shape[-1], name=name, **norm_args)
    if layer is not None:
        x = layer(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x) if relu else x


def basic_block(x, filters: int, stride: int, norm: str, name: str, **norm_args):
    """ResNet basic block (He et al. 2016, option B shortcut)."""
    bias = norm == "none"
    shortcut = x
    y = _conv(filters, 3, stride, bias, f"{name}_conv1")(x)
    y = _norm_act(y, norm, f"{name}_norm1", **norm_args)
    y = _conv(filters, 3, 1, bias, f"{name}_conv2")(y)
    y = _norm_act(y, norm, f"{name}_norm2", relu=False, **norm_args)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = _conv(filters, 1, stride, bias, f"{name}_proj")(x)
        shortcut = _norm_act(shortcut, norm, f"{name}_proj_norm", relu=False, **norm_args)
    y = keras.layers.Add(name=f"{name}_add")([y, shortcut])
    return keras.layers.ReLU(name=f"{name}_out")(y)


def resnet18_body(window, history: int, *, width: float, norm: str, groups: int,
                  bn_momentum: float) -> list:
    """Stem + 4 stages on the channels-first input; returns the 4 stage outputs (channels-last)."""
    # GroupNorm: `groups` is the count at width 1 (32, as in Wu & He); it scales with the
    # width so a group spans the same channels at any width (2 in the stem, 16 in stage 4)
    norm_args = {"groups": max(1, round(groups * width)), "momentum": bn_momentum}
    stage_widths = widths(width)
    x = BroadcastConv2D(stage_widths[0], history, C_T, N_BOARD, use_bias=norm == "none",
                        name="stem_conv")(window)
    x = _norm_act(x, norm, "stem_norm", **norm_args)
    features = []
    for stage, (filters, stride, blocks) in enumerate(zip(stage_widths, STRIDES, BLOCKS), 1):
        for block in range(blocks):
            x = basic_block(x, filters, stride if block == 0 else 1, norm,
                            f"stage{stage}_block{block + 1}", **norm_args)
        features.append(x)
    return features


def _head_counts(split: HeadSplit, kind: str) -> tuple[int, int]:
    """(board channels, broadcast channels) of `kind` per future timestep."""
    spatial = split.spatial[kind].reshape(split.future, -1)[0] if split.size(kind) else []
    return int(np.sum(spatial)), int(len(spatial) - np.sum(spatial))


def build_model(split: HeadSplit, history: int, *, width: float = 1.0, norm: str = "group",
                groups: int = 32, bn_momentum: float = 0.9, classes: int = 3,
                float_persistence: bool = True, numeric_skip: bool = False) -> keras.Model:
    window = keras.Input((history * C_T, H, W), name="window")
    features = resnet18_body(window, history, width=width, norm=norm, groups=groups,
                             bn_momentum=bn_momentum)
    resized = [features[0]] + [UpToBoard(2 ** (i + 1), name=f"up{i + 2}")(f)
                               for i, f in enumerate(features[1:])]
    hyper = keras.layers.Concatenate(name="hypercolumn")(resized)
    pooled = keras.layers.GlobalAveragePooling2D(name="pool")(hyper)
    if numeric_skip:  # per-example norms erase a constant plane's value: hand it over as is
        pooled = keras.layers.Concatenate(name="pool_and_last_tick")(
            [pooled, LastTickFeatures(history, name="last_tick")(window)])
    outputs = {}
    future = split.future
    for kind in STATE_KINDS:
        n_spatial, n_global = _head_counts(split, kind)
        if n_spatial + n_global == 0:
            continue
        per = classes if kind == "categorical" else 1
        parts = []
        if n_spatial:
            parts.append(keras.layers.Conv2D(future * n_spatial * per, 1, name=f"{kind}_board",
                                             kernel_initializer="zeros")(hyper))
        if n_global:
            parts.append(keras.layers.Dense(future * n_global * per, name=f"{kind}_features",
                                            kernel_initializer="zeros")(pooled))
        joined_name = f"{kind}_change" if kind == "float" and float_persistence else kind
        outputs[kind] = PlanarJoin(future, n_spatial, n_global,
                                   classes if kind == "categorical" else 0,
                                   name=joined_name)(parts)
        if kind == "float" and float_persistence:
            per_step = split.indices["float"][:split.size("float") // future]  # t+1: = C_S ids
            persistence = LastObserved(history, per_step, future, name="float_last")(window)
            outputs[kind] = keras.layers.Add(name="float")([outputs[kind], persistence])
    action = keras.layers.Dense(future * C_A, name="action_logits",
                                kernel_initializer="zeros")(pooled)
    outputs["action"] = keras.layers.Reshape((future, C_A), name="action")(action)
    return keras.Model(window, outputs, name=f"catan_resnet18_{norm}")


def target_priors(batches, classes: int = 3, eps: float = 1e-3) -> dict:
    """Per head output: class frequencies (categorical, [n, classes]), P(1) (binary, [n]),
    mean (float, [n]) and action frequencies per future step ([future, C_A]), over the
    per-head targets of `batches` of (x, y). Frequencies are clipped to [eps, 1 - eps]."""
    sums, count = {}, 0
    for _, y in batches:
        n = int(y["action"].shape[0])
        count += n
        for kind, target in y.items():
            if kind == "categorical":
                value = tf.reduce_mean(tf.one_hot(target, classes), axis=(1, 2))
            elif kind == "action":
                value = tf.one_hot(target, C_A)
            else:
                value = tf.reduce_mean(tf.cast(target, tf.float32), axis=(1, 2))
            sums[kind] = sums.get(kind, 0.0) + tf.reduce_sum(value, axis=0).numpy()
    priors = {kind: total / count for kind, total in sums.items()}
    for kind in ("categorical", "binary", "action"):
        if kind in priors:
            priors[kind] = np.clip(priors[kind], eps, 1 - eps)
    return priors


def set_output_priors(model: keras.Model, split: HeadSplit, priors: dict) -> None:
    """Set every head's output bias so that, with zero kernels, it predicts the priors."""
    future = split.future
    for kind in STATE_KINDS:
        if kind not in priors or (kind == "float" and "float_last" in
                                  [layer.name for layer in model.layers]):
            continue  # a persistence float head predicts a change: its prior is 0
        value = priors[kind]
        if kind == "categorical":
            value = np.log(value)
        elif kind == "binary":
            value = np.log(value / (1 - value))
        n_spatial, n_global = _head_counts(split, kind)
        per_step = value.reshape(future, n_spatial + n_global, -1)  # head_split order
        if n_spatial:
            model.get_layer(f"{kind}_board").bias.assign(per_step[:, :n_spatial].ravel())
        if n_global:
            model.get_layer(f"{kind}_features").bias.assign(per_step[:, n_spatial:].ravel())
    model.get_layer("action_logits").bias.assign(np.log(priors["action"]).ravel())


def body_parameter_count(model: keras.Model) -> int:
    """Parameters of the stem and the 4 stages (what the ResNet-18 layout fixes)."""
    return sum(layer.count_params() for layer in model.layers
               if layer.name.startswith(("stem_", "stage")))
