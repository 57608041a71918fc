"""Forward simulation from a mimic run: reproducible paths that tfmodels.fit reads back,
mass that is conserved, and the simulator's own behaviour when driven by its truth."""
import json
import shutil

import keras
import numpy as np
import pandas as pd
import pytest

from configs.base import load_config
from pipelines.movement.simulator import simulate
from pipelines.movement.simulator.builder import builder_config, load_simulated
from tfmodels.families import get_family
from tfmodels.mimic import score
from tfmodels.mimic import simulate as cli
from tfmodels.mimic.forward import RunChooser, World


@pytest.fixture(scope="module")
def start_tracks(tmp_path_factory):
    """The tiny simulator's own tracks (6 animals, 21 daily fixes)."""
    tracks, _, _ = simulate(builder_config("tiny").spec())
    path = tmp_path_factory.mktemp("tracks") / "tracks.csv"
    tracks.to_csv(path, index=False)
    return path


def _simulate(run_dir, out, *extra):
    assert cli.main([str(run_dir), "--out", str(out), *extra]) == 0
    return pd.read_csv(out)


def test_same_seed_same_tracks_and_fit_reads_them_back(tiny_mimic_run, start_tracks, tmp_path):
    args = ["--start", str(start_tracks), "--days", "8", "--individuals", "9"]
    one = _simulate(tiny_mimic_run, tmp_path / "a.csv", *args, "--seed", "3")
    two = _simulate(tiny_mimic_run, tmp_path / "b.csv", *args, "--seed", "3")
    other = _simulate(tiny_mimic_run, tmp_path / "c.csv", *args, "--seed", "4")
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(other)
    assert list(one.columns) == ["individual", "time", "lat", "lon"] and len(one) == 9 * 9
    # tfmodels.fit's own data path: tracks + the covariates the animals saw -> choice sets
    family = get_family("mimic")
    config = load_config("mimic_v3", [f"covariates_path={tmp_path / 'a_covariates.csv'}"])
    data = family.load_data(config, str(tmp_path / "a.csv"))
    assert data.train.num_decisions + data.val.num_decisions == 9 * 8
    summary = json.loads((tmp_path / "a_summary.json").read_text())
    assert summary["simulated"]["steps"] == 9 * 8 and "start_tracks" in summary


def test_steps_are_scored_on_the_inputs_training_built(tiny_mimic_run):
    """Rebuilt one-step choice tables give the scorer's probabilities on the run's data."""
    scores = score.score(tiny_mimic_run, None)
    first = scores[scores["decision"].isin(scores.groupby("individual")["decision"].min())]
    origins = first[first["distance_km"] == 0]
    chooser = RunChooser(tiny_mimic_run)
    world = World.for_config(chooser.config)
    table = world.step_table(chooser, world.catalog.ids(origins["choice"].to_numpy()),
                             origins["time"].to_numpy())
    assert table["choice"].tolist() == first["choice"].tolist()
    np.testing.assert_allclose(table["probability"], first["probability"], rtol=1e-5,
                               atol=1e-7)


def test_mass_is_conserved_every_day(tiny_mimic_run, start_tracks, tmp_path):
    mass = _simulate(tiny_mimic_run, tmp_path / "m.csv", "--start", str(start_tracks),
                     "--days", "6", "--mode", "mass")
    totals = mass.groupby("day")["probability"].sum()
    assert list(totals.index) == list(range(7))
    np.testing.assert_allclose(totals, 1.0, atol=1e-6)
    assert mass.groupby("day").size().iloc[-1] > mass.groupby("day").size().iloc[0]
    assert (tmp_path / "m.png").stat().st_size > 10_000


def test_a_large_stay_put_coefficient_simulates_mostly_staying(tiny_mimic_run, start_tracks,
                                                               tmp_path):
    run = tmp_path / "stayer"
    shutil.copytree(tiny_mimic_run, run)
    names = json.loads((run / "features.json").read_text())["feature_names"]
    scorer = keras.Sequential([keras.Input((len(names),)), keras.layers.Dense(1)])
    kernel = np.zeros((len(names), 1), dtype=np.float32)
    kernel[names.index("stay_put")] = 8.0
    scorer.layers[-1].set_weights([kernel, np.zeros(1, dtype=np.float32)])
    scorer.save(run / "scorer.keras")
    tracks = _simulate(run, tmp_path / "s.csv", "--start", str(start_tracks), "--days", "10")
    share = json.loads((tmp_path / "s_summary.json").read_text())["simulated"]
    # P(stay) = e^8 / (e^8 + ~20) ≈ 0.993 per step
    assert share["stay_put_share"] > 0.95 and len(tracks) == 6 * 11


def test_the_truth_reproduces_the_simulators_own_stay_put_share(tiny_mimic_run, start_tracks,
                                                                tmp_path):
    truth = load_simulated("tiny")
    chosen = truth[truth["selected"] == 1]
    own = float((chosen["distance_km"] == 0).mean())
    _simulate(tiny_mimic_run, tmp_path / "t.csv", "--start", str(start_tracks), "--days",
              "20", "--individuals", "120", "--truth", "--seed", "1")
    simulated = json.loads((tmp_path / "t_summary.json").read_text())["simulated"]
    p, n1, n2 = own, len(chosen), simulated["steps"]
    tolerance = 3 * np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))  # 3 standard errors
    assert abs(simulated["stay_put_share"] - own) < tolerance, (simulated, own, tolerance)


def test_bad_start_cells_are_one_line_exit_2(tiny_mimic_run, tmp_path, capsys):
    code = cli.main([str(tiny_mimic_run), "--cells", "nonsense", "--days", "2", "--out",
                     str(tmp_path / "x.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "is not an H3 cell id" in err[0]
    assert not (tmp_path / "x.csv").exists()


def test_a_start_file_of_one_fix_per_animal_starts_them_there(tiny_mimic_run, start_tracks,
                                                              tmp_path):
    """Only each individual's first fix is used, so a file of first fixes alone gives the
    same paths as the whole tracks (same seed), and no start-track steps to compare."""
    tracks = pd.read_csv(start_tracks)
    first = tracks.sort_values(["individual", "time"]).groupby("individual").head(1)
    first.sample(frac=1.0, random_state=0).to_csv(tmp_path / "first.csv", index=False)
    args = ["--days", "4", "--seed", "2"]
    whole = _simulate(tiny_mimic_run, tmp_path / "w.csv", "--start", str(start_tracks), *args)
    single = _simulate(tiny_mimic_run, tmp_path / "s.csv", "--start", str(tmp_path / "first.csv"),
                       *args)
    pd.testing.assert_frame_equal(single, whole)
    summary = json.loads((tmp_path / "s_summary.json").read_text())
    assert summary["simulated"]["steps"] == len(first) * 4 and "start_tracks" not in summary
