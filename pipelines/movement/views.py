"""Dense views of a long choice table that a Keras model can consume.

`ChoiceSets` holds one row per decision with its choices padded to a common width C and a
mask, so a softmax over slots never gives probability to a phantom (padded) choice — the
defect of the original mimic. `to_contrasts` builds the paper's training view, pairs of
(selected, one alternative), from those dense arrays: each pair is formed *inside* its own
decision, so a decision without alternatives cannot shift the pairing of later decisions
(the original's misalignment bug).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from tflab.errors import UserError


@dataclasses.dataclass
class ChoiceSets:
    """Decisions as padded arrays: D decisions × C choice slots × F features."""

    features: np.ndarray         # float32 [D, C, F]; 0 on padded slots
    mask: np.ndarray             # bool [D, C]; False on padded slots
    selected: np.ndarray         # int32 [D]; slot index of the selected choice
    distance_km: np.ndarray      # float32 [D, C]; 0 on padding, NaN if the table had none
    individual: np.ndarray       # [D] individual of each decision
    decision: np.ndarray         # int64 [D] decision id in the long table
    feature_names: list[str]
    true_prob: np.ndarray | None = None  # float32 [D, C] simulator truth, slot-aligned

    @property
    def num_decisions(self) -> int:
        return int(self.features.shape[0])

    def take(self, rows: np.ndarray) -> "ChoiceSets":
        """The decisions at `rows` (same slots)."""
        return dataclasses.replace(
            self, features=self.features[rows], mask=self.mask[rows],
            selected=self.selected[rows], distance_km=self.distance_km[rows],
            individual=self.individual[rows], decision=self.decision[rows],
            true_prob=None if self.true_prob is None else self.true_prob[rows])


def to_choice_sets(table: pd.DataFrame, feature_columns) -> ChoiceSets:
    """Scatter a long table (`decision, selected`, features, ...) into padded arrays.

    Rows keep their order within a decision (slot = running count within the decision);
    decisions are sorted by id. Needs exactly one selected row per decision.
    """
    feature_columns = list(feature_columns)
    if len(table) == 0:
        raise UserError("the choice table is empty: no decisions to train on")
    order = np.argsort(table["decision"].to_numpy(), kind="stable")
    t = table.iloc[order]
    codes, decision_ids = pd.factorize(t["decision"], sort=True)
    slot = t.groupby(codes, sort=False).cumcount().to_numpy()
    n, width = len(decision_ids), int(slot.max()) + 1
    values = t[feature_columns].to_numpy(dtype=np.float32)
    features = np.zeros((n, width, len(feature_columns)), dtype=np.float32)
    features[codes, slot] = values
    mask = np.zeros((n, width), dtype=bool)
    mask[codes, slot] = True
    chosen = t["selected"].to_numpy() == 1
    per_decision = np.bincount(codes[chosen], minlength=n)
    if (per_decision != 1).any():
        bad = decision_ids[int(np.flatnonzero(per_decision != 1)[0])]
        raise UserError(f"decision {bad} has {int(per_decision[decision_ids == bad][0])} "
                        f"selected choices; every decision needs exactly one selected == 1")
    selected = np.zeros(n, dtype=np.int32)
    selected[codes[chosen]] = slot[chosen]
    distance = np.zeros((n, width), dtype=np.float32)
    distance[codes, slot] = (t["distance_km"].to_numpy(np.float32) if "distance_km" in t
                             else np.nan)
    true_prob = None
    if "true_prob" in t:
        true_prob = np.zeros((n, width), dtype=np.float32)
        true_prob[codes, slot] = t["true_prob"].to_numpy(np.float32)
    first = np.unique(codes, return_index=True)[1]
    return ChoiceSets(features=features, mask=mask, selected=selected, distance_km=distance,
                      individual=t["individual"].to_numpy()[first],
                      decision=np.asarray(decision_ids, dtype=np.int64),
                      feature_names=feature_columns, true_prob=true_prob)


def _rank_within(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank of each element by `keys` within its group (0 = smallest key)."""
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - run_start
    return ranks


def to_contrasts(choice_sets: ChoiceSets, *, decisions_per_individual: int | None,
                 alternatives_per_decision: int | None, seed: int) -> ChoiceSets:
    """Pairs (selected, alternative) as a C == 2 `ChoiceSets`, slot order shuffled per row.

    Per individual, up to `decisions_per_individual` decisions are sampled (all if fewer);
    per decision, up to `alternatives_per_decision` valid non-selected choices without
    replacement (None = all). Each row is built from its own decision's arrays, so a
    decision with no alternative contributes no row and shifts nothing. The two slots are
    then swapped on a random half of the rows so "slot 0 wins" carries no signal;
    `selected` follows the selected choice. `true_prob` keeps the full-choice-set
    probabilities of the two choices (not renormalised). Deterministic for a seed.
    """
    if choice_sets.num_decisions == 0:
        raise UserError("no decisions to build contrasts from")
    for name, value in (("decisions_per_individual", decisions_per_individual),
                        ("alternatives_per_decision", alternatives_per_decision)):
        if value is not None and value < 1:
            raise UserError(f"{name} must be >= 1, got {value}")
    rng = np.random.default_rng(seed)
    n, width = choice_sets.mask.shape
    groups = pd.factorize(choice_sets.individual)[0]
    rank = _rank_within(groups, rng.random(n))
    limit = decisions_per_individual if decisions_per_individual is not None else n
    kept = np.flatnonzero(rank < limit)

    valid = choice_sets.mask[kept].copy()
    valid[np.arange(len(kept)), choice_sets.selected[kept]] = False
    keys = np.where(valid, rng.random((len(kept), width)), np.inf)
    per = alternatives_per_decision if alternatives_per_decision is not None else width
    alt_order = np.argsort(keys, axis=1, kind="stable")[:, :per]
    alt_valid = np.take_along_axis(valid, alt_order, axis=1)
    row, j = np.nonzero(alt_valid)
    source = kept[row]
    pair = np.stack([choice_sets.selected[source], alt_order[row, j]], axis=1)
    flip = rng.random(len(source)) < 0.5
    pair[flip] = pair[flip][:, ::-1]
    rows = source[:, None]
    return ChoiceSets(
        features=choice_sets.features[rows, pair], mask=np.ones(pair.shape, dtype=bool),
        selected=flip.astype(np.int32), distance_km=choice_sets.distance_km[rows, pair],
        individual=choice_sets.individual[source], decision=choice_sets.decision[source],
        feature_names=list(choice_sets.feature_names),
        true_prob=None if choice_sets.true_prob is None else choice_sets.true_prob[rows, pair])


def split_by_individual(individuals, val_fraction: float, seed: int) -> tuple[list, list]:
    """Seeded split of the distinct individuals into (train_ids, val_ids), both non-empty.

    Decisions of one animal are strongly correlated, so validation must be *other*
    animals (the original study's 71 train / 40 val fish). n_val = round(fraction · n), 1..n-1.
    """
    unique = sorted(pd.unique(np.asarray(individuals)).tolist(), key=lambda v: (str(type(v)), v))
    if len(unique) < 2:
        raise UserError(f"need at least 2 individuals to split train/validation, found "
                        f"{len(unique)}; add tracks of more animals")
    if not 0.0 < val_fraction < 1.0:
        raise UserError(f"val_fraction must be in (0, 1), got {val_fraction}")
    n_val = min(max(1, int(round(val_fraction * len(unique)))), len(unique) - 1)
    order = np.random.default_rng(seed).permutation(len(unique))
    val = sorted(unique[i] for i in order[:n_val])
    train = sorted(unique[i] for i in order[n_val:])
    return train, val


def read_choice_table(path: str | Path) -> pd.DataFrame:
    """A user's ready long table: `decision, choice, selected, <features...>`.

    Optional `individual` (defaults to the decision id, with a note: then every decision
    is its own "individual" for the train/validation split). Checks exactly one selected
    row per decision and numeric, complete feature columns (every column other than
    `individual, decision, choice, selected, time`).
    """
    from pipelines.movement.tracks import read_table

    return validate_choice_table(read_table(path))


def validate_choice_table(table: pd.DataFrame) -> pd.DataFrame:
    """The checks of `read_choice_table` on an in-memory table (returns a cleaned copy)."""
    from pipelines.movement.tracks import parse_times, require_columns

    require_columns(table, ["decision", "choice", "selected"], "choice table",
                    "a choice table has one row per (decision, choice) with selected 0/1")
    if len(table) == 0:
        raise UserError("choice table has no rows")
    table = table.copy()
    if "individual" not in table.columns:
        print("choice table has no 'individual' column: each decision is treated as its own "
              "individual for the train/validation split")
        table["individual"] = table["decision"]
    selected = pd.to_numeric(table["selected"], errors="coerce")
    if not selected.isin([0, 1]).all():
        raise UserError("choice table column 'selected' must hold only 0 and 1")
    table["selected"] = selected.astype(np.int64)
    if not pd.api.types.is_integer_dtype(table["decision"]):
        table["decision"] = pd.factorize(table["decision"])[0].astype(np.int64)
    counts = table.groupby("decision")["selected"].sum()
    if (counts != 1).any():
        bad = counts.index[(counts != 1).to_numpy()][0]
        raise UserError(f"decision {bad} has {int(counts[bad])} selected rows; every "
                        f"decision needs exactly one row with selected == 1")
    if "time" in table.columns:
        table["time"] = parse_times(table["time"], "choice table")
    for column in table.columns:
        if column in ("individual", "decision", "choice", "selected", "time"):
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = int(values.isna().sum() - (table[column].isna().sum() if column == "heading"
                                           else 0))
        if bad:
            raise UserError(f"choice table column {column!r} has {bad} missing or "
                            f"non-numeric value(s); features must be complete numbers")
        table[column] = values.astype(float)
    return table.reset_index(drop=True)
