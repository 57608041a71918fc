"""The log-odds network: exact masking, linear = conditional logit, exportable scorer."""
import keras
import numpy as np

from tests.tfmodels.choice_data import simulate_choices
from tfmodels.mimic.metrics import choice_metrics
from tfmodels.mimic.model import build_logodds_model, choice_scorer


def test_padded_slots_get_exactly_zero_probability():
    x, mask, _ = simulate_choices(decisions=30, choices=6)
    model = build_logodds_model(3, num_layers=2, layer_size=8)
    logits = model.predict({"features": x, "mask": mask}, verbose=0)
    probability = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))
    assert np.all(probability[mask == 0] == 0.0)
    assert np.allclose(probability.sum(axis=1), 1.0, atol=1e-6)


def test_padding_does_not_change_the_valid_choices_probabilities():
    x, mask, _ = simulate_choices(decisions=30, choices=6, pad_every=1, pad_from=4)
    model = build_logodds_model(3, num_layers=1, layer_size=8)
    padded = keras.ops.softmax(model.predict({"features": x, "mask": mask}, verbose=0))
    short = keras.ops.softmax(model.predict({"features": x[:, :4], "mask": mask[:, :4]},
                                            verbose=0))
    assert np.allclose(np.asarray(padded)[:, :4], np.asarray(short), atol=1e-6)


def test_scorer_shares_weights_with_the_model():
    x, mask, _ = simulate_choices(decisions=10, choices=6)
    model = build_logodds_model(3, num_layers=2, layer_size=8)
    scorer = choice_scorer(model)
    per_choice = scorer.predict(x.reshape(-1, 3), verbose=0).reshape(10, 6)
    logits = model.predict({"features": x, "mask": mask}, verbose=0)
    assert np.allclose(per_choice[mask == 1], logits[mask == 1], atol=1e-5)


def test_moving_gmp_renormalises_over_choices_that_move():
    logits = np.log(np.array([[0.5, 0.3, 0.2], [0.6, 0.1, 0.3]]))
    mask = np.ones((2, 3), bool)
    distance = np.array([[0.0, 50.0, 80.0], [0.0, 50.0, 80.0]])
    selected = np.array([1, 0])  # decision 0 moved, decision 1 stayed put
    scores = choice_metrics(logits, mask, selected, distance, "val")
    assert np.isclose(scores["gmp_val"], np.sqrt(0.3 * 0.6))
    assert np.isclose(scores["gmp_val_moving"], 0.3 / 0.5)  # only decision 0, renormalised
    assert np.isclose(scores["gmp_random_val"], 1 / 3)
    assert np.isclose(scores["gmp_random_val_moving"], 1 / 2)
