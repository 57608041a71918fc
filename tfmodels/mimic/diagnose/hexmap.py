"""Choice cells drawn with matplotlib alone: no map tiles, no network, readable offline.

H3 cells are drawn as their true boundaries in (lon, lat) degrees with the aspect set to
1 / cos(latitude), so hexagons look like hexagons at the map's latitude; raster-pixel cells
(`cells=raster`) as squares around their centres in the raster's projected x, y.
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


def choice_polygons(rows) -> tuple[list[np.ndarray], bool]:
    """(polygons, projected) of a decision's choice rows: H3 boundaries in lon/lat, or, for
    raster pixels (rows with x, y and area_km2 and no H3 ids), squares in the raster's x, y
    (metres: the pixel side is sqrt(area))."""
    cells = rows["choice"].astype(str)
    if len(cells) and h3.is_valid_cell(cells.iloc[0]):
        return cell_polygons(cells), False
    half = np.sqrt(rows["area_km2"].to_numpy(float)) * 1000 / 2
    x, y = rows["x"].to_numpy(float), rows["y"].to_numpy(float)
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=float)
    return [np.array([x[i], y[i]]) + corners * half[i] for i in range(len(x))], True


def draw_cells(ax, polygons, values, *, log: bool = False, vmin=None, vmax=None,
               cmap: str = "viridis", projected: bool = False):
    """Fill `polygons` (`choice_polygons`) coloured by `values` on `ax`; returns the
    collection (for a colourbar)."""
    values = np.asarray(values, dtype=float)
    if log:
        positive = values[values > 0]
        low = vmin if vmin is not None else (positive.min() if len(positive) else 1e-6)
        norm = LogNorm(vmin=low, vmax=vmax if vmax is not None else max(values.max(), low * 10))
        values = np.maximum(values, low)
    else:
        norm = Normalize(vmin=vmin if vmin is not None else values.min(),
                         vmax=vmax if vmax is not None else values.max())
    collection = PolyCollection(polygons, array=values, cmap=cmap, norm=norm,
                                edgecolors="white", linewidths=0.3)
    ax.add_collection(collection)
    frame_to(ax, polygons, projected=projected)
    return collection


def outline_cells(ax, polygons, color: str = "red", width: float = 2.0) -> None:
    ax.add_collection(PolyCollection(polygons, facecolors="none",
                                     edgecolors=color, linewidths=width))


def frame_to(ax, polygons, margin: float = 0.15, projected: bool = False) -> None:
    """Axes limits around `polygons` with a true-shape aspect (at their mean latitude for
    lon/lat)."""
    points = np.concatenate(polygons)
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = (hi - lo) * margin + 1e-3
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    if projected:
        ax.set_aspect(1.0)
    else:
        ax.set_aspect(1.0 / max(np.cos(np.radians(points[:, 1].mean())), 0.05))
    ax.set_xlabel("x (m)" if projected else "lon (°)", fontsize=7)
    ax.set_ylabel("y (m)" if projected else "lat (°)", fontsize=7)
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
