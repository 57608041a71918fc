"""Census-cost stereo network: a fixed matching cost, learned aggregation and refinement.

    left, right ─ CensusTransform (fixed) ─ Correlation, 1-px steps, full res ─ cost (D + 1)
    cost ─ 5×5 box ─ cost_fine (full res) ────────────────────────────────┐
    cost_fine ─ s×s mean ─ cost at 1/s ─┬─ × learned scale ───────┐       │
    left ─ small encoder ─ 1/s ─────────┴─ hourglass 1/s…1/4s ─ + ─ softmax over D + 1 bins
             (decoder blocks: Conv → BN → ReLU → SpatialDropout2D → Conv2DTranspose)
          ─ soft-argmax (1-px bins) ─ ↑s ─ d̂ ─ CostLookup(cost_fine, d̂ ± 3) ┘
    [lookup, left full-res features, d̂ / D] ─ dilated convs ─ residual ─ d̂ + residual

Why this shape: the learned-feature network (tfmodels/stereo/model.py) must learn what a
match looks like from synthetic scenes, and a CPU budget does not teach it enough to carry
over to photographs. Here nothing that decides "similar" is learned: the census cost is the
same on any camera (invariant to monotonic brightness changes), so what is trained — the
aggregation that resolves ambiguous and occluded pixels from context (SGBM's job, done by a
network), and a full-resolution refinement that reads the cost around the coarse answer for
sub-pixel detail — only sees domain-free evidence plus the left image as a guide. The raw
cost also votes in the softmax directly (a learned scale), so the untrained network already
answers like a box-filtered census matcher and training starts from there.
H and W must be multiples of 4·s, as for the learned network (model.multiple_of).
"""
from __future__ import annotations

import keras
from keras import layers

from tfmodels.stereo.census_layers import (CensusTransform, CostLookup, LearnedScale,
                                           RowCorrelation)
from tfmodels.stereo.layers import SoftArgmax
from tfmodels.stereo.model import build_stereo_model, conv_bn_relu, decoder_block

LOOKUP_RADIUS = 3       # the refinement reads the cost at d̂ − 3 … d̂ + 3 px
INITIAL_COST_SCALE = 10.0  # census similarity spans about 1: ×10 makes a clear match win


def census_cost(left, right, max_disparity: int, radius: int, softness: float):
    """Full-resolution census similarity for d = 0 … max_disparity (1 − 2·Hamming/n)."""
    census = CensusTransform(radius, softness, name="census")
    return RowCorrelation(max_disparity, name="cost_volume")([census(left), census(right)])


def guidance_features(left, width: int, volume_scale: int) -> list:
    """Left-image features at full resolution, 1/2, …, 1/s: where edges and surfaces are."""
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="guide_scale")(left)
    features = [conv_bn_relu(x, width, name="guide1")]
    scale = 1
    while scale < volume_scale:
        scale *= 2
        features.append(conv_bn_relu(features[-1], 2 * width, strides=2, name=f"guide{scale}"))
    return features


def aggregate(cost_coarse, guide, max_disparity: int, width: int, dropout_p: float, s: int):
    """Hourglass over [cost, guide] at 1/s…1/4s → disparity logits (D + 1 bins) at 1/s."""
    xs = conv_bn_relu(layers.Concatenate(name="cost_and_guide")([cost_coarse, guide]),
                      3 * width, name=f"agg{s}")
    x2s = conv_bn_relu(xs, 3 * width, strides=2, name=f"agg{2 * s}a")
    x2s = conv_bn_relu(x2s, 3 * width, name=f"agg{2 * s}b")
    x4s = conv_bn_relu(x2s, 4 * width, strides=2, name=f"agg{4 * s}a")
    x4s = conv_bn_relu(x4s, 4 * width, name=f"agg{4 * s}b")
    x = decoder_block(x4s, 4 * width, 3 * width, dropout_p, name=f"dec{4 * s}")
    x = layers.Concatenate(name=f"skip{2 * s}")([x, x2s])
    x = decoder_block(x, 3 * width, 3 * width, dropout_p, name=f"dec{2 * s}")
    x = layers.Concatenate(name=f"skip{s}")([x, xs])
    x = conv_bn_relu(x, 3 * width, name="logit_features")
    learned = layers.Conv2D(max_disparity + 1, 3, padding="same", name="bin_logits")(x)
    raw = LearnedScale(INITIAL_COST_SCALE, name="cost_vote")(cost_coarse)
    return layers.Add(name="logits")([learned, raw])


def refine(cost_fine, coarse, guide_full, max_disparity: int, width: int, dropout_p: float):
    """Full-resolution residual from the cost around d̂, guided by the left image."""
    evidence = CostLookup(LOOKUP_RADIUS, name="cost_lookup")([cost_fine, coarse])
    level = layers.Rescaling(1.0 / max_disparity, name="coarse_norm")(coarse)
    x = layers.Concatenate(name="refine_in")([evidence, guide_full, level])
    x = conv_bn_relu(x, width, name="refine1")
    for rate in (2, 4, 8):
        x = layers.Conv2D(width, 3, padding="same", dilation_rate=rate, use_bias=False,
                          name=f"refine_d{rate}_conv")(x)
        x = layers.BatchNormalization(name=f"refine_d{rate}_bn")(x)
        x = layers.ReLU(name=f"refine_d{rate}_relu")(x)
    x = layers.SpatialDropout2D(dropout_p, name="refine_dropout")(x)
    x = layers.Conv2D(width, 3, padding="same", activation="relu", name="head_conv")(x)
    return layers.Conv2D(1, 3, padding="same", name="residual")(x)


def build_census_stereo_model(max_disparity: int = 32, dropout_p: float = 0.2,
                              width: int = 16, volume_scale: int = 4,
                              census_radius: int = 4,
                              census_softness: float = 1.0,
                              soft_argmax_window: int = 0) -> keras.Model:
    """Disparity (px) of the left view from a rectified (left, right) pair."""
    s = int(volume_scale)
    left = keras.Input((None, None, 3), name="left")
    right = keras.Input((None, None, 3), name="right")
    cost = census_cost(left, right, max_disparity, census_radius, census_softness)
    cost_fine = layers.AveragePooling2D(5, strides=1, padding="same", name="cost_box")(cost)
    cost_coarse = layers.AveragePooling2D(s, name="cost_volume_pool")(cost_fine)
    guide = guidance_features(left, width, s)
    logits = aggregate(cost_coarse, guide[-1], max_disparity, width, dropout_p, s)
    probs = layers.Softmax(axis=-1, name="bin_probs")(logits)
    coarse = SoftArgmax(1.0, soft_argmax_window, name="soft_argmax")(probs)
    coarse = layers.UpSampling2D(s, interpolation="bilinear", name="soft_argmax_up")(coarse)
    residual = refine(cost_fine, coarse, guide[0], max_disparity, width, dropout_p)
    disparity = layers.Add(name="disparity")([coarse, residual])
    return keras.Model({"left": left, "right": right}, disparity, name="census_stereo_net")


def build_for_config(config) -> keras.Model:
    """The network a StereoConfig names (`architecture`), freshly initialised."""
    if config.architecture == "census":
        return build_census_stereo_model(config.max_disparity, config.dropout_p,
                                         config.base_width, config.volume_scale,
                                         config.census_radius, config.census_softness,
                                         config.soft_argmax_window)
    return build_stereo_model(config.max_disparity, config.dropout_p, config.base_width,
                              config.volume_scale)
