"""Train / validation / test splits of decisions: by individual, or by time per individual.

Decisions of one animal are strongly correlated, so with many animals validation is
*other* animals (`split=individual`, the notebooks' 71 train / 40 val fish). With one animal
or a handful — the common case for GPS telemetry — step-selection studies hold out *time*
instead (`split=time`): per individual, the first 80 % of its decisions (chronologically)
train, the next 10 % validate, the last 10 % test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from configs.families.mimic import parse_fractions
from tflab.errors import UserError

SPLITS = ("individual", "time")
NAMES = ("train", "val", "test")


def split_by_individual(individuals, val_fraction: float, seed: int) -> tuple[list, list]:
    """Seeded split of the distinct individuals into (train_ids, val_ids), both non-empty.

    n_val = round(fraction · n), 1..n-1.
    """
    unique = sorted(pd.unique(np.asarray(individuals)).tolist(), key=lambda v: (str(type(v)), v))
    if len(unique) < 2:
        raise UserError(f"need at least 2 individuals to split train/validation, found "
                        f"{len(unique)}; add tracks of more animals, or hold out time with "
                        f"--set split=time")
    if not 0.0 < val_fraction < 1.0:
        raise UserError(f"val_fraction must be in (0, 1), got {val_fraction}")
    n_val = min(max(1, int(round(val_fraction * len(unique)))), len(unique) - 1)
    order = np.random.default_rng(seed).permutation(len(unique))
    val = sorted(unique[i] for i in order[:n_val])
    train = sorted(unique[i] for i in order[n_val:])
    return train, val


def split_by_time(individual: np.ndarray, time: np.ndarray,
                  fractions: tuple[float, float, float]) -> np.ndarray:
    """'train' / 'val' / 'test' per decision: chronological cuts within each individual.

    With n decisions, decision rank r (0 = earliest) goes to train if r < round(f_train·n),
    to val if r < round((f_train + f_val)·n), else to test."""
    frame = pd.DataFrame({"individual": individual, "time": time,
                          "row": np.arange(len(individual))})
    frame = frame.sort_values(["individual", "time", "row"], kind="stable")
    rank = frame.groupby("individual", sort=False).cumcount().to_numpy()
    n = frame.groupby("individual", sort=False)["row"].transform("size").to_numpy()
    cut_train = np.round(fractions[0] * n)
    cut_val = np.round((fractions[0] + fractions[1]) * n)
    labels = np.where(rank < cut_train, "train", np.where(rank < cut_val, "val", "test"))
    out = np.empty(len(individual), dtype=object)
    out[frame["row"].to_numpy()] = labels
    for name, share in zip(NAMES, fractions):
        if share > 0 and not (out == name).any():
            raise UserError(f"split=time leaves no decision in {name} (too few decisions per "
                            f"individual for split_fractions); use more data or larger "
                            f"fractions")
    return out


def split_labels(decisions: pd.DataFrame, *, split: str, val_fraction: float, seed: int,
                 fractions: str) -> tuple[np.ndarray, dict]:
    """Split label per decision row of `decisions` (`individual`, `time`), and a JSON note."""
    if split not in SPLITS:
        raise UserError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if split == "individual":
        train, val = split_by_individual(decisions["individual"], val_fraction, seed)
        labels = np.where(decisions["individual"].isin(train).to_numpy(), "train", "val")
        return labels.astype(object), {"split": "individual",
                                       "train_individuals": [_plain(i) for i in train],
                                       "val_individuals": [_plain(i) for i in val]}
    shares = parse_fractions(fractions)
    labels = split_by_time(decisions["individual"].to_numpy(),
                           decisions["time"].to_numpy(), shares)
    bounds = {}
    for name in NAMES:
        times = decisions["time"].to_numpy()[labels == name]
        if len(times):
            bounds[name] = [str(pd.Timestamp(times.min())), str(pd.Timestamp(times.max()))]
    ids = [_plain(i) for i in pd.unique(decisions["individual"])]
    return labels, {"split": "time", "split_fractions": list(shares), "time_ranges": bounds,
                    "train_individuals": ids, "val_individuals": ids}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
