"""The stereo network: shapes, the correlation layer, saving and loading weights.

Fine-tuning from pretrained weights through the real CLI is in test_stereo_cli.py.
"""
import keras
import numpy as np
import pytest

from configs.stereo_finetune import get_config as finetune_config
from pipelines.stereo.synthetic import render_data
from tflab.errors import UserError
from tfmodels.stereo.evaluate import load_pretrained
from tfmodels.stereo.family import FAMILY
from tfmodels.stereo.layers import Correlation
from tfmodels.stereo.model import build_stereo_model

H, W, D = 16, 32, 8


def pair(batch=2, h=H, w=W):
    rng = np.random.default_rng(0)
    return {"left": rng.uniform(0, 255, (batch, h, w, 3)).astype("float32"),
            "right": rng.uniform(0, 255, (batch, h, w, 3)).astype("float32")}


def test_disparity_comes_out_at_full_resolution():
    model = build_stereo_model(D, dropout_p=0.2, width=4)  # fully convolutional: any H, W / 8
    for size in ((16, 32), (24, 40)):
        assert model(pair(2, *size)).shape == (2, *size, 1)


def test_decoder_blocks_follow_the_notes():
    model = build_stereo_model(D, dropout_p=0.3, width=4)
    names = [layer.name for layer in model.layers]
    for block in ("dec8", "dec4", "dec2"):
        order = [f"{block}_conv", f"{block}_bn", f"{block}_relu", f"{block}_dropout",
                 f"{block}_up"]
        assert [names.index(n) for n in order] == sorted(names.index(n) for n in order)
        dropout = model.get_layer(f"{block}_dropout")
        assert isinstance(dropout, keras.layers.SpatialDropout2D) and dropout.rate == 0.3
        assert isinstance(model.get_layer(f"{block}_up"), keras.layers.Conv2DTranspose)
    encoder = model.get_layer("shared_encoder")  # one encoder, called on both images
    assert len(encoder._inbound_nodes) == 2


def test_correlation_matches_a_direct_computation():
    rng = np.random.default_rng(1)
    left = rng.normal(size=(1, 3, 10, 4)).astype("float32")
    right = rng.normal(size=(1, 3, 10, 4)).astype("float32")
    volume = Correlation(3)([left, right]).numpy()
    for d in range(4):
        for x in range(10):
            expected = (left[0, :, x] * right[0, :, x - d]).mean(-1) if x >= d else 0.0
            np.testing.assert_allclose(volume[0, :, x, d], expected, atol=1e-6)


def test_saved_model_reloads_with_identical_predictions(tmp_path):
    model = build_stereo_model(D, width=4)
    model.save(tmp_path / "m.keras")
    again = load_pretrained(str(tmp_path / "m.keras"))
    x = pair(1, 16, 32)  # eager calls: no predict() graph to trace
    np.testing.assert_allclose(again(x, training=False), model(x, training=False), atol=1e-5)
    assert again.get_layer("cost_volume").max_displacement == D // 2


def test_missing_pretrained_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="stereo_pretrain"):
        load_pretrained(str(tmp_path / "nope.keras"))


def test_pretrained_with_another_architecture_is_refused_before_any_training(tmp_path):
    build_stereo_model(2 * D, width=4).save(tmp_path / "pre.keras")  # other max_disparity
    data = render_data("target", (2, 1, 1), H, W, D, seed=3)
    config = finetune_config().with_values({
        "image_height": H, "image_width": W, "max_disparity": D, "base_width": 4,
        "batch_size": 2, "epochs": 1, "pretrained": str(tmp_path / "pre.keras")})
    with pytest.raises(UserError, match="different architecture"):
        FAMILY.train(config, data, tmp_path / "run", verbose=0)
    assert not (tmp_path / "run" / "model.keras").exists()
