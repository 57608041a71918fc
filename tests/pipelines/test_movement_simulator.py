"""The known-truth simulator, its TFDS builder and load_movement end to end."""
import numpy as np
import pandas as pd
import pytest

from configs.families.mimic import MimicConfig
from pipelines.movement import load_movement
from pipelines.movement.features import FEATURE_SETS, compute_features
from pipelines.movement.views import to_choice_sets
from pipelines.movement.simulator import (TRUE_COEFFICIENTS, SimulatorSpec, load_simulated,
                                          simulate)
from pipelines.movement.simulator.fields import in_box, mlt, npp
from tests.oracles import conditional_logit as _conditional_logit
from tests.oracles import simulated_choice_sets as _simulated_choice_sets


def test_fields_are_positive_smooth_and_seasonal():
    lat, lon = np.meshgrid(np.linspace(40, 60, 41), np.linspace(-170, -130, 81))
    for field in (mlt, npp):
        winter, summer = field(lat, lon, 30), field(lat, lon, 210)
        assert (winter > 0).all() and (summer > 0).all()
        assert np.abs(np.log(winter) - np.log(summer)).mean() > 0.2  # changes with season
        steps = np.abs(np.diff(np.log(winter), axis=1))  # 0.5° of latitude ≈ 56 km
        assert steps.max() < 0.6 and steps.mean() > 0.05  # smooth, yet cells differ


def test_simulated_stay_put_fraction_matches_the_paper():
    tracks, covariates, table = simulate(SimulatorSpec(n_individuals=30,
                                                       decisions_per_individual=60, seed=11))
    chosen = table[table["selected"] == 1]
    assert len(chosen) == 30 * 60
    assert 0.55 < (chosen["distance_km"] == 0).mean() < 0.75
    assert np.allclose(table.groupby("decision")["true_prob"].sum(), 1.0)
    assert in_box(tracks["lat"], tracks["lon"]).all()  # the box is a wall
    assert len(tracks) == 30 * 61 and not covariates.duplicated(["cell", "time"]).any()


def test_simulator_is_deterministic_for_a_seed():
    spec = SimulatorSpec(n_individuals=4, decisions_per_individual=10, seed=2)
    first, again = simulate(spec)[2], simulate(spec)[2]
    pd.testing.assert_frame_equal(first, again)
    other = simulate(SimulatorSpec(n_individuals=4, decisions_per_individual=10, seed=3))[2]
    assert not first["choice"].equals(other["choice"])


def test_tfds_tiny_prepares_offline_and_is_deterministic(tmp_path, capsys):
    one = load_simulated("tiny", data_dir=tmp_path / "one")
    assert "generating simulated tracks (tiny: 6 individuals x 20 decisions)" in (
        capsys.readouterr().out)
    two = load_simulated("tiny", data_dir=tmp_path / "two")
    pd.testing.assert_frame_equal(one, two)
    capsys.readouterr()
    again = load_simulated("tiny", data_dir=tmp_path / "one")  # reads, does not regenerate
    assert "generating" not in capsys.readouterr().out
    pd.testing.assert_frame_equal(one, again)
    spec = SimulatorSpec(n_individuals=6, decisions_per_individual=20, seed=7)
    pd.testing.assert_frame_equal(one, simulate(spec)[2][one.columns], check_dtype=False)
    assert one["decision"].nunique() == 120


def test_load_movement_from_simulator_and_from_its_tracks_agree(tmp_path, monkeypatch):
    monkeypatch.setenv("TFLAB_DATA_DIR", str(tmp_path / "tfds"))
    common = dict(feature_set="v3", resolution=4, max_km=100.0, time_step="1D",
                  val_fraction=0.34, split_seed=0)
    sim = load_movement(MimicConfig(simulator_config="tiny", **common), None)
    assert sim.source == "simulator:tiny v1.0.0"
    assert sim.feature_names == FEATURE_SETS["v3"]
    assert sim.train.num_decisions + sim.val.num_decisions == 120
    assert not set(sim.train.individual) & set(sim.val.individual)
    assert 0 < sim.true_gmp_val < 1 and 0 < sim.true_gmp_train < 1

    tracks, covariates, _ = simulate(SimulatorSpec(n_individuals=6, decisions_per_individual=20,
                                                   seed=7))
    tracks.to_csv(tmp_path / "tracks.csv", index=False)
    covariates.to_parquet(tmp_path / "covariates.parquet")
    user = load_movement(MimicConfig(covariates_path=str(tmp_path / "covariates.parquet"),
                                     **common), str(tmp_path / "tracks.csv"))
    assert user.true_gmp_val is None
    for a, b in ((sim.train, user.train), (sim.val, user.val)):
        assert np.array_equal(a.mask, b.mask) and np.array_equal(a.selected, b.selected)
        assert np.allclose(a.features, b.features, atol=1e-5)
    assert user.stats["centering"] == pytest.approx(sim.stats["centering"])


def test_newton_conditional_logit_matches_statsmodels():
    from statsmodels.discrete.conditional_models import ConditionalLogit

    table, features, cs = _simulated_choice_sets(6, 20, seed=4)
    model = ConditionalLogit(table["selected"].to_numpy(), features.to_numpy(np.float64),
                             groups=table["decision"].to_numpy())
    fit = model.fit(disp=0, maxiter=500)
    beta, se = _conditional_logit(cs)
    assert model.loglike(beta) >= model.loglike(fit.params) - 1e-6  # at least as good
    assert np.allclose(beta, fit.params, atol=0.02) and np.allclose(se, fit.bse, rtol=0.02)


def test_linear_truth_is_recovered_by_a_conditional_logit():
    """Without the interaction the simulator is exactly a conditional logit in the
    pipeline's features (centring aside), so the MLE must recover TRUE_COEFFICIENTS."""
    _, _, cs = _simulated_choice_sets(40, 100, seed=5)
    beta, se = _conditional_logit(cs)
    for name, estimate, error in zip(TRUE_COEFFICIENTS, beta, se):
        assert abs(estimate - TRUE_COEFFICIENTS[name]) < 4 * error, (name, estimate, error)
