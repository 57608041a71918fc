"""Test-time options: left-right check, occlusion fill, median, flips, averaged networks.

The clean-up is checked on a hand-made two-surface row whose occlusion is known exactly; the
network passes on a real (untrained) census network, whose raw census vote already finds a
textured shift, so a wrong mirror or swap in the right-view pass shows as a wrong disparity.
"""
import numpy as np
import pytest

from pipelines.stereo.synth import render_pair
from pipelines.stereo.synthetic import render_dense_split
from tfmodels.stereo.census_model import build_census_stereo_model
from tfmodels.stereo.inference import predict_pair, right_view_disparity, view_disparity
from tfmodels.stereo.options import InferenceOptions
from tfmodels.stereo.postprocess import clean_disparity, lr_consistent, warp_right_to_left
from tfmodels.stereo.predict import main as predict_main

W = 24


def two_surfaces():
    """One row: background d=2, a foreground block at left x 10..19 with d=5.

    Right view: the block sits at x 5..14, background d=2 elsewhere. Left pixels 7..9 are
    background whose match (x−2 = 5..7) is hidden behind the block; 0..1 match outside.
    """
    left = np.full((1, W), 2.0, np.float32)
    left[0, 10:20] = 5.0
    right = np.full((1, W), 2.0, np.float32)
    right[0, 5:15] = 5.0
    occluded = np.zeros((1, W), bool)
    occluded[0, 7:10] = True
    occluded[0, :2] = True
    return left, right, occluded


def test_lr_check_refuses_exactly_the_occluded_and_out_of_view_pixels():
    left, right, occluded = two_surfaces()
    np.testing.assert_array_equal(lr_consistent(left, right, 1.0), ~occluded)
    warped = warp_right_to_left(right, left)
    assert np.isnan(warped[0, :2]).all() and warped[0, 8] == 5.0


def test_refused_pixels_take_the_background_and_kept_ones_stay():
    left, right, occluded = two_surfaces()
    noisy = left.copy()
    noisy[0, 7:10] = 3.5  # a network's drift between the two surfaces
    # the drift moves the matches too: x−d of 7..9 is 3.5..5.5, read at 4, 4, 6 -> disagree
    cleaned, kept = clean_disparity(noisy, right, 1.0, 0)
    assert not kept[0, 7:10].any()
    np.testing.assert_array_equal(cleaned[0, 7:10], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(cleaned[kept], noisy[kept])
    np.testing.assert_array_equal(cleaned[0, :2], [2.0, 2.0])  # edge: the right neighbour


def test_median_removes_a_spike_and_zero_means_untouched():
    flat = np.full((7, 7), 4.0, np.float32)
    spiky = flat.copy()
    spiky[3, 3] = 40.0
    np.testing.assert_array_equal(clean_disparity(spiky, None, 0.0, 3)[0], flat)
    np.testing.assert_array_equal(clean_disparity(spiky, None, 0.0, 0)[0], spiky)
    with pytest.raises(ValueError, match="right view"):
        clean_disparity(spiky, None, 1.0, 0)


def test_options_count_passes_and_refuse_negative_values():
    assert InferenceOptions().passes == 1
    assert InferenceOptions(vflip=True, lr_threshold=1.0).passes == 4
    assert "one plain forward pass" == InferenceOptions().describe()
    with pytest.raises(ValueError):
        InferenceOptions(median=-1)


@pytest.fixture(scope="module")
def census_net():
    return build_census_stereo_model(16, dropout_p=0.0, width=4, volume_scale=4)


def shifted_pair(shift=6, height=32, width=64, seed=3):
    scene = np.random.default_rng(seed).uniform(0, 255, (height, width + shift, 3))
    scene = scene.astype("uint8")
    return scene[:, :width], scene[:, shift:shift + width]  # left(x) = right(x − shift)


def stepped_pair(height=32, width=64, seed=11):
    """Left disparity 4 px on columns < 32, 8 px from 32 on: L(x) = R(x − d(x)).

    In the right view the near (8 px) surface starts at column 24, so d_R is 4 left of 24
    and 8 from there: a right-view pass that is not mirrored back puts the 8 on the left.
    """
    right = np.random.default_rng(seed).uniform(0, 255, (height, width, 3)).astype("uint8")
    x = np.arange(width)
    source = np.clip(x - np.where(x < 32, 4, 8), 0, width - 1)
    return right[:, source], right


def test_right_view_pass_finds_both_surfaces_where_they_are(census_net):
    left, right = stepped_pair()
    d_left = view_disparity(census_net, left, right, vflip=False)
    d_right = right_view_disparity(census_net, left, right, vflip=False)
    rows = slice(4, -4)
    assert np.median(d_left[rows, 10:26]) == pytest.approx(4.0, abs=0.5)
    assert np.median(d_left[rows, 38:60]) == pytest.approx(8.0, abs=0.5)
    assert np.median(d_right[rows, 4:20]) == pytest.approx(4.0, abs=0.5)
    assert np.median(d_right[rows, 28:56]) == pytest.approx(8.0, abs=0.5)
    kept = lr_consistent(d_left, d_right, 1.0)
    assert kept[rows, 10:26].mean() > 0.9 and kept[rows, 38:60].mean() > 0.9
    assert not kept[:, :3].any()  # their matches x − 4 lie outside the right view


def test_flip_and_ensemble_average_the_passes_they_say(census_net):
    left, right = shifted_pair(seed=5)
    other = build_census_stereo_model(16, dropout_p=0.0, width=4, volume_scale=4)
    plain = predict_pair(census_net, left, right)
    flipped = predict_pair(census_net, left[::-1], right[::-1])[::-1]
    np.testing.assert_allclose(predict_pair(census_net, left, right,
                                            InferenceOptions(vflip=True)),
                               (plain + flipped) / 2, atol=1e-5)
    both = predict_pair([census_net, other], left, right)
    np.testing.assert_allclose(both, (plain + predict_pair(other, left, right)) / 2, atol=1e-5)
    full = predict_pair(census_net, left[:21, :45], right[:21, :45],
                        InferenceOptions(vflip=True, lr_threshold=1.0, median=3))
    assert full.shape == (21, 45) and np.isfinite(full).all()


def test_dense_split_scores_occluded_pixels_with_their_true_disparity():
    split, visible = render_dense_split("rich", 2, 32, 64, 16, seed=7)
    plain = render_pair("rich", np.random.default_rng([7, 1]), 32, 64, 16)
    np.testing.assert_array_equal(split.left[1], plain["left"])
    np.testing.assert_array_equal(visible[1], plain["valid"])
    np.testing.assert_array_equal(split.disparity[1][visible[1]],
                                  plain["disparity"][plain["valid"]])
    assert split.valid.all() and (split.disparity[~visible] > 0).any()


def test_predict_cli_takes_the_options_and_refuses_negative_ones(tmp_path, census_net, capsys):
    import cv2

    path = tmp_path / "m.keras"
    census_net.save(path)
    left, right = shifted_pair()
    for name, image in (("l.png", left), ("r.png", right)):
        cv2.imwrite(str(tmp_path / name), image)
    args = [str(path), str(tmp_path / "l.png"), str(tmp_path / "r.png"), "--out",
            str(tmp_path / "out")]
    assert predict_main(args + ["--vflip", "--lr-check", "1", "--median", "3",
                                "--ensemble", str(path)]) == 0
    assert "left-right check 1 px" in capsys.readouterr().out
    assert np.load(tmp_path / "out" / "l_disparity.npy").shape == left.shape[:2]
    assert predict_main(args + ["--median", "-3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tflab: error:") and "\n" not in err


def test_evaluate_records_the_options_it_ran(tmp_path, census_net, capsys):
    import json

    from tests.stereo.test_stereo_formats import middlebury_scene
    from tfmodels.stereo.evaluate import main as evaluate_main

    path = tmp_path / "m.keras"
    census_net.save(path)
    middlebury_scene(tmp_path / "sets" / "Toy")
    assert evaluate_main([str(path), "--data", str(tmp_path / "sets"), "--out",
                          str(tmp_path / "ev"), "--lr-check", "2", "--no-vflip",
                          "--median", "3"]) == 0
    scores = json.loads((tmp_path / "ev" / "scores.json").read_text())
    assert scores["inference"] == {"vflip": False, "lr_threshold": 2.0, "median": 3}
    assert "left-right check 2 px + background fill, 3x3 median" in capsys.readouterr().out


def test_command_defaults_are_the_chosen_options():
    import argparse

    from tfmodels.stereo.cli_args import add_inference_options, inference_options
    from tfmodels.stereo.options import CHOSEN

    parser = argparse.ArgumentParser()
    add_inference_options(parser)
    assert inference_options(parser.parse_args([])) == CHOSEN
    plain = parser.parse_args(["--no-vflip", "--lr-check", "0", "--median", "0"])
    assert inference_options(plain).passes == 1
    assert CHOSEN.describe() in parser.epilog
