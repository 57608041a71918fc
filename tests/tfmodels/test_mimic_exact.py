"""The exact Newton solve of linear log-odds models (tfmodels/mimic/exact.py).

statsmodels' ConditionalLogit is the oracle: same optimum (coefficients, NLL) and the same
standard errors, on choice sets of different sizes whose padding is masked.
"""
import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from configs.base import load_config
from pipelines.movement import make_dataset
from pipelines.movement.simulator import TRUE_COEFFICIENTS
from pipelines.movement.views import ChoiceSets
from tests.oracles import simulated_choice_sets, statsmodels_conditional_logit
from tests.tfmodels.choice_data import simulate_choices
from tflab.errors import UserError
from tfmodels.families import get_family
from tfmodels.mimic import inference
from tfmodels.mimic.exact import NLL_NOISE, _moments_fn, decision_scores, newton_solve
from tfmodels.mimic.family import varies_within_decisions
from tfmodels.mimic.model import build_logodds_model


def padded(decisions=600, beta=(1.0, -0.5, 0.3), seed=0):
    """Choice sets of 6 slots, every third decision padded to 4, as `ChoiceSets`."""
    x, mask, y = simulate_choices(decisions, 6, len(beta), beta=beta, seed=seed)
    return ChoiceSets(features=x, mask=mask.astype(bool), selected=y,
                      distance_km=np.zeros(mask.shape, np.float32),
                      individual=np.arange(decisions) // 10, decision=np.arange(decisions),
                      feature_names=[f"x{i}" for i in range(len(beta))])


def solve(cs, names=None, batch_size=256):
    """Newton on `cs` through the Keras model and the tf.data batches Adam would see."""
    model = build_logodds_model(cs.features.shape[-1], num_layers=0, layer_size=1)
    dataset = make_dataset(cs, batch_size=batch_size, shuffle=False, seed=0)
    names = names or [f"x{i}" for i in range(cs.features.shape[-1])]
    solution = newton_solve(model, dataset, varies_within_decisions(cs), names,
                            gradient_tol=1e-7, max_iterations=50)
    return solution, model, dataset


def test_newton_reaches_the_statsmodels_optimum_with_its_standard_errors():
    _, _, cs = simulated_choice_sets(6, 40, seed=4)  # H3 choice sets of 19-30 cells
    sizes = cs.mask.sum(axis=1)
    assert sizes.min() < sizes.max()  # padding is exercised
    oracle, model = statsmodels_conditional_logit(cs)
    solution, _, _ = solve(cs, list(TRUE_COEFFICIENTS), batch_size=64)
    assert solution.converged
    assert np.abs(solution.beta - oracle.params).max() < 1e-4, (solution.beta, oracle.params)
    exact_nll = -model.loglike(solution.beta)
    assert abs(exact_nll + oracle.llf) <= 1e-7 * abs(oracle.llf)
    # the solver's own float32-model NLL agrees with the float64 one
    reported = solution.history["nll"].iloc[-1] * cs.num_decisions
    assert abs(reported - exact_nll) <= 1e-6 * exact_nll
    se = np.sqrt(np.diag(inference.model_covariance(solution.hessian, solution.identified)))
    assert np.allclose(se, oracle.bse, rtol=2e-7, atol=0), (se, oracle.bse)


def test_padded_choice_sets_give_the_statsmodels_optimum():
    cs = padded()
    oracle, _ = statsmodels_conditional_logit(cs)
    solution, _, _ = solve(cs, batch_size=100)
    assert np.abs(solution.beta - oracle.params).max() < 1e-4
    assert solution.history["step_size"].iloc[1:].gt(0).all()
    assert solution.history["grad_norm"].iloc[-1] <= 1e-7


def test_closed_form_derivatives_are_those_of_the_keras_loss():
    cs = padded(decisions=120)
    model = build_logodds_model(3, num_layers=0, layer_size=1)
    model.get_layer("scorer_logodds").kernel.assign([[0.4], [0.2], [-0.7]])
    dataset = make_dataset(cs, batch_size=50, shuffle=False, seed=0)
    nll, gradient, hessian, count = _moments_fn(model, list(dataset))()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    kernel = model.get_layer("scorer_logodds").kernel
    inputs = {"features": tf.constant(cs.features), "mask": tf.constant(cs.mask, tf.float32)}
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = loss_fn(cs.selected, model(inputs))
        tape_gradient = inner.gradient(loss, kernel)[:, 0]
    tape_hessian = outer.jacobian(tape_gradient, kernel)[:, :, 0]
    assert count == 120
    assert np.isclose(nll, loss.numpy(), rtol=1e-6)
    assert np.allclose(gradient, tape_gradient.numpy(), atol=1e-4)
    assert np.allclose(hessian, tape_hessian.numpy(), rtol=1e-4, atol=1e-4)


def test_recovers_the_simulators_true_coefficients_within_3_se():
    _, _, cs = simulated_choice_sets(40, 100, seed=5)
    solution, _, _ = solve(cs, list(TRUE_COEFFICIENTS), batch_size=2048)
    se = np.sqrt(np.diag(inference.model_covariance(solution.hessian, solution.identified)))
    truth = np.array(list(TRUE_COEFFICIENTS.values()))
    assert np.all(np.abs(solution.beta - truth) < 3 * se), (solution.beta, truth, se)


def test_feature_constant_within_decisions_is_unidentified_and_the_solve_still_works():
    cs = padded(beta=(1.0, -0.5, 0.0))
    season = np.random.default_rng(3).normal(size=(cs.num_decisions, 1))
    cs.features[:, :, 2] = np.where(cs.mask, season, 0.0)  # one value per decision
    solution, _, _ = solve(cs)
    assert solution.converged
    assert list(solution.identified) == [True, True, False]
    assert solution.beta[2] == 0.0  # held at 0: it cancels from every softmax
    oracle, _ = statsmodels_conditional_logit(cs, columns=[0, 1])
    assert np.abs(solution.beta[:2] - oracle.params).max() < 1e-4
    covariance = inference.model_covariance(solution.hessian, solution.identified)
    table = inference.coefficient_table(["a", "b", "season"], solution.beta, covariance,
                                        solution.identified)
    assert table["se"].iloc[:2].notna().all() and table["se"].isna().iloc[2]
    assert np.allclose(table["se"].iloc[:2], oracle.bse, rtol=2e-7, atol=0)
    assert np.allclose(table["p_value"].iloc[:2], oracle.pvalues, rtol=0.05, atol=1e-12)
    assert np.allclose(table[["ci_low", "ci_high"]].iloc[:2], oracle.conf_int(), atol=1e-3)
    assert not table["identified"].iloc[2]


def test_collinear_features_fail_in_one_clear_error():
    cs = padded()
    cs.features[:, :, 2] = 2 * cs.features[:, :, 0]
    with pytest.raises(UserError, match="collinear within decisions"):
        solve(cs)


def test_same_data_twice_gives_identical_coefficients():
    cs = padded(seed=2)
    first, second = solve(cs)[0], solve(cs)[0]
    assert np.array_equal(first.beta, second.beta)
    assert first.history.equals(second.history)


def test_cluster_sandwich_with_one_decision_per_cluster_matches_the_model_se():
    # information-matrix equality: for a well-specified model the sandwich over independent
    # decisions estimates the same variance as the inverse Hessian
    cs = padded(decisions=3000, seed=5)
    solution, model, dataset = solve(cs, batch_size=1000)
    scores = decision_scores(model, list(dataset))
    assert scores.shape == (3000, 3)
    assert np.abs(scores.sum(axis=0)).max() < 1e-3  # the score sums to ~0 at the optimum
    naive = inference.model_covariance(solution.hessian, solution.identified)
    robust = inference.cluster_covariance(solution.hessian, scores, np.arange(3000),
                                          solution.identified)
    ratio = np.sqrt(np.diag(robust) / np.diag(naive))
    assert np.all(np.abs(ratio - 1) < 0.1), ratio


def test_config_rejects_newton_for_a_network_and_unknown_optimizers():
    with pytest.raises(UserError, match="num_layers=0"):
        load_config("mimic_v3", ["optimizer=newton"])
    with pytest.raises(UserError, match="optimizer must be one of"):
        load_config("mimic_linear", ["optimizer=sgd"])
    assert load_config("mimic_linear").solves_exactly
    assert not load_config("mimic_linear", ["optimizer=adam"]).solves_exactly


@pytest.fixture(scope="module")
def tiny_linear():
    config = load_config("mimic_linear", ["simulator_config=tiny"])
    family = get_family("mimic")
    return config, family, family.load_data(config, None)


def test_mimic_linear_run_directory(tiny_linear, tmp_path):
    config, family, data = tiny_linear
    metrics = family.train(config, data, tmp_path, verbose=0)
    for name in ("config.json", "history.csv", "metrics.json", "model.keras", "scorer.keras",
                 "features.json", "coefficients.csv"):
        assert (tmp_path / name).exists(), name
    history = pd.read_csv(tmp_path / "history.csv")
    assert list(history.columns) == ["iteration", "nll", "grad_norm", "step_size"]
    assert metrics["converged"] and metrics["iterations"] == len(history) - 1
    assert metrics["grad_norm"] <= config.gradient_tol and metrics["seconds"] > 0
    # the line search accepts a step that raises the NLL by at most its float rounding
    # (exact.NLL_NOISE, relative) when the gradient shrinks; never more than that
    nll = history["nll"].to_numpy()
    assert (np.diff(nll) <= NLL_NOISE * np.abs(nll[:-1])).all()
    assert nll[-1] < nll[0]
    table = pd.read_csv(tmp_path / "coefficients.csv")
    assert list(table.columns) == ["feature", "coefficient", "se", "z", "p_value", "ci_low",
                                   "ci_high", "identified", "se_cluster"]
    # v3's time of year is the same for every choice of a decision: no SE, said so
    unidentified = table.set_index("feature").loc[["cos_time", "sin_time"]]
    assert not unidentified["identified"].any() and unidentified["se"].isna().all()
    assert table[table["identified"]]["se"].gt(0).all()
    saved = keras.models.load_model(tmp_path / "model.keras", compile=False)
    kernel = saved.get_layer("scorer_logodds").get_weights()[0][:, 0]
    assert np.allclose(kernel, table["coefficient"], atol=1e-6)
    assert np.isfinite(metrics["val_loss"]) and 0 < metrics["gmp_val"] < 1

    again = family.train(config, data, tmp_path / "again", verbose=0)
    assert again["train_loss_true"] == metrics["train_loss_true"]
    assert pd.read_csv(tmp_path / "again" / "coefficients.csv").equals(table)


def test_cli_refuses_newton_for_a_network_in_one_line():
    from tests.cli import run_cli

    done = run_cli("tfmodels.fit", "mimic_v3", "--set", "optimizer=newton", timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "num_layers=0" in done.stderr
