"""The census-cost network: its fixed layers against NumPy, and the model as a stereo model.

The fixed layers decide what the network can see on real photographs, so each is checked
against a direct NumPy computation; the model must save and load, report its geometry to
the CLIs, and predict at sizes that are not its multiple.
"""
import keras
import numpy as np
import pytest

from configs.stereo_pretrain_census import get_config as census_config
from tflab.errors import UserError
from tfmodels.stereo.census_layers import (LUMA, CensusTransform, CostLookup, LearnedScale,
                                           RowCorrelation)
from tfmodels.stereo.census_model import build_census_stereo_model, build_for_config
from tfmodels.stereo.inference import load_stereo_model, model_geometry, predict_pair
from tfmodels.stereo.layers import Correlation


def numpy_census(image, radius, softness):
    grey = (image.astype(np.float64) * np.array(LUMA)).sum(-1)
    padded = np.pad(grey, ((0, 0), (radius, radius), (radius, radius)), mode="symmetric")
    h, w = grey.shape[1:]
    bits = [np.tanh((padded[:, radius + dy:radius + dy + h, radius + dx:radius + dx + w]
                     - grey) / softness)
            for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
            if (dy, dx) != (0, 0)]
    return np.stack(bits, -1)


def test_census_matches_numpy_and_ignores_a_brightness_offset():
    image = np.random.default_rng(0).uniform(0, 200, (2, 7, 9, 3)).astype("float32")
    layer = CensusTransform(radius=2, softness=3.0)
    bits = np.asarray(layer(image))
    assert bits.shape == (2, 7, 9, 24)
    np.testing.assert_allclose(bits, numpy_census(image, 2, 3.0), atol=1e-5)
    np.testing.assert_allclose(np.asarray(layer(image + 40.0)), bits, atol=1e-4)


def test_row_correlation_equals_the_shifted_correlation_also_beyond_the_width():
    rng = np.random.default_rng(1)
    left, right = (rng.normal(size=(2, 3, 12, 5)).astype("float32") for _ in range(2))
    for d in (4, 15):  # 15 >= width: the far displacements see zeros only
        fast = np.asarray(RowCorrelation(d)([left, right]))
        np.testing.assert_allclose(fast, np.asarray(Correlation(d)([left, right])), atol=1e-5)
        assert fast.shape == (2, 3, 12, d + 1)


def test_cost_lookup_interpolates_between_bins_and_is_zero_outside():
    cost = np.random.default_rng(2).normal(size=(1, 2, 3, 9)).astype("float32")
    disparity = np.array([0.0, 2.5, 7.25, 3.0, 8.0, 4.75]).reshape(1, 2, 3, 1).astype("float32")
    got = np.asarray(CostLookup(radius=2)([cost, disparity]))
    for y in range(2):
        for x in range(3):
            for i, k in enumerate(range(-2, 3)):
                pos = disparity[0, y, x, 0] + k
                lo = int(np.floor(pos))
                frac = pos - lo
                want = sum(weight * cost[0, y, x, b] for b, weight in ((lo, 1 - frac),
                           (lo + 1, frac)) if 0 <= b < 9)
                np.testing.assert_allclose(got[0, y, x, i], want, atol=1e-5)


def test_untrained_network_already_matches_a_textured_shift():
    """The raw census cost votes in the softmax: a fresh network's top bin is the 6-px shift."""
    rng = np.random.default_rng(3)
    scene = rng.uniform(0, 255, (32, 72, 3)).astype("float32")
    left, right = scene[:, :64], scene[:, 6:70]  # left(x) = right(x − 6)
    model = build_census_stereo_model(16, dropout_p=0.0, width=4, volume_scale=4)
    probs = keras.Model(model.inputs, model.get_layer("bin_probs").output)
    top = np.argmax(np.asarray(probs({"left": left[None], "right": right[None]}))[0], -1)
    assert np.mean(top[1:-1, 2:-1] == 6) > 0.9  # away from the borders (x − d < 0)


def test_census_model_saves_reloads_and_predicts_at_any_size(tmp_path):
    model = build_census_stereo_model(12, dropout_p=0.2, width=4, volume_scale=4)
    rng = np.random.default_rng(4)
    pair = {k: rng.uniform(0, 255, (1, 32, 48, 3)).astype("float32") for k in ("left", "right")}
    assert model(pair).shape == (1, 32, 48, 1)
    model.save(tmp_path / "m.keras")
    again = load_stereo_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again(pair, training=False), model(pair, training=False),
                               atol=1e-4)
    assert model_geometry(again) == (12, 4)
    left, right = (rng.uniform(0, 255, (21, 37, 3)).astype("uint8") for _ in range(2))
    assert predict_pair(again, left, right).shape == (21, 37)
    assert isinstance(again.get_layer("cost_vote"), LearnedScale)


def test_config_names_the_architecture():
    config = census_config()
    assert config.architecture == "census"
    small = config.with_values({"max_disparity": 8, "base_width": 4})
    assert build_for_config(small).name == "census_stereo_net"
    assert build_for_config(small.with_values({"architecture": "learned"})).name == "stereo_net"
    with pytest.raises(UserError, match="architecture"):
        config.with_values({"architecture": "sgm"}).validate()


def test_windowed_soft_argmax_stays_on_the_stronger_peak_in_inference_only():
    from tfmodels.stereo.layers import SoftArgmax

    probs = np.zeros((1, 1, 1, 21), "float32")
    probs[..., 4], probs[..., 16] = 0.6, 0.4  # foreground and background at a depth edge
    full = 4 * 0.6 + 16 * 0.4
    layer = SoftArgmax(1.0, window=3)
    np.testing.assert_allclose(np.asarray(layer(probs, training=False)).ravel(), [4.0])
    np.testing.assert_allclose(np.asarray(layer(probs, training=True)).ravel(), [full])
    np.testing.assert_allclose(np.asarray(SoftArgmax(1.0)(probs)).ravel(), [full], rtol=1e-6)
