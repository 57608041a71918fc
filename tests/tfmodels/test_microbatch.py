"""MicroBatchedModel: pieces of a batch give the whole batch's step, loss and true loss."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.tfmodels.choice_data import dataset, simulate_choices
from tfmodels.callbacks import TrueTrainingLoss
from tfmodels.mimic.model import build_logodds_model
from tfmodels.runtime import get_strategy

# 100 decisions in batches of 40 (last batch 20), pieces of 7: uneven pieces everywhere
MICRO = 7


def _model(micro_batch, strategy=None, metrics=None):
    with (strategy or tf.distribute.get_strategy()).scope():
        keras.utils.set_random_seed(5)
        model = build_logodds_model(3, num_layers=2, layer_size=16, micro_batch=micro_batch)
        model.compile(keras.optimizers.Adam(0.05),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=metrics)
    return model


@pytest.fixture(scope="module")
def data():
    return simulate_choices(decisions=100, features=3, seed=2)


def _train(model, data, epochs=3):
    x, mask, y = data
    return model.fit(dataset(x, mask, y, 40), epochs=epochs, verbose=0).history


def _assert_same_weights(a, b, rtol):
    """Every weight but the log-odds bias, which shifts every choice of a decision alike:
    its true gradient is exactly 0, so Adam moves it by float noise alone."""
    for va, vb in zip(a.weights, b.weights):
        if va.path.endswith("logodds/bias"):
            continue
        np.testing.assert_allclose(va.numpy(), vb.numpy(), rtol=rtol, atol=1e-6,
                                   err_msg=va.path)


def test_pieces_give_the_whole_batch_gradient_and_running_loss(data):
    whole, pieces = _model(0), _model(MICRO)
    history_whole, history_pieces = _train(whole, data), _train(pieces, data)
    _assert_same_weights(whole, pieces, rtol=1e-4)
    np.testing.assert_allclose(history_pieces["loss"], history_whole["loss"], rtol=1e-5)
    assert history_whole["loss"][-1] < history_whole["loss"][0]  # it did train


def test_one_step_applies_the_whole_batch_gradient_and_reports_its_loss(data):
    """SGD with learning rate 1: the weights move by exactly minus the gradient, so one
    micro-batched step exposes its gradient; the reference is a plain tape over the batch."""
    x, mask, y = data
    inputs, labels = next(iter(dataset(x, mask, y, 40)))
    keras.utils.set_random_seed(5)
    model = build_logodds_model(3, num_layers=2, layer_size=16, micro_batch=MICRO)
    model.compile(keras.optimizers.SGD(1.0),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert model._splits((inputs, labels))  # 40 decisions in pieces of 7: the pieces path
    before = [v.numpy() for v in model.trainable_variables]
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
            labels, model(inputs, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    logs = model.train_on_batch(inputs, labels, return_dict=True)
    assert logs["loss"] == pytest.approx(float(loss), rel=1e-6)
    for start, variable, gradient in zip(before, model.trainable_variables, gradients):
        np.testing.assert_allclose(start - variable.numpy(), gradient.numpy(), rtol=1e-5,
                                   atol=1e-7, err_msg=variable.path)
    assert max(float(np.abs(g).max()) for g in gradients) > 1e-3  # a step that moved


def test_evaluate_and_true_loss_are_the_whole_batch_mean(data):
    x, mask, y = data
    pieces = _model(MICRO)
    _train(pieces, data, epochs=1)
    whole = _model(0)
    whole.set_weights(pieces.get_weights())
    evaluated = whole.evaluate(dataset(x, mask, y, 40), verbose=0)
    assert pieces.evaluate(dataset(x, mask, y, 40), verbose=0) == pytest.approx(evaluated,
                                                                                rel=1e-6)
    callback = TrueTrainingLoss(dataset(x, mask, y, 40))
    callback.set_model(pieces)
    assert callback.evaluate()["train_loss_true"] == pytest.approx(evaluated, rel=1e-6)


def test_two_replicas_with_pieces_match_one_device_whole_batches(data):
    strategy = get_strategy()
    assert strategy.num_replicas_in_sync == 2  # conftest's two logical CPU devices
    whole, pieces = _model(0), _model(MICRO, strategy)
    with strategy.scope():
        _train(pieces, data)
    _train(whole, data)
    _assert_same_weights(whole, pieces, rtol=1e-4)


def test_compiled_metrics_fall_back_to_the_keras_step(data):
    """With a compiled metric the pieces are skipped: the step is Keras' own, so loss and
    accuracy equal an un-split model's to the last float bit."""
    model = _model(MICRO, metrics=["sparse_categorical_accuracy"])
    plain = _model(0, metrics=["sparse_categorical_accuracy"])
    x, mask, y = data
    assert not model._splits((dict(features=x, mask=mask), y))
    history, reference = _train(model, data, epochs=2), _train(plain, data, epochs=2)
    assert history == reference
    assert 0.3 < reference["sparse_categorical_accuracy"][-1] < 1.0  # learning, not perfect


def test_saved_model_reloads_as_a_plain_functional_model(data, tmp_path):
    x, mask, y = data
    model = _model(MICRO)
    _train(model, data, epochs=1)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.micro_batch == 0
    inputs = {"features": x[:10], "mask": mask[:10]}
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0),
                               model.predict(inputs, verbose=0), rtol=1e-6)


def test_dropout_in_pieces_is_seeded_and_still_a_training_mode_loss(data):
    x, mask, y = data

    def run():
        keras.utils.set_random_seed(11)
        model = build_logodds_model(3, num_layers=2, layer_size=16, dropout=0.5,
                                    micro_batch=MICRO)
        model.compile(keras.optimizers.Adam(0.05),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        callback = TrueTrainingLoss(dataset(x, mask, y, 40))
        history = model.fit(dataset(x, mask, y, 40), epochs=2, callbacks=[callback],
                            verbose=0).history
        return model, history

    first, history = run()
    second, _ = run()
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)  # same seed, same masks, same numbers
    # the true loss is the inference-mode mean at the epoch's end weights (no dropout) ...
    assert history["train_loss_true"][-1] == pytest.approx(
        first.evaluate(dataset(x, mask, y, 40), verbose=0), rel=1e-6)
    # ... and the running loss, with half the units dropped, is not it
    assert abs(history["loss"][-1] - history["train_loss_true"][-1]) > 0.01
