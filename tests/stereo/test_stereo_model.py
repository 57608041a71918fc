"""The stereo network: shapes, the correlation layer, saving, and fine-tuning from weights."""
import keras
import numpy as np
import pytest

from configs.stereo_finetune import get_config as finetune_config
from pipelines.stereo.synthetic import render_data
from tfmodels.errors import UserError
from tfmodels.stereo.evaluate import load_pretrained
from tfmodels.stereo.family import FAMILY
from tfmodels.stereo.layers import Correlation
from tfmodels.stereo.model import build_stereo_model

H, W, D = 32, 64, 16


def pair(batch=2, h=H, w=W):
    rng = np.random.default_rng(0)
    return {"left": rng.uniform(0, 255, (batch, h, w, 3)).astype("float32"),
            "right": rng.uniform(0, 255, (batch, h, w, 3)).astype("float32")}


@pytest.mark.parametrize("size", [(32, 64), (48, 96)])
def test_disparity_comes_out_at_full_resolution(size):
    model = build_stereo_model(D, dropout_p=0.2, width=8)
    assert model(pair(2, *size)).shape == (2, *size, 1)


def test_decoder_blocks_follow_the_notes():
    model = build_stereo_model(D, dropout_p=0.3, width=8)
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
    model = build_stereo_model(D, width=8)
    model.save(tmp_path / "m.keras")
    again = load_pretrained(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(again.predict(pair(), verbose=0), model.predict(pair(), verbose=0),
                               atol=1e-5)


def test_missing_pretrained_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="stereo_pretrain"):
        load_pretrained(str(tmp_path / "nope.keras"))


def tiny_config(**values):
    base = {"image_height": H, "image_width": W, "max_disparity": D, "base_width": 8,
            "batch_size": 4, "epochs": 2, "sgbm_baseline": True}
    return finetune_config().with_values({**base, **values})


@pytest.mark.slow  # ~20-50 s: a real two-epoch fine-tune with 2 replicas plus SGBM
def test_finetuning_from_pretrained_changes_weights_and_keeps_architecture(tmp_path, capsys):
    pretrained = build_stereo_model(D, dropout_p=0.0, width=8)
    pretrained.save(tmp_path / "pre.keras")
    data = render_data("target", (8, 4, 4), H, W, D, seed=3)
    config = tiny_config(pretrained=str(tmp_path / "pre.keras"), learning_rate=1e-3,
                         gap_warning=-1.0)
    metrics = FAMILY.train(config, data, tmp_path / "run", verbose=1)
    out = capsys.readouterr().out
    tuned = load_pretrained(str(tmp_path / "run" / "model.keras"))
    assert [w.shape for w in tuned.get_weights()] == [w.shape for w in pretrained.get_weights()]
    assert [l.name for l in tuned.layers] == [l.name for l in pretrained.layers]
    assert tuned.get_layer("dec8_dropout").rate == 0.2  # the fine-tune's dropout, not 0.0
    moved = [np.abs(a - b).max() for a, b in zip(tuned.trainable_weights,
                                                 pretrained.trainable_weights)]
    assert max(moved) > 0  # training changed the weights ...
    fresh = build_stereo_model(D, width=8)
    start_gap = np.mean([np.abs(a - b).mean() for a, b in zip(
        fresh.trainable_weights, pretrained.trainable_weights)])
    tuned_gap = np.mean([np.abs(a - b).mean() for a, b in zip(
        tuned.trainable_weights, pretrained.trainable_weights)])
    assert tuned_gap < 0.25 * start_gap  # ... starting from the pretrained ones
    assert "loaded pretrained weights" in out and "training stopped:" in out
    assert "still overfitting" in out and metrics["n_warnings_overfitting"] == 2
    for key in ("test_epe", "pretrained_test_epe", "sgbm_epe_valid", "sgbm_epe_filled",
                "sgbm_density", "best_val_epe", "train_loss_true", "stop_reason"):
        assert key in metrics
    table = (tmp_path / "run" / "test_table.txt").read_text()
    assert "pretrain-only network" in table and "fine-tuned network" in table
    assert "OpenCV StereoSGBM" in table
    assert (tmp_path / "run" / "best.keras").is_file()
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()[0].split(",")
    assert {"train_loss_true", "val_epe", "train_val_gap", "learning_rate"} <= set(history)


def test_pretrained_with_another_architecture_is_refused(tmp_path):
    build_stereo_model(32, width=8).save(tmp_path / "pre.keras")  # other max_disparity
    data = render_data("target", (4, 2, 2), H, W, D, seed=3)
    with pytest.raises(UserError, match="different architecture"):
        FAMILY.train(tiny_config(pretrained=str(tmp_path / "pre.keras"), epochs=1), data,
                     tmp_path / "run", verbose=0)


@pytest.mark.slow  # two real (tiny) fits
def test_same_seed_gives_the_same_numbers_twice(tmp_path):
    data = render_data("target", (8, 4, 4), H, W, D, seed=4)
    config = tiny_config(pretrained="", epochs=1, sgbm_baseline=False, learning_rate=1e-3,
                         random_seed=7)
    first = FAMILY.train(config, data, tmp_path / "a", verbose=0)
    second = FAMILY.train(config, data, tmp_path / "b", verbose=0)
    for key in ("loss", "train_loss_true", "val_epe", "test_epe"):
        assert first[key] == second[key], key
