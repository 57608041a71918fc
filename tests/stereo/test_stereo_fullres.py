"""Any size: crops, padding, the 1/4 cost volume, max_disparity masking, full-size scoring."""
import numpy as np
import pytest

from configs.families.stereo import StereoConfig
from pipelines.stereo.crops import crop_dataset, limit_disparity, pad_split
from pipelines.stereo.splits import StereoSplit
from tflab.errors import UserError
from tfmodels.stereo.baseline import fill_holes, make_sgbm, sgbm_disparity
from tfmodels.stereo.evaluate import evaluate_pairs
from tfmodels.stereo.inference import model_geometry, predict_pair
from tfmodels.stereo.losses import disparity_errors
from tfmodels.stereo.model import build_stereo_model, multiple_of
from pipelines.stereo.splits import StereoPair


def coordinate_split(n=3, h=40, w=60):
    """Every pixel says where it is: left = (y, x, i), right = (y, x, i+1), d = 100y + x."""
    y, x = np.mgrid[0:h, 0:w]
    left = np.stack([np.stack([y, x, np.full_like(y, i)], -1) for i in range(n)])
    disparity = np.stack([(100.0 * y + x + i) for i in range(n)]).astype(np.float32)
    return StereoSplit(left.astype(np.uint8), (left + 1).astype(np.uint8), disparity,
                       np.ones(disparity.shape, bool))


def test_a_crop_is_the_same_window_in_left_right_and_target():
    split = coordinate_split()
    for inputs, target in crop_dataset(split, (16, 24), batch_size=3, seed=0).take(1):
        left, right, target = inputs["left"].numpy(), inputs["right"].numpy(), target.numpy()
        assert left.shape == (3, 16, 24, 3) and target.shape == (3, 16, 24, 2)
        np.testing.assert_array_equal(right, left + 1)
        np.testing.assert_array_equal(target[..., 0],
                                      100 * left[..., 0] + left[..., 1] + left[..., 2])


def test_crops_are_seeded_and_change_every_epoch():
    split = coordinate_split()
    first = lambda ds: [t.numpy() for _, t in ds]  # noqa: E731
    ds = crop_dataset(split, (16, 24), 3, seed=5)
    epoch1, epoch2 = first(ds), first(ds)
    again = first(crop_dataset(split, (16, 24), 3, seed=5))
    np.testing.assert_array_equal(epoch1[0], again[0])
    assert not np.array_equal(epoch1[0], epoch2[0])
    fixed = crop_dataset(split, (16, 24), 3, seed=5, fixed=True)
    np.testing.assert_array_equal(first(fixed)[0], first(fixed)[0])


def test_disparity_beyond_max_is_masked_and_counted():
    split = coordinate_split(n=1, h=4, w=8)  # d = 100y + x: rows 1.. are beyond 50 px
    limited, count = limit_disparity(split, 50)
    assert count == 3 * 8 and limited.valid[0, 0].all() and not limited.valid[0, 1:].any()
    assert np.all(limited.disparity[~limited.valid] == 0)


def test_padding_is_invalid_so_never_scored():
    padded = pad_split(coordinate_split(n=1, h=20, w=30), 16)
    assert padded.left.shape == (1, 32, 32, 3)
    assert padded.valid[0, :20, :30].all() and not padded.valid[0, 20:].any()
    assert not padded.valid[0, :, 30:].any()


def test_quarter_resolution_volume_model_and_its_geometry():
    model = build_stereo_model(32, dropout_p=0.0, width=4, volume_scale=4)
    assert model_geometry(model) == (32, 4) and multiple_of(4) == 16
    assert model.get_layer("cost_volume").max_displacement == 8  # 32 px in 4-px bins
    x = np.random.default_rng(0).uniform(0, 255, (1, 32, 48, 3)).astype("float32")
    assert model({"left": x, "right": x}).shape == (1, 32, 48, 1)


def test_predict_at_a_size_not_a_multiple_returns_exactly_that_size():
    model = build_stereo_model(16, dropout_p=0.0, width=4, volume_scale=4)
    rng = np.random.default_rng(1)
    left, right = (rng.integers(0, 255, (21, 37, 3), dtype=np.uint8) for _ in range(2))
    disparity = predict_pair(model, left, right)
    assert disparity.shape == (21, 37) and disparity.dtype == np.float32
    # the padded network's own output, cropped: padding changes nothing inside the image
    full = model({"left": np.pad(left, ((0, 11), (0, 11), (0, 0)), mode="edge")[None]
                  .astype("float32"),
                  "right": np.pad(right, ((0, 11), (0, 11), (0, 0)), mode="edge")[None]
                  .astype("float32")}, training=False).numpy()[0, :21, :37, 0]
    np.testing.assert_allclose(disparity, full, atol=1e-5)


def test_evaluate_scores_equal_disparity_errors_and_sgbm_uses_the_same_pixels():
    model = build_stereo_model(16, dropout_p=0.0, width=4, volume_scale=4)
    rng = np.random.default_rng(2)
    base = rng.integers(0, 255, (30, 70, 3), dtype=np.uint8)
    left, right = base, np.roll(base, -5, axis=1)
    truth = np.full((30, 70), 5.0, np.float32)
    truth[:, 60:] = 40.0  # beyond max_disparity 16: counted, not scored
    valid = np.ones_like(truth, bool)
    valid[3:6, 10:20] = False
    pairs = [StereoPair("p", left, right, np.where(valid, truth, 0.0), valid)]
    rows = evaluate_pairs(model, pairs, max_disparity=16, sgbm_block_size=3)
    scored = valid & (truth <= 16)
    expected = disparity_errors(predict_pair(model, left, right), truth, scored)
    for key in ("epe", "bad1", "bad2", "bad3", "d1"):
        assert rows["p"][key] == pytest.approx(expected[key])
        assert rows["total"][key] == pytest.approx(expected[key])
    assert rows["p"]["n_beyond_max_disparity"] == 30 * 10
    sgbm, found = sgbm_disparity(make_sgbm(16, 3), left, right)
    filled = disparity_errors(fill_holes(sgbm, found), truth, scored)
    assert rows["p"]["sgbm_epe"] == pytest.approx(filled["epe"])
    assert rows["p"]["sgbm_density"] == pytest.approx((scored & found).sum() / scored.sum())
    assert rows["p"]["sgbm_epe_valid"] == pytest.approx(
        disparity_errors(sgbm, truth, scored & found)["epe"])


def test_d1_is_more_than_3px_and_more_than_5_percent():
    truth = np.array([100.0, 100.0, 20.0])
    pred = np.array([104.0, 106.0, 24.0])  # 4 px = 4 % (not D1), 6 %, 20 %
    scores = disparity_errors(pred, truth, np.ones(3, bool))
    assert scores["d1"] == pytest.approx(2 / 3) and scores["bad3"] == pytest.approx(1.0)


@pytest.mark.parametrize("values, fragment", [
    ({"max_disparity": 200, "image_width": 512}, "192"),
    ({"volume_scale": 4, "image_height": 40}, "multiple of 16"),
    ({"crop_height": 32}, "both crop_height and crop_width"),
    ({"crop_height": 64, "crop_width": 64}, "larger than the image"),
])
def test_config_refuses_unusable_sizes(values, fragment):
    with pytest.raises(UserError, match=fragment):
        StereoConfig().with_values(values)


def test_the_true_training_loss_of_a_crop_config_scores_every_training_pair():
    """70 training pairs (more than any old subset of 64): the fixed-crop stream behind
    train_loss_true, and hence train_val_gap, holds one window of each of them."""
    from pipelines.stereo.splits import StereoData
    from tfmodels.stereo.family import _train_datasets

    train = coordinate_split(n=70)
    data = StereoData(train=train, validation=coordinate_split(n=2),
                      test=coordinate_split(n=2), source="test")
    config = StereoConfig(image_height=40, image_width=60, crop_height=16, crop_width=24,
                          batch_size=8, max_disparity=16)
    _, train_eval = _train_datasets(config, data, make_dataset=None)
    pairs = [inputs["left"].numpy()[:, 0, 0, 2] for inputs, _ in train_eval]
    assert sorted(np.concatenate(pairs).astype(int)) == list(range(70))
