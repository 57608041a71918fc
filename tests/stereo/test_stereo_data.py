"""Synthetic stereo data: exact ground truth, validity, determinism, TFDS builder."""
import cv2
import numpy as np
import pytest

from pipelines.stereo.synth import (Layer, Texture, _pretrain_layers, _target_layers,
                                    render_clean, render_pair)
from pipelines.stereo.synth_rich import rich_layers
from pipelines.stereo.synthetic import load_synthetic, render_split

H, W, D = 32, 64, 16


def warp_right_to_left(right, disparity):
    """Sample the right image at x − d (bilinear): the left view if d is right."""
    y, x = np.mgrid[0:right.shape[0], 0:right.shape[1]].astype(np.float32)
    return cv2.remap(right.astype(np.float32), x - disparity.astype(np.float32), y,
                     cv2.INTER_LINEAR)


def _rich_layers(rng, height, width, max_d):
    return rich_layers(rng, height, width, max_d, Layer, Texture)


@pytest.mark.parametrize("make_layers", [_pretrain_layers, _target_layers, _rich_layers])
def test_ground_truth_disparity_warps_right_onto_left(make_layers):
    errors, shuffled = [], []
    for i in range(6):
        layers = make_layers(np.random.default_rng([3, i]), H, W, float(D))
        left, right, disparity, valid, _ = render_clean(layers, H, W)
        assert valid.mean() > 0.3
        errors.append(np.abs(warp_right_to_left(right, disparity) - left).mean(-1)[valid])
        wrong = disparity + 3.0  # a wrong disparity must not pass the same check
        shuffled.append(np.abs(warp_right_to_left(right, wrong) - left).mean(-1)[valid])
    errors, shuffled = np.concatenate(errors), np.concatenate(shuffled)
    assert errors.mean() < 0.02 and np.percentile(errors, 90) < 0.04
    assert shuffled.mean() > 3 * errors.mean()


def test_rendered_uint8_pair_matches_too():
    """Through 8-bit quantisation and sensor noise of the pretrain domain."""
    ex = render_pair("pretrain", np.random.default_rng(7), H, W, D)
    warped = warp_right_to_left(ex["right"] / 255.0, ex["disparity"])
    error = np.abs(warped - ex["left"] / 255.0).mean(-1)[ex["valid"]]
    assert error.mean() < 0.03


def test_out_of_view_and_occluded_pixels_are_invalid():
    for i in range(5):
        ex = render_pair("pretrain", np.random.default_rng([4, i]), H, W, D)
        layers = _pretrain_layers(np.random.default_rng([4, i]), H, W, float(D))
        _, _, disparity, geometric_valid, _ = render_clean(layers, H, W)
        x = np.arange(W)[None, :].repeat(H, 0)
        assert not geometric_valid[x - disparity < 0].any()  # match left of the image
        assert (disparity[0, :3] > 0).all() and not geometric_valid[:, 0].any()
        assert ex["disparity"][~ex["valid"]].max(initial=0) == 0  # invalid stored as 0
    # somewhere inside the image an occluded pixel is invalid although in view
    layers = _pretrain_layers(np.random.default_rng([4, 0]), H, W, float(D))
    _, _, disparity, valid, _ = render_clean(layers, H, W)
    in_view = np.arange(W)[None, :] - disparity >= 0
    assert (in_view & ~valid).any()


def test_target_domain_has_holes_and_different_statistics():
    pre = render_split("pretrain", 6, H, W, D, seed=1)
    tgt = render_split("target", 6, H, W, D, seed=1)
    assert tgt.valid.mean() < pre.valid.mean()  # active-depth holes
    # lighting change between the eyes: mean brightness differs much more in target
    gap = lambda s: np.abs(s.left.mean((1, 2, 3)) - s.right.mean((1, 2, 3))).mean()
    assert gap(tgt) > 2 * gap(pre)


def test_rendering_is_deterministic():
    a = render_pair("target", np.random.default_rng([1, 2]), H, W, D)
    b = render_pair("target", np.random.default_rng([1, 2]), H, W, D)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_tfds_builder_prepares_offline_in_generation_order(tmp_path):
    data = load_synthetic("target", H, W, D, n_train=3, n_val=2, n_test=2, data_seed=5,
                          data_dir=str(tmp_path))
    assert data.train.left.shape == (3, H, W, 3) and data.train.left.dtype == np.uint8
    assert data.test.disparity.dtype == np.float32 and data.test.valid.dtype == bool
    assert len(data.validation) == 2 and "target_32x64_d16_n3-2-2_s5" in data.source
    expected = render_pair("target", np.random.default_rng([5, 1, 0, 2]), H, W, D)
    np.testing.assert_array_equal(data.train.left[2], expected["left"])
    np.testing.assert_array_equal(data.train.valid[2], expected["valid"])
    again = load_synthetic("target", H, W, D, 3, 2, 2, data_seed=5, data_dir=str(tmp_path))
    np.testing.assert_array_equal(again.test.disparity, data.test.disparity)
