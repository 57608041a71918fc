"""RunningNormalizer: statistics equal NumPy's over the whole stream, however it arrives."""
import numpy as np
import pytest
import tensorflow as tf

from tfmodels.normalizer import RunningNormalizer


def _stream(n=97, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(loc=[3.0, -1.0, 50.0], scale=[2.0, 0.1, 7.0], size=(n, d)).astype(np.float32)


def _layer(d=3, **kwargs):
    layer = RunningNormalizer(**kwargs)
    layer.build((None, d))
    return layer


def _check(layer, data):
    data = data.astype(np.float64)
    np.testing.assert_allclose(layer.count.numpy(), len(data))
    np.testing.assert_allclose(layer.mean.numpy(), data.mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.variance.numpy(), data.var(0), rtol=1e-6)
    np.testing.assert_allclose(layer.sum.numpy(), data.sum(0), rtol=1e-6)
    np.testing.assert_allclose(layer.sq_sum.numpy(), (data ** 2).sum(0), rtol=1e-6)


@pytest.mark.parametrize("cuts", [[], [1], [10, 11, 50], list(range(1, 97, 7))])
def test_any_batch_split_matches_numpy(cuts):
    data = _stream()
    layer = _layer()
    for part in np.split(data, cuts):
        layer.update(part)
    _check(layer, data)


def test_two_replicas_share_one_set_of_statistics():
    devices = tf.config.list_logical_devices("CPU")
    if len(devices) < 2:
        pytest.skip("needs 2 logical CPU devices (tests/conftest.py splits the CPU)")
    from tfmodels.runtime import get_strategy

    # the process-wide strategy over both devices: a second MirroredStrategy over the same
    # devices would collide with it in collective ops (see tfmodels.runtime.get_strategy)
    strategy = get_strategy()
    assert strategy.num_replicas_in_sync == 2
    data = _stream()
    with strategy.scope():
        layer = _layer()

    @tf.function
    def step(first, second):
        def replica_fn():
            ctx = tf.distribute.get_replica_context()
            x = tf.cond(tf.equal(ctx.replica_id_in_sync_group, 0), lambda: first, lambda: second)
            layer.update(x)
        strategy.run(replica_fn)

    # uneven per-replica batches, several steps: the replicas' counts are summed, not kept apart
    step(data[:30], data[30:37])
    step(data[37:38], data[38:90])
    step(data[90:], data[90:90])  # an empty batch on one replica must not disturb anything
    mirrored = layer.count.value  # the tf MirroredVariable behind the Keras variable
    for value in getattr(mirrored, "values", [mirrored]):  # every replica's copy agrees
        np.testing.assert_allclose(value.numpy(), len(data))
    _check(layer, data)


def test_initial_statistics_are_weighted_by_their_count():
    data = _stream(n=10)
    layer = _layer(initial_mean=[1.0, 2.0, 3.0], initial_var=[4.0, 4.0, 4.0], initial_count=30)
    np.testing.assert_allclose(layer.mean.numpy(), [1, 2, 3])
    layer.update(data)
    expected = (30 * np.array([1.0, 2.0, 3.0]) + data.astype(np.float64).sum(0)) / 40
    np.testing.assert_allclose(layer.mean.numpy(), expected, rtol=1e-6)


def test_frozen_in_evaluation_and_updates_in_training():
    data = _stream(n=20)
    layer = _layer()
    layer(tf.constant(data), training=False)
    assert layer.count.numpy() == 0
    out = layer(tf.constant(data), training=True)
    assert layer.count.numpy() == 20
    np.testing.assert_allclose(out.numpy().mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.numpy().std(0), 1.0, atol=1e-4)


def test_saved_and_restored_with_the_model(tmp_path):
    import keras

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(RunningNormalizer(name="norm")(inputs)))
    model.get_layer("norm").update(_stream())
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    for name in ("count", "mean", "m2"):
        np.testing.assert_array_equal(getattr(loaded.get_layer("norm"), name).numpy(),
                                      getattr(model.get_layer("norm"), name).numpy())
    x = _stream(n=5, seed=1)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)
