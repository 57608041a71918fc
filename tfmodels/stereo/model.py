"""Keras functional stereo network: shared encoder → correlation + concatenation → decoder.

    left ─┐                          ┌─ corr(d = 0, 2, 4, … px) at 1/2 ─┐
          ├─ shared encoder ─ f½ ───┤                                    ├─ concat ─ agg ½ ¼ ⅛
    right ┘   (f1 full, f½)          └─ left f½ ──────────────────────────┘
    decoder: 3 × [Conv → BatchNorm → ReLU → SpatialDropout2D(p) → Conv2DTranspose ↑2 → ReLU]
             (1/8 → 1/4 → 1/2 → 1, each followed by a skip connection)
    output:  soft-argmax over disparity bins at 1/2 (from the decoder), upsampled ×2
             + residual from the full-resolution decoder head = disparity (B, H, W, 1), px

The decoder block is the one in the notes (`Conv2d → BatchNorm2d → ReLU → Dropout2d(p) →
ConvTranspose2d → ReLU`): spatial dropout drops whole feature maps, so neighbouring pixels
cannot stand in for a dropped one. The network is fully convolutional; H and W must be
multiples of 8. `max_disparity` fixes the cost-volume depth, so it is part of the
architecture: a pretrained model fine-tunes only with the same value.
"""
from __future__ import annotations

import keras
from keras import layers

from tfmodels.stereo.layers import Correlation, SoftArgmax

DOWNSAMPLE = 8  # H and W must be divisible by this (three stride-2 stages)


def conv_bn_relu(x, filters: int, strides: int = 1, name: str = ""):
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def build_encoder(width: int) -> keras.Model:
    """Shared feature encoder: one set of weights sees both images."""
    image = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="scale")(image)
    f1 = conv_bn_relu(x, width, name="enc1")                        # full resolution
    f2 = conv_bn_relu(f1, 2 * width, strides=2, name="enc2a")       # 1/2
    f2 = conv_bn_relu(f2, 2 * width, name="enc2b")
    match = layers.Conv2D(2 * width, 1, name="enc2_match")(f2)      # linear matching features
    return keras.Model(image, [f1, f2, match], name="shared_encoder")


def decoder_block(x, filters: int, out_filters: int, dropout_p: float, name: str):
    """Conv → norm → ReLU → SpatialDropout2D → Conv2DTranspose(↑2) → ReLU (the notes' block)."""
    x = conv_bn_relu(x, filters, name=name)
    x = layers.SpatialDropout2D(dropout_p, name=f"{name}_dropout")(x)
    x = layers.Conv2DTranspose(out_filters, 4, strides=2, padding="same", name=f"{name}_up")(x)
    return layers.ReLU(name=f"{name}_up_relu")(x)


def soft_argmax_disparity(features, max_disparity: int):
    """Half-resolution disparity as the softmax-weighted mean over bins 0, 2, 4, … px.

    A learned 3×3 conv scores every bin; the expectation is a sub-bin estimate with smooth
    gradients and is bounded to [0, max_disparity] from the first step, which is what lets
    a CPU-sized run converge. Upsampled ×2 in space; the values are already full-res px.
    """
    bins = max_disparity // 2 + 1
    logits = layers.Conv2D(bins, 3, padding="same", name="bin_logits")(features)
    probs = layers.Softmax(axis=-1, name="bin_probs")(logits)
    half = SoftArgmax(2.0, name="soft_argmax")(probs)
    return layers.UpSampling2D(2, interpolation="bilinear", name="soft_argmax_up")(half)


def build_stereo_model(max_disparity: int = 32, dropout_p: float = 0.2,
                       width: int = 16) -> keras.Model:
    """Disparity (px) of the left view from a rectified (left, right) pair."""
    left = keras.Input((None, None, 3), name="left")
    right = keras.Input((None, None, 3), name="right")
    encoder = build_encoder(width)
    l1, l2, lm = encoder(left)
    _, _, rm = encoder(right)
    cost = Correlation(max_disparity // 2, name="cost_volume")([lm, rm])   # 1/2, 2-px steps
    x2 = conv_bn_relu(layers.Concatenate(name="cost_and_left")([cost, l2]), 2 * width,
                      name="agg2")
    x4 = conv_bn_relu(x2, 3 * width, strides=2, name="agg4a")
    x4 = conv_bn_relu(x4, 3 * width, name="agg4b")
    x8 = conv_bn_relu(x4, 4 * width, strides=2, name="agg8a")
    x8 = conv_bn_relu(x8, 4 * width, name="agg8b")
    x = decoder_block(x8, 4 * width, 3 * width, dropout_p, name="dec8")     # 1/8 → 1/4
    x = layers.Concatenate(name="skip4")([x, x4])
    x = decoder_block(x, 3 * width, 2 * width, dropout_p, name="dec4")      # 1/4 → 1/2
    x = layers.Concatenate(name="skip2")([x, x2])
    coarse = soft_argmax_disparity(x, max_disparity)
    x = decoder_block(x, width, width, dropout_p, name="dec2")              # 1/2 → 1
    x = layers.Concatenate(name="skip1")([x, l1])
    x = layers.Conv2D(width // 2, 3, padding="same", activation="relu", name="head_conv")(x)
    residual = layers.Conv2D(1, 3, padding="same", name="residual")(x)
    disparity = layers.Add(name="disparity")([coarse, residual])
    return keras.Model({"left": left, "right": right}, disparity, name="stereo_net")
