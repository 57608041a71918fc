"""The report's figures, each drawn from the table saved beside it (PNG bytes returned).

Every figure is a view of one CSV the report also writes, so a reader can redraw it or check
a number without re-running anything.
"""
from __future__ import annotations

import io as _io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tfmodels.mimic.diagnose import hexmap  # noqa: E402
from tfmodels.mimic.diagnose.scored import LABELS  # noqa: E402

COLORS = {"model": "tab:blue", "distance_only": "tab:orange", "truth": "tab:green",
          "null": "grey", "observed": "black"}


def png_bytes(fig) -> bytes:
    buffer = _io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def per_individual(groups: pd.DataFrame) -> bytes:
    """Per-individual GMP, sorted, train and validation side by side, null as grey dots."""
    part = groups[groups["group_by"] == "individual"]
    splits = sorted(part["split"].unique())
    fig, axes = plt.subplots(1, len(splits), figsize=(5.5 * len(splits), 3.2), squeeze=False)
    for ax, split in zip(axes[0], splits):
        rows = part[part["split"] == split].sort_values("gmp_model").reset_index(drop=True)
        x = np.arange(len(rows))
        for model in ("model", "distance_only", "truth", "null"):
            if f"gmp_{model}" in rows:
                style = "o" if model == "null" else "-"
                ax.plot(x, rows[f"gmp_{model}"], style, ms=2.5, lw=1.2, color=COLORS[model],
                        label=LABELS[model])
        ax.set_title(f"{split}: GMP per individual ({len(rows)}), sorted by this run's",
                     fontsize=9)
        ax.set_xlabel("individual (rank)", fontsize=8)
        ax.set_ylabel("GMP of its decisions", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return png_bytes(fig)


def calibration(stay: pd.DataFrame, reliability: pd.DataFrame) -> bytes:
    """Stay-put share per month (observed vs predicted) and the reliability diagram."""
    splits = sorted(stay["split"].unique())
    fig, axes = plt.subplots(1, len(splits) + 1, figsize=(4.2 * (len(splits) + 1), 3.3))
    for ax, split in zip(axes, splits):
        rows = stay[(stay["split"] == split) & (stay["month"] != "all")]
        months = rows["month"].astype(int)
        ax.plot(months, rows["observed"], "o-", color="black", label="observed")
        for column in [c for c in rows if c.startswith("predicted_")]:
            model = column[len("predicted_"):]
            ax.plot(months, rows[column], ".--", color=COLORS.get(model),
                    label=f"predicted: {LABELS.get(model, model)}")
        ax.set_ylim(0, 1)
        ax.set_xlabel("month", fontsize=8)
        ax.set_ylabel("stay-put share", fontsize=8)
        ax.set_title(f"{split}: stay-put share per month", fontsize=9)
        ax.legend(fontsize=6)
    ax = axes[-1]
    for split, marker in zip(splits, "os^"):
        rows = reliability[reliability["split"] == split]
        ax.plot(rows["mean_predicted"], rows["observed_rate"], marker + "-", ms=4,
                label=f"{split}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
    ax.set_xlabel("predicted probability of a choice (bin mean)", fontsize=8)
    ax.set_ylabel("observed selection rate", fontsize=8)
    ax.set_title("reliability of choice probabilities", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return png_bytes(fig)


def contrast_errors(table: pd.DataFrame, split: str) -> bytes | None:
    """Heat map of model − observed per (selected bin × alternative bin)."""
    rows = table[table["split"] == split]
    if rows.empty:
        return None
    grid = rows.pivot(index="bin_a", columns="bin_b", values="error_model")
    fig, ax = plt.subplots(figsize=(5, 4))
    limit = max(float(np.nanmax(np.abs(grid.to_numpy()))), 1e-3)
    image = ax.imshow(grid.to_numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns], fontsize=7)
    ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index], fontsize=7)
    ax.set_xlabel("other choice's distance bin (× max_km)", fontsize=8)
    ax.set_ylabel("this choice's distance bin (× max_km)", fontsize=8)
    ax.set_title(f"{split}: model − observed P(this choice wins the pair)", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    return png_bytes(fig)


def response_curves(curves: pd.DataFrame) -> bytes:
    """Log-RSS against each feature (others at their medians), one line per seed."""
    features = list(dict.fromkeys(curves["feature"]))
    fig, axes = hexmap.new_figure(len(features), columns=4, size=2.9)
    for ax, feature in zip(axes, features):
        rows = curves[curves["feature"] == feature]
        for seed, line in rows.groupby("seed", sort=True):
            style = "o-" if len(line) <= 2 else "-"
            ax.plot(line["value"], line["log_rss"], style, lw=1, ms=3, label=f"seed {seed}")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(feature, fontsize=9)
        ax.set_xlabel("feature value (model input units)", fontsize=7)
        ax.set_ylabel("log-odds − log-odds at median", fontsize=7)
        ax.tick_params(labelsize=6)
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    return png_bytes(fig)


def decision_maps(choices: pd.DataFrame, decisions: list[int]) -> bytes:
    """Each sample decision's choice set coloured by predicted probability; selected cell
    outlined red, origin marked with a black dot."""
    fig, axes = hexmap.new_figure(len(decisions), columns=4, size=3.2)
    for ax, decision in zip(axes, decisions):
        rows = choices[choices["decision"] == decision]
        polygons, projected = hexmap.choice_polygons(rows)
        collection = hexmap.draw_cells(ax, polygons, rows["probability"], log=True,
                                       vmax=1.0, vmin=1e-4, projected=projected)
        chosen = rows["selected"].to_numpy() == 1
        hexmap.outline_cells(ax, [p for p, c in zip(polygons, chosen) if c])
        origin = rows[rows["distance_km"] == 0]
        ax.plot(*((origin["x"], origin["y"]) if projected else (origin["lon"], origin["lat"])),
                "o", color="black", ms=4)
        when = pd.to_datetime(rows["time"].iloc[0]).date() if "time" in rows else ""
        ax.set_title(f"ind {rows['individual'].iloc[0]} {when}\nP(selected) = "
                     f"{float(rows['probability'].to_numpy()[chosen][0]):.3f}", fontsize=8)
        fig.colorbar(collection, ax=ax, shrink=0.7).ax.tick_params(labelsize=6)
    fig.tight_layout()
    return png_bytes(fig)
