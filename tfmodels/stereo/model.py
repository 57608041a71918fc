"""Keras functional stereo network: shared encoder → correlation + concatenation → decoder.

    left ─┐                          ┌─ corr(d = 0, s, 2s, … px) at 1/s ─┐
          ├─ shared encoder ─ f1/s ─┤                                     ├─ concat ─ agg
    right ┘   (f1 … f1/s)            └─ left f1/s ─────────────────────────┘   1/s 1/2s 1/4s
    decoder: [Conv → BatchNorm → ReLU → SpatialDropout2D(p) → Conv2DTranspose ↑2 → ReLU]
             per level (1/4s → … → 1), each followed by a skip connection
    output:  soft-argmax over disparity bins at 1/s (from the decoder), upsampled ×s
             + residual from the full-resolution decoder head = disparity (B, H, W, 1), px

`volume_scale` s is the resolution of the cost volume: s = 2 (the CPU-sized 48×96 default)
or s = 4 (the GC-Net/PSMNet choice at real sizes: max_disparity / 4 + 1 channels, 1/16
of the pixels; bench/stereo_realres.py measures both at 640×480). The decoder block is the
fine-tuning recipe's, `Conv2d → BatchNorm2d → ReLU → Dropout2d(p) → ConvTranspose2d → ReLU`:
spatial dropout drops whole feature maps, so neighbouring pixels cannot stand in for a
dropped one. The network is fully convolutional; H and W must be multiples of
`multiple_of(s)` = 4·s (pad and crop back at other sizes: tfmodels.stereo.inference).
`max_disparity` and s fix the cost-volume depth, so both are part of the architecture.
"""
from __future__ import annotations

import keras
from keras import layers

from tfmodels.stereo.layers import Correlation, SoftArgmax

VOLUME_SCALES = (2, 4)
DOWNSAMPLE = 8  # multiple_of(2): the default network's size multiple


def multiple_of(volume_scale: int) -> int:
    """H and W must be divisible by this: the cost volume at 1/s, two more stride-2 stages."""
    return 4 * int(volume_scale)


def conv_bn_relu(x, filters: int, strides: int = 1, name: str = ""):
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def build_encoder(width: int, volume_scale: int = 2) -> keras.Model:
    """Shared feature encoder: one set of weights sees both images.

    Outputs the features of every level from full resolution down to 1/s (decoder skips)
    and linear matching features at 1/s.
    """
    image = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="scale")(image)
    features = [conv_bn_relu(x, width, name="enc1")]                   # full resolution
    scale = 1
    while scale < volume_scale:
        scale *= 2
        x = conv_bn_relu(features[-1], 2 * width, strides=2, name=f"enc{scale}a")
        features.append(conv_bn_relu(x, 2 * width, name=f"enc{scale}b"))
    name = "enc2_match" if volume_scale == 2 else f"enc{volume_scale}_match"
    match = layers.Conv2D(2 * width, 1, name=name)(features[-1])       # matching features
    return keras.Model(image, [*features, match], name="shared_encoder")


def decoder_block(x, filters: int, out_filters: int, dropout_p: float, name: str):
    """Conv → norm → ReLU → SpatialDropout2D → Conv2DTranspose(↑2) → ReLU (recipe's block)."""
    x = conv_bn_relu(x, filters, name=name)
    x = layers.SpatialDropout2D(dropout_p, name=f"{name}_dropout")(x)
    x = layers.Conv2DTranspose(out_filters, 4, strides=2, padding="same", name=f"{name}_up")(x)
    return layers.ReLU(name=f"{name}_up_relu")(x)


def soft_argmax_disparity(features, max_disparity: int, volume_scale: int = 2):
    """1/s-resolution disparity as the softmax-weighted mean over bins 0, s, 2s, … px.

    A learned 3×3 conv scores every bin; the expectation is a sub-bin estimate with smooth
    gradients and is bounded to [0, max_disparity] from the first step, which is what lets
    a CPU-sized run converge. Upsampled ×s in space; the values are already full-res px.
    """
    bins = max_disparity // volume_scale + 1
    logits = layers.Conv2D(bins, 3, padding="same", name="bin_logits")(features)
    probs = layers.Softmax(axis=-1, name="bin_probs")(logits)
    coarse = SoftArgmax(float(volume_scale), name="soft_argmax")(probs)
    return layers.UpSampling2D(volume_scale, interpolation="bilinear",
                               name="soft_argmax_up")(coarse)


def build_stereo_model(max_disparity: int = 32, dropout_p: float = 0.2, width: int = 16,
                       volume_scale: int = 2) -> keras.Model:
    """Disparity (px) of the left view from a rectified (left, right) pair."""
    if volume_scale not in VOLUME_SCALES:
        raise ValueError(f"volume_scale must be one of {VOLUME_SCALES}, got {volume_scale}")
    s = volume_scale
    left = keras.Input((None, None, 3), name="left")
    right = keras.Input((None, None, 3), name="right")
    encoder = build_encoder(width, s)
    *left_features, lm = encoder(left)
    *_, rm = encoder(right)
    cost = Correlation(max_disparity // s, name="cost_volume")([lm, rm])   # 1/s, s-px steps
    xs = conv_bn_relu(layers.Concatenate(name="cost_and_left")([cost, left_features[-1]]),
                      2 * width, name=f"agg{s}")
    x2s = conv_bn_relu(xs, 3 * width, strides=2, name=f"agg{2 * s}a")
    x2s = conv_bn_relu(x2s, 3 * width, name=f"agg{2 * s}b")
    x4s = conv_bn_relu(x2s, 4 * width, strides=2, name=f"agg{4 * s}a")
    x4s = conv_bn_relu(x4s, 4 * width, name=f"agg{4 * s}b")
    x = decoder_block(x4s, 4 * width, 3 * width, dropout_p, name=f"dec{4 * s}")  # 1/4s → 1/2s
    x = layers.Concatenate(name=f"skip{2 * s}")([x, x2s])
    x = decoder_block(x, 3 * width, 2 * width, dropout_p, name=f"dec{2 * s}")    # 1/2s → 1/s
    x = layers.Concatenate(name=f"skip{s}")([x, xs])
    coarse = soft_argmax_disparity(x, max_disparity, s)
    level = s
    for skip in reversed(left_features[:-1]):                                  # 1/s → 1
        out = width if level == 2 else 2 * width
        x = decoder_block(x, out, out, dropout_p, name=f"dec{level}")
        level //= 2
        x = layers.Concatenate(name=f"skip{level}")([x, skip])
    x = layers.Conv2D(width // 2, 3, padding="same", activation="relu", name="head_conv")(x)
    residual = layers.Conv2D(1, 3, padding="same", name="residual")(x)
    disparity = layers.Add(name="disparity")([coarse, residual])
    return keras.Model({"left": left, "right": right}, disparity, name="stereo_net")
