"""A linear log-odds network is a conditional logit: it must find the same coefficients as
statsmodels' ConditionalLogit and recover the simulator's true ones."""
import keras
import numpy as np

from pipelines.movement import make_dataset
from pipelines.movement.simulator import TRUE_COEFFICIENTS
from tests.oracles import conditional_logit, simulated_choice_sets
from tfmodels.mimic.model import build_logodds_model, linear_coefficients


def _fit_linear(cs, epochs):
    model = build_logodds_model(cs.features.shape[-1], num_layers=0, layer_size=1)
    # full batch + a decaying step: Adam settles on the optimum instead of circling it
    schedule = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=epochs, alpha=0.001)
    model.compile(keras.optimizers.Adam(schedule),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    full_batch = make_dataset(cs, batch_size=cs.num_decisions, shuffle=False, seed=0)
    model.fit(full_batch, epochs=epochs, verbose=0, shuffle=False)
    coefficients = linear_coefficients(model, list(TRUE_COEFFICIENTS))
    return np.array([coefficients[name] for name in TRUE_COEFFICIENTS])


def test_linear_network_matches_statsmodels_conditional_logit():
    from statsmodels.discrete.conditional_models import ConditionalLogit

    table, features, cs = simulated_choice_sets(6, 20, seed=4)
    oracle = ConditionalLogit(table["selected"].to_numpy(), features.to_numpy(np.float64),
                              groups=table["decision"].to_numpy()).fit(disp=0, maxiter=500)
    beta = _fit_linear(cs, epochs=1500)
    assert np.allclose(beta, oracle.params, atol=0.05), (beta, oracle.params)


def test_linear_network_recovers_the_simulators_true_coefficients():
    _, _, cs = simulated_choice_sets(40, 100, seed=5)
    exact, se = conditional_logit(cs)
    beta = _fit_linear(cs, epochs=1500)
    assert np.allclose(beta, exact, atol=0.05), (beta, exact)  # the same optimum
    truth = np.array(list(TRUE_COEFFICIENTS.values()))
    assert np.all(np.abs(beta - truth) < 4 * se), (beta, truth, se)
