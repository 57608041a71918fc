"""Small multiples of propagated mass: where the animals are likely to be, day by day."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tflab import io


def small_multiples(mass: pd.DataFrame, path: Path, panels: int = 8) -> None:
    """Up to `panels` evenly spaced days, cells coloured by probability (one log scale)."""
    from tfmodels.mimic.diagnose import hexmap
    from tfmodels.mimic.diagnose.figures import png_bytes

    days = sorted(mass["day"].unique())
    shown = [days[int(round(i))] for i in np.linspace(0, len(days) - 1, min(panels, len(days)))]
    shown = list(dict.fromkeys(shown))
    visible = mass[mass["probability"] >= 1e-6]
    fig, axes = hexmap.new_figure(len(shown), columns=4, size=3.0)
    top = float(visible["probability"].max())
    for ax, day in zip(axes, shown):
        rows = visible[visible["day"] == day]
        collection = hexmap.draw_cells(ax, hexmap.cell_polygons(rows["cell"]),
                                       rows["probability"], log=True, vmin=1e-6, vmax=top)
        hexmap.frame_to(ax, hexmap.cell_polygons(visible["cell"].unique()))
        ax.set_title(f"day {day}: {pd.Timestamp(rows['time'].iloc[0]).date()}", fontsize=8)
    fig.colorbar(collection, ax=axes, shrink=0.6, label="P(animal in cell), ≥ 1e-6 shown")
    with io.atomic_path(path) as tmp:
        tmp.write_bytes(png_bytes(fig))
