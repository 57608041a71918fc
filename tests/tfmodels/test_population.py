"""Seed populations on the tiny simulator: member k of a population is the solo run with
random_seed = k, exported members are plain models, a diverging member fails alone."""
import json

import keras
import numpy as np
import pandas as pd
import pytest

from configs.base import load_config
from tfmodels.families import get_family

FAMILY = get_family("mimic")
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def tiny():
    config = load_config("mimic_v3", ["simulator_config=tiny", "epochs=3", "batch_size=64",
                                      "num_layers=2", "layer_size=8", "feature_set=v2"])
    return config, FAMILY.load_data(config, None)


def _population(tiny, root, seeds=SEEDS, **values):
    config, data = tiny
    configs = [config.with_values({**values, "random_seed": s}) for s in seeds]
    return FAMILY.train_population(configs, data, [root / f"seed_{s}" for s in seeds],
                                   verbose=0)


def _solo(tiny, run_dir, seed, **values):
    config, data = tiny
    return FAMILY.train(config.with_values({**values, "random_seed": seed}), data, run_dir,
                        verbose=0)


@pytest.fixture(scope="module")
def trained(tiny, tmp_path_factory):
    """One population of 3 seeds and the 3 solo runs it must equal (one replica)."""
    root = tmp_path_factory.mktemp("population")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TFLAB_REPLICAS", "1")
        members = _population(tiny, root / "population")
        solos = [_solo(tiny, root / f"solo_{seed}", seed) for seed in SEEDS]
    return members, solos, root


def _assert_member_equals_solo(member, solo, solo_dir):
    assert member.failed is None
    member_history = pd.read_csv(member.run_dir / "history.csv")
    solo_history = pd.read_csv(solo_dir / "history.csv")
    assert len(member_history) == len(solo_history) == 3
    for column in ("train_loss_true", "val_loss", "loss"):
        np.testing.assert_allclose(member_history[column], solo_history[column],
                                   rtol=1e-4, err_msg=column)
    for key in ("gmp_val", "gmp_train", "gmp_val_moving", "best_val_loss"):
        assert np.isclose(member.metrics[key], solo[key], rtol=1e-4), key
    assert member.metrics["best_epoch"] == solo["best_epoch"]


def test_each_member_equals_its_solo_run(trained):
    members, solos, root = trained
    for seed, member, solo in zip(SEEDS, members, solos):
        _assert_member_equals_solo(member, solo, root / f"solo_{seed}")
    # different seeds really are different starts
    assert members[0].metrics["val_loss"] != members[1].metrics["val_loss"]


def test_member_equals_solo_under_two_replicas(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("TFLAB_REPLICAS", "2")
    members = _population(tiny, tmp_path / "population", seeds=[3, 4])
    solo = _solo(tiny, tmp_path / "solo", 4)
    _assert_member_equals_solo(members[1], solo, tmp_path / "solo")


def test_member_run_directory_and_standalone_model(tiny, trained):
    from tfmodels.mimic.family import predict_logits
    from tfmodels.mimic.population import build_population_model

    config, data = tiny
    members, _, root = trained
    for seed, member in zip(SEEDS, members):
        for name in ("config.json", "history.csv", "metrics.json", "model.keras",
                     "scorer.keras", "features.json", "tensorboard"):
            assert (member.run_dir / name).exists(), name
        assert json.loads((member.run_dir / "config.json").read_text())["random_seed"] == seed
        assert list((member.run_dir / "tensorboard").rglob("events.out.tfevents.*"))
        saved = json.loads((member.run_dir / "metrics.json").read_text())
        assert saved["population_size"] == 3 and "gmp_val" in saved
    # a reloaded member is a plain mimic network and scores exactly like its solo twin
    loaded = keras.saving.load_model(members[1].run_dir / "model.keras")
    assert loaded.name == "mimic_logodds"
    ours = predict_logits(loaded, data.val, 64)
    solo = keras.saving.load_model(root / "solo_1" / "model.keras")
    np.testing.assert_allclose(ours, predict_logits(solo, data.val, 64), rtol=1e-4, atol=1e-4)
    # and an untrained population's member k is exactly the solo start of seed k
    population = build_population_model(len(data.feature_names), seeds=[5, 6], num_layers=2,
                                        layer_size=8)
    from tfmodels.mimic.population import member_model, solo_starts

    start = solo_starts(len(data.feature_names), [6], True, num_layers=2, layer_size=8,
                        dropout=0.0, activation="relu")[0]
    for a, b in zip(member_model(population, 1).get_weights(), start):
        np.testing.assert_array_equal(a, b)


def test_a_diverging_member_fails_alone(tiny, trained, tmp_path, monkeypatch):
    import tfmodels.mimic.population as population

    original = population.solo_starts

    def poisoned(num_features, seeds, deterministic, **architecture):
        starts = original(num_features, seeds, deterministic, **architecture)
        starts[1][-1] = np.full_like(starts[1][-1], np.nan)  # member 1: log-odds bias
        return starts

    healthy = trained[0]
    monkeypatch.setenv("TFLAB_REPLICAS", "1")
    monkeypatch.setattr(population, "solo_starts", poisoned)
    members = _population(tiny, tmp_path / "poisoned")
    assert members[1].failed and "non-finite at epoch 1" in members[1].failed
    saved = json.loads((members[1].run_dir / "metrics.json").read_text())
    assert saved["status"] == "FAILED"
    assert not (members[1].run_dir / "model.keras").exists()
    for k in (0, 2):
        assert members[k].failed is None
        for key in ("val_loss", "train_loss_true", "gmp_val"):
            assert np.isclose(members[k].metrics[key], healthy[k].metrics[key], rtol=1e-6), key


def test_dropout_population_is_deterministic_and_members_differ(tiny, tmp_path):
    first = _population(tiny, tmp_path / "a", seeds=[0, 1], dropout=0.3, epochs=1)
    second = _population(tiny, tmp_path / "b", seeds=[0, 1], dropout=0.3, epochs=1)
    for a, b in zip(first, second):
        assert a.metrics["val_loss"] == b.metrics["val_loss"]
        assert a.metrics["loss"] == b.metrics["loss"]
    assert first[0].metrics["loss"] != first[1].metrics["loss"]


def test_members_must_differ_only_in_seed(tiny, tmp_path):
    from tfmodels.population_fit import check_population

    config, _ = tiny
    with pytest.raises(ValueError, match="differ only in random_seed"):
        check_population([config.with_values({"random_seed": 0}),
                          config.with_values({"random_seed": 1, "layer_size": 4})])
    with pytest.raises(ValueError, match="repeats a random_seed"):
        check_population([config, config])


@pytest.mark.parametrize("seeds, words", [("a,b", "comma-separated integers"),
                                          ("1,1", "distinct integers")])
def test_fit_seeds_user_errors_are_one_line(tmp_path, seeds, words):
    from tests.cli import run_cli

    result = run_cli("tfmodels.fit", "mimic_v3", "--seeds", seeds, "--out", str(tmp_path / "p"))
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.slow
def test_fit_seeds_writes_one_run_directory_per_member(tmp_path):
    from tests.cli import run_cli

    result = run_cli("tfmodels.fit", "mimic_v3", "--seeds", "2,5", "--set",
                     "simulator_config=tiny", "--set", "epochs=2", "--set", "batch_size=64",
                     "--out", str(tmp_path / "p"), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    for seed in (2, 5):
        run_dir = tmp_path / "p" / f"seed_{seed}"
        assert json.loads((run_dir / "config.json").read_text())["random_seed"] == seed
        assert "gmp_val" in json.loads((run_dir / "metrics.json").read_text())
        assert f"seed {seed}: " in result.stdout
