"""Readers of the standard stereo layouts on tiny hand-made directories, and PFM files."""
import cv2
import numpy as np
import pytest

from pipelines.stereo.formats import read_pairs, recognise
from pipelines.stereo.pfm import read_pfm, write_pfm
from tflab.errors import UserError

H, W = 6, 10
CALIB_TXT = ("cam0=[500.0 0 5; 0 500.0 3; 0 0 1]\ncam1=[500.0 0 7; 0 500.0 3; 0 0 1]\n"
             "doffs=2.0\nbaseline=100.0\nwidth=10\nheight=6\nndisp=32\n")


def image(seed, h=H, w=W):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), array)


def test_pfm_round_trip_one_and_three_channels(tmp_path):
    for shape in ((H, W), (H, W, 3)):
        array = np.random.default_rng(0).normal(size=shape).astype(np.float32)
        array[0, 0] = np.inf
        write_pfm(tmp_path / "a.pfm", array)
        np.testing.assert_array_equal(read_pfm(tmp_path / "a.pfm"), array)


def test_pfm_rows_are_bottom_up_and_the_scale_sign_is_the_byte_order(tmp_path):
    top_first = np.arange(6, dtype=np.float32).reshape(2, 3)  # rows [0 1 2], [3 4 5]
    bottom_up = top_first[::-1]
    (tmp_path / "little.pfm").write_bytes(b"Pf\n3 2\n-1.0\n" + bottom_up.astype("<f4").tobytes())
    (tmp_path / "big.pfm").write_bytes(b"Pf\n3 2\n1.0\n" + bottom_up.astype(">f4").tobytes())
    for name in ("little.pfm", "big.pfm"):
        np.testing.assert_array_equal(read_pfm(tmp_path / name), top_first)


@pytest.mark.parametrize("content, fragment", [
    (b"P6\n3 2\n255\n" + bytes(18), "not a PFM"),
    (b"Pf\n3 2\n-1.0\n" + bytes(8), "truncated"),
])
def test_unreadable_pfm_is_a_user_error(tmp_path, content, fragment):
    (tmp_path / "bad.pfm").write_bytes(content)
    with pytest.raises(UserError, match=fragment):
        read_pfm(tmp_path / "bad.pfm")


def middlebury_scene(root, calib=CALIB_TXT):
    write_png(root / "im0.png", image(1))
    write_png(root / "im1.png", image(2))
    disparity = np.full((H, W), 4.5, np.float32)
    disparity[1, 2] = np.inf  # Middlebury's "no ground truth"
    write_pfm(root / "disp0.pfm", disparity)
    (root / "calib.txt").write_text(calib)


def test_middlebury_scene_folder_with_inf_masked_and_its_calibration(tmp_path):
    middlebury_scene(tmp_path / "sets" / "Toy")
    fmt, pairs = read_pairs(tmp_path / "sets")
    assert fmt == "middlebury" and [p.name for p in pairs] == ["Toy"]
    pair = pairs[0]
    np.testing.assert_array_equal(pair.left, image(1)[..., ::-1])  # RGB
    assert not pair.valid[1, 2] and pair.disparity[1, 2] == 0 and pair.valid.sum() == H * W - 1
    c = pair.calibration
    assert (c.focal_px, c.baseline_m, c.doffs_px, c.ndisp) == (500.0, 0.1, 2.0, 32)
    np.testing.assert_allclose(c.depth_m(np.array([8.0])), [500.0 * 0.1 / 10.0])


def test_middlebury_calib_without_a_key_is_a_user_error(tmp_path):
    middlebury_scene(tmp_path / "Toy", calib=CALIB_TXT.replace("doffs=2.0\n", ""))
    with pytest.raises(UserError, match="lacks doffs"):
        read_pairs(tmp_path / "Toy")


def kitti_disparity(path, values):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), values.astype(np.uint16))


@pytest.mark.parametrize("left, right, truth", [("image_2", "image_3", "disp_occ_0"),
                                                ("colored_0", "colored_1", "disp_occ")])
def test_kitti_16bit_over_256_with_zero_invalid(tmp_path, left, right, truth):
    for frame in ("000000_10", "000000_11", "000001_10"):
        write_png(tmp_path / left / f"{frame}.png", image(3))
        write_png(tmp_path / right / f"{frame}.png", image(4))
    raw = np.zeros((H, W), np.uint16)
    raw[2:4, 3:8] = 12.25 * 256  # sparse: most pixels have no LiDAR return
    kitti_disparity(tmp_path / truth / "000000_10.png", raw)
    kitti_disparity(tmp_path / truth / "000001_10.png", raw)
    fmt, pairs = read_pairs(tmp_path, need_truth=True)
    assert fmt == "kitti" and [p.name for p in pairs] == ["000000_10", "000001_10"]  # no _11
    assert pairs[0].valid.sum() == 10 and np.all(pairs[0].disparity[pairs[0].valid] == 12.25)
    assert np.all(pairs[0].disparity[~pairs[0].valid] == 0)


def test_kitti_8bit_disparity_is_refused(tmp_path):
    write_png(tmp_path / "image_2" / "000000_10.png", image(3))
    write_png(tmp_path / "image_3" / "000000_10.png", image(4))
    write_png(tmp_path / "disp_occ_0" / "000000_10.png", np.zeros((H, W), np.uint8))
    with pytest.raises(UserError, match="16-bit"):
        read_pairs(tmp_path)


def sceneflow_pfm(path, top_first):
    """Written the way SceneFlow's files are: scale −1, rows bottom-up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"Pf\n{top_first.shape[1]} {top_first.shape[0]}\n-1.0\n".encode()
    path.write_bytes(header + top_first[::-1].astype("<f4").tobytes())


def test_sceneflow_flat_and_original_trees(tmp_path):
    truth = np.tile(np.arange(W, dtype=np.float32), (H, 1)) + 10 * np.arange(H)[:, None]
    flat = tmp_path / "flat"
    write_png(flat / "left" / "0006.png", image(5))
    write_png(flat / "right" / "0006.png", image(6))
    sceneflow_pfm(flat / "disparity" / "0006.pfm", truth)
    tree = tmp_path / "tree"
    write_png(tree / "frames_cleanpass" / "TRAIN" / "A" / "0000" / "left" / "0006.png", image(5))
    write_png(tree / "frames_cleanpass" / "TRAIN" / "A" / "0000" / "right" / "0006.png",
              image(6))
    sceneflow_pfm(tree / "disparity" / "TRAIN" / "A" / "0000" / "left" / "0006.pfm", truth)
    for root, name in ((flat, "0006"), (tree, "TRAIN_A_0000_left_0006")):
        fmt, pairs = read_pairs(root, need_truth=True)
        assert fmt == "sceneflow" and pairs[0].name == name
        np.testing.assert_array_equal(pairs[0].disparity, truth)  # top row first again
        assert pairs[0].valid.all()  # dense: 0 px is a valid disparity here, unlike KITTI


def test_captures_layout_and_the_format_override(tmp_path):
    write_png(tmp_path / "left" / "a.png", image(7))
    write_png(tmp_path / "right" / "a.png", image(8))
    (tmp_path / "disparity").mkdir()
    np.save(tmp_path / "disparity" / "a.npy", np.full((H, W), 3.0))
    assert recognise(tmp_path) == "captures"
    fmt, pairs = read_pairs(tmp_path, "captures", need_truth=True)
    assert pairs[0].valid.all() and pairs[0].left.shape == (H, W, 3)
    with pytest.raises(UserError, match="data_format must be one of"):
        read_pairs(tmp_path, "eth3d")
    with pytest.raises(UserError, match="no stereo layout"):
        read_pairs(tmp_path / "disparity")


def test_mismatched_sizes_are_a_user_error(tmp_path):
    write_png(tmp_path / "im0.png", image(1))
    write_png(tmp_path / "im1.png", image(2, w=W + 2))
    with pytest.raises(UserError, match="must be the same size"):
        read_pairs(tmp_path)
