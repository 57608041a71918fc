"""Response curves: the model's log-odds against one feature, the others at their medians.

Like a log-RSS plot of a step-selection fit: the curve is log-odds(x) − log-odds(median),
so 0 means "as attractive as a typical choice". One line per seed of the configuration, so
how much of a curve's shape is the random start is visible at a glance.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tflab import io


def feature_grid(values: np.ndarray, points: int) -> np.ndarray:
    """{0, 1} for a binary feature, else `points` values from its 1st to 99th percentile."""
    unique = np.unique(values)
    if len(unique) <= 2:
        return unique.astype(np.float32)
    low, high = np.percentile(values, [1, 99])
    return np.linspace(low, high, points, dtype=np.float32)


def response_curves(run_dirs: list[Path], features: pd.DataFrame, points: int = 41
                    ) -> pd.DataFrame:
    """Rows: feature, value, seed, logodds, log_rss, for every run in `run_dirs`.

    `features` holds the model inputs (one column per feature, in the scorer's order) of
    the choices the medians are taken over (the training individuals').
    """
    import keras

    names = list(features.columns)
    medians = features.median().to_numpy(np.float32)
    grids = {name: feature_grid(features[name].to_numpy(), points) for name in names}
    rows = []
    for run_dir in run_dirs:
        seed = io.read_json(Path(run_dir) / "config.json").get("random_seed")
        scorer = keras.models.load_model(Path(run_dir) / "scorer.keras", compile=False)
        reference = float(np.asarray(scorer(medians[None, :], training=False))[0, 0])
        for k, name in enumerate(names):
            inputs = np.repeat(medians[None, :], len(grids[name]), axis=0)
            inputs[:, k] = grids[name]
            logodds = np.asarray(scorer(inputs, training=False))[:, 0].astype(float)
            rows.append(pd.DataFrame({"feature": name, "value": grids[name].astype(float),
                                      "seed": seed, "logodds": logodds,
                                      "log_rss": logodds - reference}))
    return pd.concat(rows, ignore_index=True)


def median_table(features: pd.DataFrame) -> pd.DataFrame:
    """The medians the curves hold the other features at (model input units)."""
    return pd.DataFrame({"feature": list(features.columns),
                         "median": features.median().to_numpy(float)})
