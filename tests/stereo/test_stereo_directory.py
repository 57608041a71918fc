"""Training from a data set directory whose pairs differ in size (crops, centre-cropped val)."""
import numpy as np
import pytest

from configs.stereo_pretrain_rich import get_config as rich_config
from pipelines.stereo.directory import load_directory
from pipelines.stereo.pfm import write_pfm
from tests.stereo.test_stereo_formats import CALIB_TXT, write_png
from tflab.errors import UserError
from tfmodels.stereo.family import FAMILY


def scenes(root, sizes):
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        scene = root / f"scene{i}"
        base = rng.integers(0, 255, (h, w + 4, 3), dtype=np.uint8)
        write_png(scene / "im0.png", base[:, 4:])
        write_png(scene / "im1.png", base[:, :-4])  # true disparity 4 px everywhere
        write_pfm(scene / "disp0.pfm", np.full((h, w), 4.0, np.float32))
        (scene / "calib.txt").write_text(CALIB_TXT)


def test_pairs_of_several_sizes_train_on_crops_and_validate_centre_cropped(tmp_path):
    scenes(tmp_path, [(40, 70), (36, 66), (48, 80), (44, 75)])
    data = load_directory(tmp_path, "", None, 0.25, 0.25, 16, (32, 48))
    assert len(data.train) == 2 and [a.shape for a in data.train.left] == [(40, 70, 3),
                                                                           (36, 66, 3)]
    # 48x80 and 44x75 centre-cropped to the multiple of 16 both contain: 32x64
    assert data.validation.left.shape == data.test.left.shape == (1, 32, 64, 3)
    with pytest.raises(UserError, match="random crops"):
        load_directory(tmp_path, "", None, 0.25, 0.25, 16, None)
    with pytest.raises(UserError, match="larger than the smallest"):
        load_directory(tmp_path, "", None, 0.25, 0.25, 16, (48, 48))


@pytest.mark.slow
def test_fit_from_a_middlebury_directory_on_crops(tmp_path, monkeypatch):
    monkeypatch.setenv("TFLAB_REPLICAS", "1")  # one validation pair: nothing to mirror
    scenes(tmp_path / "mb", [(40, 70), (36, 66), (48, 80), (44, 75)])
    config = rich_config().with_values({
        "image_height": 32, "image_width": 64, "crop_height": 32, "crop_width": 48,
        "max_disparity": 16, "base_width": 4, "batch_size": 2, "epochs": 1,
        "val_fraction": 0.25, "test_fraction": 0.25, "sgbm_baseline": False})
    data = FAMILY.load_data(config, str(tmp_path / "mb"))
    metrics = FAMILY.train(config, data, tmp_path / "run", verbose=0)
    # test_epe again from the saved network (one epoch: the best epoch is the last), through
    # full-size inference and a plain pixel mean over the valid test pixels
    from tfmodels.stereo.inference import load_stereo_model, predict_pair

    model = load_stereo_model(tmp_path / "run" / "model.keras")
    test = data.test
    errors = np.concatenate([
        np.abs(predict_pair(model, left, right) - truth)[valid]
        for left, right, truth, valid in zip(test.left, test.right, test.disparity,
                                              test.valid)])
    assert errors.size == 32 * 64  # the one centre-cropped test pair, every pixel valid
    assert metrics["test_epe"] == pytest.approx(errors.mean(), rel=1e-4)
