"""The mimic scorer CLI: a trained run's probabilities for its own data and for new tracks."""
import json

import numpy as np
import pandas as pd
import pytest

from configs.base import load_config
from pipelines.movement.simulator import SimulatorSpec, simulate
from tests.cli import run_cli
from tfmodels.families import get_family
from tfmodels.mimic import score

FAMILY = get_family("mimic")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    config = load_config("mimic_v3", ["simulator_config=tiny", "epochs=3", "batch_size=64",
                                      "num_layers=2", "layer_size=8", "feature_set=v3"])
    out = tmp_path_factory.mktemp("run")
    FAMILY.train(config, FAMILY.load_data(config, None), out, verbose=0)
    return out


def _gmp(rows):
    return float(np.exp(np.log(rows.loc[rows["selected"] == 1, "probability"]).mean()))


def test_scores_of_the_runs_own_data_reproduce_its_metrics(run_dir, tmp_path, capsys):
    assert score.main([str(run_dir), "--out", str(tmp_path / "s.csv")]) == 0
    scores = pd.read_csv(tmp_path / "s.csv")
    sums = scores.groupby("decision")["probability"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-9)
    assert (scores.groupby("decision")["selected"].sum() == 1).all()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # the flat scorer + softmax here vs the padded, masked model inside training
    for split in ("train", "val"):
        assert _gmp(scores[scores["split"] == split]) == pytest.approx(
            metrics[f"gmp_{split}"], rel=1e-5)
    assert "true_prob" in scores and "val:" in capsys.readouterr().out


def test_new_tracks_and_the_same_choice_table_score_identically(run_dir, tmp_path):
    tracks, covariates, truth = simulate(SimulatorSpec(n_individuals=3,
                                                       decisions_per_individual=12, seed=7))
    tracks["individual"] = "new_" + tracks["individual"].astype(str)
    truth["individual"] = "new_" + truth["individual"].astype(str)
    tracks.to_csv(tmp_path / "tracks.csv", index=False)
    covariates.to_csv(tmp_path / "cov.csv", index=False)
    columns = ["individual", "decision", "time", "choice", "selected", "distance_km",
               "heading", "mlt", "npp"]
    truth[columns].to_csv(tmp_path / "choices.csv", index=False)

    from_tracks = score.score(run_dir, str(tmp_path / "tracks.csv"), str(tmp_path / "cov.csv"))
    from_table = score.score(run_dir, str(tmp_path / "choices.csv"))
    assert (from_tracks["split"] == "new").all()
    assert len(from_tracks) == len(truth)
    np.testing.assert_allclose(from_tracks["probability"], from_table["probability"],
                               rtol=1e-5, atol=1e-7)


def test_softmax_within_decisions_is_exact_and_stable():
    logodds = np.array([1000.0, 1001.0, -5.0, 0.0, 0.0])
    p = score.softmax_within(logodds, np.array([0, 0, 1, 1, 1]))
    e = np.exp(1.0)
    np.testing.assert_allclose(p, [1 / (1 + e), e / (1 + e), np.exp(-5) / (np.exp(-5) + 2),
                                   1 / (np.exp(-5) + 2), 1 / (np.exp(-5) + 2)])


def test_a_directory_that_is_not_a_run_is_one_line_exit_2(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    result = run_cli("tfmodels.mimic.score", str(tmp_path), timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tflab: error: {tmp_path} is not a finished mimic run (missing features.json, "
        f"scorer.keras); pass a run directory written by tfmodels.fit or tuning.grid"]
    assert not (tmp_path / "scores.csv").exists()
