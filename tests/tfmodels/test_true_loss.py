"""TrueTrainingLoss: one eval-mode pass over the training data after every epoch."""
import keras
import numpy as np
import tensorflow as tf

from tests.tfmodels.choice_data import dataset, simulate_choices
from tfmodels.callbacks import TrueTrainingLoss
from tfmodels.mimic.model import build_logodds_model
from tfmodels.runtime import get_strategy


def _fit(dropout, strategy=None, epochs=3):
    strategy = strategy or tf.distribute.get_strategy()
    x, mask, y = simulate_choices(decisions=500, features=3)
    with strategy.scope():
        model = build_logodds_model(3, num_layers=2, layer_size=16, dropout=dropout)
        model.compile(keras.optimizers.Adam(0.01),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    # batch 96 leaves a short last batch: the true loss must weight it by its size
    callback = TrueTrainingLoss(dataset(x, mask, y, 96), strategy)
    history = model.fit(dataset(x, mask, y, 96).shuffle(8, seed=1), epochs=epochs,
                        callbacks=[callback], verbose=0)
    return model, history, dataset(x, mask, y, 96)


def test_true_loss_equals_model_evaluate_on_the_training_data():
    model, history, train = _fit(dropout=0.0)
    evaluated = model.evaluate(train, verbose=0)
    assert np.isclose(history.history["train_loss_true"][-1], evaluated, rtol=1e-5)


def test_true_loss_differs_from_running_loss_when_dropout_is_on():
    _, history, _ = _fit(dropout=0.5)
    running, true = history.history["loss"][-1], history.history["train_loss_true"][-1]
    assert abs(running - true) > 0.02, (running, true)


def test_true_loss_is_exact_under_two_replicas():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")][:2]
    assert len(devices) == 2, "conftest splits the CPU into two logical devices"
    strategy = get_strategy()  # one cached strategy per process (see tfmodels.runtime)
    assert strategy.num_replicas_in_sync == 2
    model, history, train = _fit(dropout=0.0, strategy=strategy)
    with strategy.scope():
        evaluated = model.evaluate(train, verbose=0)
    assert np.isclose(history.history["train_loss_true"][-1], evaluated, rtol=1e-5)
