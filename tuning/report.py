"""A picture of the grid, and TensorBoard HParams.

`plot_grid` draws the objective per configuration with one dot per seed, so seed noise sits
visibly beside the effect of each hyperparameter (in the mimic grid the seeds' spread
overlaps most differences between architectures: bench/RESULTS_mimic.md). Where the trials
report a metric with known references (`REFERENCES`: mimic's `gmp_val` beside the null
`gmp_random_val` and, on the simulator, the ceiling `true_gmp_val`), a second panel draws
that metric per seed with the references as lines, so a configuration's distance from the
null and from the truth is visible too. `write_hparams` records every completed trial in
TensorBoard's HParams dashboard
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


# metric -> (reference column, legend); a reference is drawn when the trials report it
REFERENCES = {"gmp_val": (("gmp_random_val", "null: every valid choice equally likely"),
                          ("true_gmp_val", "simulator's own probabilities (the truth)"))}


def _label(row: pd.Series, axes: list[str]) -> str:
    return " ".join(f"{a}={row[a]}" for a in axes)


def plot_grid(results: pd.DataFrame, axes: list[str], score: str, path: Path,
              title: str) -> None:
    fig = grid_figure(results, axes, score, title)
    if fig is None:
        return
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def grid_figure(results: pd.DataFrame, axes: list[str], score: str, title: str):
    """The grid.png figure (None when no trial completed with `score`)."""
    done = results[results["status"] == "COMPLETED"]
    if done.empty or score not in done.columns:
        return None
    varying = [a for a in axes if a != SEED_AXIS and a in done and done[a].nunique() > 1]
    labels = done.apply(lambda r: _label(r, varying) or "all", axis=1)
    order = (done.assign(_label=labels).groupby("_label")[score].median()
             .sort_values().index.tolist())
    panels = [(score, ())] + [(metric, refs) for metric, refs in REFERENCES.items()
                              if metric != score and metric in done
                              and any(column in done for column, _ in refs)]
    fig, axes_ = plt.subplots(1, len(panels), figsize=(8 * len(panels),
                                                        0.35 * len(order) + 1.5), squeeze=False)
    for ax, (metric, refs) in zip(axes_[0], panels):
        _dots(ax, done, labels, order, metric)
        for (column, legend), colour in zip(refs, ("tab:red", "tab:green")):
            if column not in done:
                continue
            reference = pd.to_numeric(done[column], errors="coerce").dropna()
            if len(reference):
                ax.axvline(float(reference.median()), color=colour, ls="--", lw=1,
                           label=f"{legend}: {reference.median():.3f}")
        if refs:
            ax.legend(fontsize=7, loc="best")
    axes_[0][0].set_yticks(range(len(order)), order, fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def _dots(ax, done: pd.DataFrame, labels: pd.Series, order: list[str], metric: str) -> None:
    for i, label in enumerate(order):
        values = pd.to_numeric(done.loc[labels == label, metric], errors="coerce").dropna()
        values = values.to_numpy()
        if not len(values):
            continue
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else [0.0]
        ax.scatter(values, i + np.asarray(jitter), s=18, color="tab:blue")
        ax.plot([np.median(values)] * 2, [i - 0.3, i + 0.3], color="black", lw=1)
    ax.set_yticks(range(len(order)), [""] * len(order))
    ax.set_xlabel(f"{metric} (one dot per random_seed; bar = median)")


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
