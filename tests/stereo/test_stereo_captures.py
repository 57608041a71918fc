"""Capture directories: depth → disparity, calibration, and the one-line user errors."""
import cv2
import numpy as np
import pytest

from pipelines.stereo.captures import (depth_to_disparity, load_captures, read_calibration)
from tflab.errors import UserError
from tfmodels.fit import main as fit_main


def test_depth_to_disparity_is_f_times_b_over_z():
    depth = np.array([[2.0, 0.0], [0.5, 4.0]])
    disparity = depth_to_disparity(depth, focal_px=400.0, baseline_m=0.05)
    np.testing.assert_allclose(disparity, [[10.0, 0.0], [40.0, 5.0]], rtol=1e-6)


def write_captures(root, n=4, size=(48, 32), right_size=None, depth_scale=1.0, calib=None):
    rng = np.random.default_rng(0)
    for name in ("left", "right", "depth"):
        (root / name).mkdir(parents=True, exist_ok=True)
    w, h = size
    for i in range(n):
        cv2.imwrite(str(root / "left" / f"{i:03d}.png"), rng.integers(0, 255, (h, w, 3),
                                                                      dtype=np.uint8))
        rw, rh = right_size or size
        cv2.imwrite(str(root / "right" / f"{i:03d}.png"), rng.integers(0, 255, (rh, rw, 3),
                                                                       dtype=np.uint8))
        depth = np.full((h, w), 2.0)
        depth[0, :5] = 0.0  # a hole
        np.save(root / "depth" / f"{i:03d}.npy", depth * depth_scale)
    calib_path = root / "calib.npz"
    np.savez(calib_path, **(calib if calib is not None else {"focal_px": 200.0,
                                                              "baseline_m": 0.06}))
    return calib_path


def test_capture_directory_loads_and_converts_depth(tmp_path):
    calib = write_captures(tmp_path / "cap", n=6, size=(64, 32))
    data = load_captures(tmp_path / "cap", calib, 16, 32, val_fraction=0.2, test_fraction=0.2)
    assert (len(data.train), len(data.validation), len(data.test)) == (4, 1, 1)
    # 200 px * 0.06 m / 2 m = 6 px at 64 wide; resized to 32 wide -> 3 px
    assert data.train.disparity.shape == (4, 16, 32)
    np.testing.assert_allclose(data.train.disparity[data.train.valid], 3.0, rtol=1e-5)
    assert not data.train.valid.all()  # the depth hole stays invalid
    assert read_calibration(calib) == pytest.approx((200.0, 0.06))


@pytest.mark.parametrize("case, fragment", [
    ("mismatched", "must be the same size"),
    ("calib_keys", "lacks baseline_m"),
    ("millimetres", "millimetres"),
    ("empty", "is empty"),
    ("no_calib", "needs --calib"),
])
def test_user_errors_are_one_clear_line(tmp_path, case, fragment):
    root = tmp_path / "cap"
    if case == "empty":
        root.mkdir()
        calib = None
    elif case == "mismatched":
        calib = write_captures(root, right_size=(40, 32))
    elif case == "calib_keys":
        calib = write_captures(root, calib={"focal_px": 200.0, "T": np.array([60.0, 0, 0])})
    elif case == "millimetres":
        calib = write_captures(root, depth_scale=1000.0)
    else:
        write_captures(root).unlink()  # no calib.npz beside the pairs either
        calib = None
    with pytest.raises(UserError, match=fragment):
        load_captures(root, calib, 32, 48, 0.2, 0.2)


def test_calib_npz_inside_the_directory_is_used_when_no_calib_is_given(tmp_path):
    write_captures(tmp_path / "cap", n=6, size=(64, 32))
    data = load_captures(tmp_path / "cap", None, 32, 64, val_fraction=0.2, test_fraction=0.2)
    np.testing.assert_allclose(data.train.disparity[0, 5, 5], 200.0 * 0.06 / 2.0, rtol=1e-6)


def test_cli_turns_capture_errors_into_exit_2(tmp_path, capsys):
    root = tmp_path / "cap"
    calib = write_captures(root, depth_scale=1000.0)
    code = fit_main(["stereo_finetune", "--data", str(root), "--calib", str(calib),
                     "--set", "image_height=32", "--set", "image_width=48",
                     "--set", "max_disparity=16"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("tflab: error:") and "metres" in err and "\n" not in err


def test_a_bad_capture_directory_fails_before_tensorflow_loads(tmp_path):
    """The checks use NumPy/OpenCV only, so the CLI can fail before TF's start-up lines."""
    import subprocess
    import sys

    from tests.cli import ROOT

    root = tmp_path / "cap"
    calib = write_captures(root, right_size=(40, 32))
    code = ("import sys\n"
            "from configs.base import load_config\n"
            "from tflab.errors import UserError\n"
            "from tfmodels.stereo.family import FAMILY\n"
            "config = load_config('stereo_finetune', ['calib=' + sys.argv[2]])\n"
            "try:\n"
            "    FAMILY.load_data(config, sys.argv[1])\n"
            "except UserError as err:\n"
            "    print('UserError:', err)\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code, str(root), str(calib)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "must be the same size" in result.stdout
    assert result.stdout.strip().endswith("False False")
