"""Masked loss and metrics: invalid pixels never count."""
import numpy as np
import tensorflow as tf

from tfmodels.stereo.losses import BadPixelRate, MaskedEPE, MaskedSmoothL1, disparity_errors


def batch(seed=0):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(0, 20, (3, 8, 16)).astype(np.float32)
    valid = rng.random((3, 8, 16)) > 0.3
    pred = gt + rng.normal(0, 2, gt.shape).astype(np.float32)
    return gt, valid, pred


def stacked(gt, valid):
    return tf.constant(np.stack([gt, valid.astype(np.float32)], -1))


def test_epe_ignores_invalid_pixels():
    gt, valid, pred = batch()
    wild = np.where(valid, pred, 1e4).astype(np.float32)  # garbage where there is no truth
    for p in (pred, wild):
        metric = MaskedEPE()
        metric.update_state(stacked(gt, valid), tf.constant(p[..., None]))
        expected = np.abs(pred - gt)[valid].mean()
        np.testing.assert_allclose(float(metric.result()), expected, rtol=1e-5)
        np.testing.assert_allclose(disparity_errors(p, gt, valid)["epe"], expected, rtol=1e-6)


def test_epe_accumulates_pixels_across_batches():
    metric, gts, valids, preds = MaskedEPE(), [], [], []
    for seed in range(3):
        gt, valid, pred = batch(seed)
        valid[seed] = False  # batches with different valid counts
        metric.update_state(stacked(gt, valid), tf.constant(pred[..., None]))
        gts.append(gt), valids.append(valid), preds.append(pred)
    expected = disparity_errors(np.concatenate(preds), np.concatenate(gts),
                                np.concatenate(valids))["epe"]
    np.testing.assert_allclose(float(metric.result()), expected, rtol=1e-5)


def test_bad_pixel_rates_and_smooth_l1_are_masked():
    gt, valid, pred = batch(1)
    bad3 = BadPixelRate(3.0)
    bad3.update_state(stacked(gt, valid), tf.constant(pred[..., None]))
    np.testing.assert_allclose(float(bad3.result()),
                               (np.abs(pred - gt)[valid] > 3).mean(), rtol=1e-5)
    loss = MaskedSmoothL1(delta=1.0)
    wild = np.where(valid, pred, -500.0).astype(np.float32)
    a = float(loss(stacked(gt, valid), tf.constant(pred[..., None])))
    b = float(loss(stacked(gt, valid), tf.constant(wild[..., None])))
    e = np.abs(pred - gt)
    huber = np.where(e < 1, 0.5 * e ** 2, e - 0.5)
    per_image = [(huber[i] * valid[i]).sum() / valid[i].sum() for i in range(3)]
    np.testing.assert_allclose([a, b], [np.mean(per_image)] * 2, rtol=1e-5)


def test_an_image_without_valid_pixels_adds_no_error():
    gt, valid, pred = batch(2)
    valid[0] = False
    per_image = MaskedSmoothL1().call(stacked(gt, valid), tf.constant(pred[..., None]))
    assert float(per_image[0]) == 0.0 and np.isfinite(per_image.numpy()).all()
