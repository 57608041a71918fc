"""A picture of the grid, and TensorBoard HParams.

`plot_grid` draws the objective per configuration with one dot per seed, so seed noise sits
visibly beside the effect of each hyperparameter (in the mimic grid the seeds' spread
overlaps most differences between architectures: bench/RESULTS_mimic.md). `write_hparams`
records every completed trial in TensorBoard's HParams dashboard
(`tensorboard --logdir GRID_DIR`).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from configs.grid_keys import SEED_AXIS  # noqa: E402
from tflab import io  # noqa: E402


def _label(row: pd.Series, axes: list[str]) -> str:
    return " ".join(f"{a}={row[a]}" for a in axes)


def plot_grid(results: pd.DataFrame, axes: list[str], score: str, path: Path,
              title: str) -> None:
    done = results[results["status"] == "COMPLETED"]
    if done.empty or score not in done.columns:
        return
    varying = [a for a in axes if a != SEED_AXIS and a in done and done[a].nunique() > 1]
    labels = done.apply(lambda r: _label(r, varying) or "all", axis=1)
    order = (done.assign(_label=labels).groupby("_label")[score].median()
             .sort_values().index.tolist())
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(order) + 1.5))
    for i, label in enumerate(order):
        values = done.loc[labels == label, score].astype(float).to_numpy()
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else [0.0]
        ax.scatter(values, i + np.asarray(jitter), s=18, color="tab:blue")
        ax.plot([np.median(values)] * 2, [i - 0.3, i + 0.3], color="black", lw=1)
    ax.set_yticks(range(len(order)), order, fontsize=7)
    ax.set_xlabel(f"{score} (one dot per random_seed; bar = median)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def write_hparams(results: pd.DataFrame, axes: list[str], metrics: list[str],
                  logdir: Path) -> None:
    """One HParams session per completed run under `logdir/hparams/trial_ID` (or
    `trial_ID/seed_K` for a member of a seed population)."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp_api

    done = results[results["status"] == "COMPLETED"]
    for _, row in done.iterrows():
        run = row["run"] if "run" in row and pd.notna(row["run"]) else f"trial_{row['trial']}"
        writer = tf.summary.create_file_writer(str(Path(logdir) / "hparams" / run))
        with writer.as_default():
            hp_api.hparams({a: (row[a].item() if hasattr(row[a], "item") else row[a])
                            for a in axes if a in row and pd.notna(row[a])},
                           trial_id=run)
            for metric in metrics:
                if metric in row and pd.notna(row[metric]):
                    tf.summary.scalar(metric, float(row[metric]), step=1)
        writer.close()
