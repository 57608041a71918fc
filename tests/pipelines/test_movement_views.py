"""ChoiceSets, contrasts, splits, features and tf.data views (pipelines.movement)."""
import numpy as np
import pandas as pd
import pytest

from pipelines.movement import (FEATURE_SETS, compute_features, make_dataset,
                                read_choice_table, split_by_individual, to_choice_sets,
                                to_contrasts)
from pipelines.movement.datasets import steps_per_epoch
from tflab.errors import UserError


def _hand_table():
    """Decision 0: 3 choices (2nd selected); decision 1: only the selected choice;
    decision 2: 4 choices (4th selected). Feature f = 10·decision + slot, g = selected."""
    rows = []
    for decision, n, chosen, who in ((0, 3, 1, "a"), (1, 1, 0, "a"), (2, 4, 3, "b")):
        for slot in range(n):
            rows.append({"individual": who, "decision": decision, "choice": f"c{decision}{slot}",
                         "selected": int(slot == chosen), "f": 10.0 * decision + slot,
                         "g": float(slot == chosen), "distance_km": 10.0 * slot})
    return pd.DataFrame(rows)


def test_padded_slots_are_masked_with_zero_features():
    cs = to_choice_sets(_hand_table(), ["f", "g"])
    assert cs.features.shape == (3, 4, 2) and cs.features.dtype == np.float32
    assert cs.mask.tolist() == [[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]]
    assert (cs.features[~cs.mask] == 0).all() and (cs.distance_km[~cs.mask] == 0).all()
    assert cs.selected.tolist() == [1, 0, 3] and cs.selected.dtype == np.int32
    assert cs.individual.tolist() == ["a", "a", "b"] and cs.decision.tolist() == [0, 1, 2]
    rows = np.arange(3)
    assert (cs.features[rows, cs.selected, 1] == 1).all()


def test_contrasts_stay_aligned_when_a_decision_has_no_alternative():
    cs = to_choice_sets(_hand_table(), ["f", "g"])
    contrasts = to_contrasts(cs, decisions_per_individual=None, alternatives_per_decision=None,
                             seed=0)
    assert contrasts.features.shape == (2 + 3, 2, 2)  # decision 1 contributes nothing
    assert 1 not in contrasts.decision.tolist()
    rows = np.arange(len(contrasts.selected))
    winner = contrasts.features[rows, contrasts.selected]
    loser = contrasts.features[rows, 1 - contrasts.selected]
    assert (winner[:, 1] == 1).all() and (loser[:, 1] == 0).all()  # g marks the true pick
    assert (winner[:, 0] // 10 == contrasts.decision).all()  # both from the row's decision
    assert (loser[:, 0] // 10 == contrasts.decision).all()


def test_contrasts_are_deterministic_sampled_per_individual_and_shuffled():
    rng = np.random.default_rng(0)
    n, width = 400, 6
    table = pd.DataFrame({"individual": np.repeat(np.arange(8), n // 8 * width),
                          "decision": np.repeat(np.arange(n), width),
                          "selected": np.tile(np.eye(width, dtype=int)[0], n),
                          "f": rng.random(n * width)})
    cs = to_choice_sets(table, ["f"])
    a = to_contrasts(cs, decisions_per_individual=10, alternatives_per_decision=3, seed=5)
    b = to_contrasts(cs, decisions_per_individual=10, alternatives_per_decision=3, seed=5)
    c = to_contrasts(cs, decisions_per_individual=10, alternatives_per_decision=3, seed=6)
    assert np.array_equal(a.features, b.features) and np.array_equal(a.selected, b.selected)
    assert not np.array_equal(a.features, c.features)
    assert len(a.selected) == 8 * 10 * 3
    assert (pd.Series(a.individual).value_counts() == 30).all()
    assert 0.35 < a.selected.mean() < 0.65  # slot order carries no signal
    original = cs.features[np.searchsorted(cs.decision, a.decision), 0, 0]
    assert np.allclose(a.features[np.arange(len(a.selected)), a.selected, 0], original)


def test_split_by_individual_is_seeded_and_disjoint():
    ids = [f"fish{i}" for i in range(111)]
    train, val = split_by_individual(ids * 2, 0.36, seed=0)
    assert len(val) == 40 and len(train) == 71 and not set(train) & set(val)
    assert split_by_individual(ids, 0.36, seed=0) == (train, val)
    assert split_by_individual(ids, 0.36, seed=1) != (train, val)
    with pytest.raises(UserError, match="at least 2 individuals"):
        split_by_individual(["only"], 0.3, seed=0)


def test_feature_sets_are_nested_and_centred_on_training_individuals_only():
    assert set(FEATURE_SETS["v1"]) < set(FEATURE_SETS["v2"]) < set(FEATURE_SETS["v3"])
    table = pd.DataFrame({"individual": ["a", "a", "b", "b"],
                          "time": pd.to_datetime(["2021-01-01", "2021-01-01", "2021-07-02",
                                                  "2021-07-02"]),
                          "distance_km": [0.0, 50.0, 0.0, 100.0],
                          "heading": [np.nan, np.pi / 2, np.nan, 0.0],
                          "mlt": [np.e, np.e, np.e ** 3, np.e ** 3], "npp": [1.0, 1, 1, 1]})
    features, stats = compute_features(table, "v3", max_km=100, train_individuals=["a"])
    assert features["normed_distance"].tolist() == [0.0, 0.5, 0.0, 1.0]
    assert features["stay_put"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert features["heading_sin"].tolist() == pytest.approx([0, 1, 0, 0], abs=1e-6)
    assert features["heading_cos"].tolist() == pytest.approx([0, 0, 0, 1], abs=1e-6)
    assert stats["centering"]["log_mlt"] == pytest.approx(1.0)  # individual "a" only
    assert features["log_mlt"].tolist() == pytest.approx([0, 0, 2, 2])
    assert features["cos_time"].iloc[0] == pytest.approx(1.0)
    assert features["cos_time"].iloc[2] == pytest.approx(-1.0, abs=1e-3)
    with pytest.raises(UserError, match="unknown feature set 'v9'.*v1 = normed_distance"):
        compute_features(table, "v9", max_km=100, train_individuals=["a"])


def test_make_dataset_shapes_order_and_seeded_shuffle():
    cs = to_choice_sets(_hand_table(), ["f", "g"])
    (x, y), = list(make_dataset(cs, batch_size=8, shuffle=False, seed=0))
    assert x["features"].shape == (3, 4, 2) and x["features"].dtype.name == "float32"
    assert x["mask"].dtype.name == "float32" and y.dtype.name == "int32"
    assert y.numpy().tolist() == [1, 0, 3]
    big = to_contrasts(to_choice_sets(_hand_table(), ["f", "g"]), decisions_per_individual=None,
                       alternatives_per_decision=None, seed=0)

    def epochs(seed):
        ds = make_dataset(big, batch_size=2, shuffle=True, seed=seed)
        return [np.concatenate([x["features"][:, 0, 0].numpy() for x, _ in ds])
                for _ in range(3)]

    first, again = epochs(1), epochs(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert all(sorted(e) == sorted(first[0]) for e in first)  # every row once per epoch

    def endless(seed):  # repeat=True: one stream, `steps_per_epoch` batches per permutation
        ds = make_dataset(big, batch_size=2, shuffle=True, seed=seed, repeat=True)
        rows = [x["features"][:, 0, 0].numpy() for x, _ in ds.take(3 * steps_per_epoch(big, 2))]
        return np.split(np.concatenate(rows), 3)

    stream = endless(1)
    assert all(np.array_equal(a, b) for a, b in zip(stream, endless(1)))
    assert all(sorted(e) == sorted(first[0]) for e in stream)
    assert len({tuple(e) for e in stream}) > 1  # a fresh permutation each epoch


def test_read_choice_table_without_individual(tmp_path, capsys):
    path = tmp_path / "choices.csv"
    _hand_table().drop(columns=["individual"]).to_csv(path, index=False)
    table = read_choice_table(path)
    assert "treated as its own individual" in capsys.readouterr().out
    assert table["individual"].tolist() == table["decision"].tolist()
    two = _hand_table().assign(selected=1)
    two.to_csv(path, index=False)
    with pytest.raises(UserError, match="decision 0 has 3 selected rows"):
        read_choice_table(path)


def _load(data_path, covariates_path=None, **fields):
    from configs.families.mimic import MimicConfig
    from pipelines.movement import load_movement

    config = MimicConfig(covariates_path=covariates_path or "", **fields)
    return load_movement(config, data_path)


def test_load_movement_reads_a_ready_choice_table(tmp_path):

    path = tmp_path / "choices.parquet"
    table = pd.concat([_hand_table().assign(individual=who, decision=_hand_table()["decision"]
                                            + 3 * k) for k, who in enumerate("xyz")])
    table.to_parquet(path)
    common = dict(data_path=str(path), resolution=4, max_km=100.0, time_step="1D",
                  covariates_path=None, val_fraction=0.34, split_seed=0)
    data = _load(feature_set="v1", **common)
    assert data.source == str(path) and data.true_gmp_val is None
    assert data.train.num_decisions == 6 and data.val.num_decisions == 3
    normed = data.train.features[..., 0][data.train.mask]  # distance_km / max_km
    assert np.allclose(sorted(set(normed.round(6))), [0.0, 0.1, 0.2, 0.3])
    mine = _load(feature_set="f,g", **common)  # the table's own feature columns
    assert mine.feature_names == ["f", "g"]
    assert (mine.val.features[np.arange(3), mine.val.selected, 1] == 1).all()
    with pytest.raises(UserError, match="needs column 'heading' in the choice table"):
        _load(feature_set="v3", **common)
