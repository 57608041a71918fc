"""H3 hexagons drawn with matplotlib alone: no map tiles, no network, readable offline.

Cells are drawn as their true H3 boundaries in (lon, lat) degrees with the aspect set to
1 / cos(latitude), so hexagons look like hexagons at the map's latitude.
"""
from __future__ import annotations

import h3
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def cell_polygons(cells) -> list[np.ndarray]:
    """Boundary of each H3 cell as an array of (lon, lat) vertices."""
    return [np.array([(lng, lat) for lat, lng in h3.cell_to_boundary(str(c))]) for c in cells]


def draw_cells(ax, cells, values, *, log: bool = False, vmin=None, vmax=None,
               cmap: str = "viridis"):
    """Fill `cells` coloured by `values` on `ax`; returns the collection (for a colourbar)."""
    values = np.asarray(values, dtype=float)
    if log:
        positive = values[values > 0]
        low = vmin if vmin is not None else (positive.min() if len(positive) else 1e-6)
        norm = LogNorm(vmin=low, vmax=vmax if vmax is not None else max(values.max(), low * 10))
        values = np.maximum(values, low)
    else:
        norm = Normalize(vmin=vmin if vmin is not None else values.min(),
                         vmax=vmax if vmax is not None else values.max())
    collection = PolyCollection(cell_polygons(cells), array=values, cmap=cmap, norm=norm,
                                edgecolors="white", linewidths=0.3)
    ax.add_collection(collection)
    frame_to(ax, cells)
    return collection


def outline_cells(ax, cells, color: str = "red", width: float = 2.0) -> None:
    ax.add_collection(PolyCollection(cell_polygons(cells), facecolors="none",
                                     edgecolors=color, linewidths=width))


def frame_to(ax, cells, margin: float = 0.15) -> None:
    """Axes limits around `cells` with a true-shape aspect at their mean latitude."""
    points = np.concatenate(cell_polygons(cells))
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = (hi - lo) * margin + 1e-3
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_aspect(1.0 / max(np.cos(np.radians(points[:, 1].mean())), 0.05))
    ax.set_xlabel("lon (°)", fontsize=7)
    ax.set_ylabel("lat (°)", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.xaxis.set_major_locator(MaxNLocator(4))


def new_figure(n_panels: int, columns: int = 4, size: float = 3.0):
    """A grid of `n_panels` axes (the unused ones hidden)."""
    columns = min(columns, n_panels)
    rows = -(-n_panels // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows + 0.4),
                             squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])
