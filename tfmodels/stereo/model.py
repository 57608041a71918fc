"""Keras functional stereo network: shared encoder → correlation + concatenation → decoder.

    left ─┐                         ┌─ corr(d = 0 … D/4) at 1/4 ─┐
          ├─ shared encoder ─ f¼ ──┤                              ├─ concat ─ conv ─ 1/8
    right ┘   (f1 full, f½, f¼)     └─ left f¼ ────────────────────┘
    decoder: 3 × [Conv → BatchNorm → ReLU → SpatialDropout2D(p) → Conv2DTranspose ↑2 → ReLU]
             (1/8 → 1/4 → 1/2 → 1, each followed by a skip from the left branch)
    head:    Conv → disparity (B, H, W, 1) in pixels at full resolution

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

DOWNSAMPLE = 8  # H and W must be divisible by this


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
    f4 = conv_bn_relu(f2, 3 * width, strides=2, name="enc4a")       # 1/4
    f4 = conv_bn_relu(f4, 3 * width, name="enc4b")
    f4 = layers.Conv2D(3 * width, 3, padding="same", name="enc4_features")(f4)
    return keras.Model(image, [f1, f2, f4], name="shared_encoder")


def decoder_block(x, filters: int, out_filters: int, dropout_p: float, name: str):
    """Conv → norm → ReLU → SpatialDropout2D → Conv2DTranspose(↑2) → ReLU (the notes' block)."""
    x = conv_bn_relu(x, filters, name=name)
    x = layers.SpatialDropout2D(dropout_p, name=f"{name}_dropout")(x)
    x = layers.Conv2DTranspose(out_filters, 4, strides=2, padding="same", name=f"{name}_up")(x)
    return layers.ReLU(name=f"{name}_up_relu")(x)


def coarse_disparity(features, max_disparity: int):
    """Soft-argmax over the 1/4-resolution disparity bins, upsampled to full resolution.

    A learned 3×3 conv turns the aggregated cost features into one logit per bin
    (0, 4, 8, … px); the softmax-weighted mean is a sub-bin estimate with smooth gradients.
    This gives the decoder a sensible disparity from the first step, so it only learns the
    residual (edges, sub-pixel detail), which is what lets a CPU-sized run converge.
    """
    bins = max_disparity // 4 + 1
    logits = layers.Conv2D(bins, 3, padding="same", name="coarse_logits")(features)
    probs = layers.Softmax(axis=-1, name="coarse_probs")(logits)
    coarse = SoftArgmax(4.0, name="coarse_soft_argmax")(probs)  # bins are 4 px apart
    return layers.UpSampling2D(4, interpolation="bilinear", name="coarse_up")(coarse)


def build_stereo_model(max_disparity: int = 32, dropout_p: float = 0.2,
                       width: int = 16) -> keras.Model:
    """Disparity (px) of the left view from a rectified (left, right) pair."""
    left = keras.Input((None, None, 3), name="left")
    right = keras.Input((None, None, 3), name="right")
    encoder = build_encoder(width)
    l1, l2, l4 = encoder(left)
    _, _, r4 = encoder(right)
    cost = Correlation(max_disparity // 4, name="cost_volume")([l4, r4])
    x = layers.Concatenate(name="cost_and_left")([cost, l4])
    x4 = conv_bn_relu(x, 4 * width, name="agg4")
    x8 = conv_bn_relu(x4, 6 * width, strides=2, name="agg8a")
    x8 = conv_bn_relu(x8, 6 * width, name="agg8b")
    x = decoder_block(x8, 6 * width, 4 * width, dropout_p, name="dec8")
    x = layers.Concatenate(name="skip4")([x, x4])
    x = decoder_block(x, 4 * width, 2 * width, dropout_p, name="dec4")
    x = layers.Concatenate(name="skip2")([x, l2])
    x = decoder_block(x, 2 * width, width, dropout_p, name="dec2")
    x = layers.Concatenate(name="skip1")([x, l1])
    x = layers.Conv2D(width, 3, padding="same", activation="relu", name="head_conv")(x)
    residual = layers.Conv2D(1, 3, padding="same", name="residual")(x)
    disparity = layers.Add(name="disparity")([coarse_disparity(x4, max_disparity), residual])
    return keras.Model({"left": left, "right": right}, disparity, name="stereo_net")
