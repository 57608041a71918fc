"""`predict` and `evaluate` end to end on tiny directories; their one-line errors (exit 2)."""
import json

import numpy as np
import pandas as pd
import pytest

from pipelines.stereo.bundled import write_middlebury_motorcycle
from pipelines.stereo.formats import read_pairs
from pipelines.stereo.pfm import read_pfm, write_pfm
from tests.stereo.test_stereo_formats import CALIB_TXT, H, W, middlebury_scene
from tfmodels.stereo.evaluate import main as evaluate_main
from tfmodels.stereo.model import build_stereo_model
from pipelines.stereo.photo_textures import PHOTOS
from tfmodels.stereo.predict import main as predict_main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.keras"
    build_stereo_model(8, dropout_p=0.0, width=4, volume_scale=4).save(path)
    return path


def one_line_error(capsys, code) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("tflab: error:") and "\n" not in err, err
    return err


def test_predict_writes_full_size_disparity_colour_and_depth(tmp_path, model_file, capsys):
    middlebury_scene(tmp_path / "Toy")  # 10x6, not a multiple of 16
    assert predict_main([str(model_file), str(tmp_path / "Toy"), "--out",
                         str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    disparity = np.load(out / "Toy_disparity.npy")
    assert disparity.shape == (H, W)
    np.testing.assert_array_equal(read_pfm(out / "Toy_disparity.pfm"), disparity)
    import cv2

    colour = cv2.imread(str(out / "Toy_disparity.png"))
    assert colour.shape[0] == H and colour.shape[1] > W  # the colour bar sits to the right
    depth = np.load(out / "Toy_depth.npy")  # calib.txt: f 500 px, B 0.1 m, doffs 2 px
    np.testing.assert_allclose(depth, 500.0 * 0.1 / (disparity + 2.0), rtol=1e-5)
    assert "Toy: 10x6" in capsys.readouterr().out


def test_evaluate_writes_scores_with_the_sgbm_keys(tmp_path, model_file, capsys):
    middlebury_scene(tmp_path / "sets" / "Toy")
    assert evaluate_main([str(model_file), "--data", str(tmp_path / "sets"), "--out",
                          str(tmp_path / "ev")]) == 0
    scores = json.loads((tmp_path / "ev" / "scores.json").read_text())
    for key in ("epe", "bad1", "bad3", "d1", "density", "sgbm_epe", "sgbm_bad1", "sgbm_bad3",
                "sgbm_d1", "sgbm_density", "sgbm_epe_valid"):
        assert key in scores["total"] and key in scores["pairs"]["Toy"]
    assert scores["total"]["n_pixels"] == H * W - 1  # the inf pixel is not scored
    frame = pd.read_csv(tmp_path / "ev" / "scores.csv")
    assert list(frame["pair"]) == ["Toy", "total"]
    assert "SGBM, holes filled" in capsys.readouterr().out


def test_missing_calib_key_mismatched_sizes_and_bad_pfm_exit_2(tmp_path, model_file, capsys):
    middlebury_scene(tmp_path / "a", calib=CALIB_TXT.replace("baseline=100.0\n", ""))
    err = one_line_error(capsys, evaluate_main([str(model_file), "--data", str(tmp_path / "a")]))
    assert "lacks baseline" in err
    middlebury_scene(tmp_path / "b")
    write_pfm(tmp_path / "b" / "disp0.pfm", np.zeros((H + 1, W), np.float32))
    err = one_line_error(capsys, evaluate_main([str(model_file), "--data", str(tmp_path / "b")]))
    assert "must be the same size" in err
    middlebury_scene(tmp_path / "c")
    (tmp_path / "c" / "disp0.pfm").write_bytes(b"not a float map")
    err = one_line_error(capsys, predict_main([str(model_file), str(tmp_path / "c"),
                                               "--out", str(tmp_path / "o")]))
    assert "not a PFM" in err
    err = one_line_error(capsys, evaluate_main([str(model_file), "--data", str(tmp_path / "b"),
                                                "--set", "data_format=kitty"]))
    assert "data_format must be one of" in err
    err = one_line_error(capsys, evaluate_main([str(tmp_path / "none.keras"), "--data",
                                                str(tmp_path / "sets_missing")]))
    assert "not found" in err


def test_the_bundled_real_pair_reads_as_middlebury_and_is_not_a_texture(tmp_path):
    write_middlebury_motorcycle(tmp_path)
    fmt, (pair,) = read_pairs(tmp_path, need_truth=True)
    assert fmt == "middlebury" and pair.left.shape == (500, 741, 3)
    assert 0.92 < pair.valid.mean() < 0.93 and pair.disparity.max() < 60
    assert pair.calibration.focal_px == pytest.approx(994.978)
    assert pair.calibration.baseline_m == pytest.approx(0.193001)
    assert not any("motorcycle" in name for name in PHOTOS)
