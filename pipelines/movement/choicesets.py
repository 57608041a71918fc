"""From tracks to decisions to the long choice table, on H3 cells.

A *decision* is one move of one animal between consecutive time steps: from the origin
cell to the selected cell. Its *choice set* is every H3 cell whose centre lies within
`max_km` of the origin centre, the origin included (≈19 cells at resolution 4 and 100 km,
as in the mimic paper). The long table has one row per (decision, choice).

Hundreds of thousands of decisions visit only a few thousand distinct cells, so H3 is
asked once per *unique* cell (`ChoiceCatalog`) and everything per decision is numpy
indexing on integer cell ids. The simulator walks on the same catalog, so its choice sets
are the pipeline's choice sets by construction.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Sequence

import h3
import numpy as np
import pandas as pd

from pipelines.movement.geo import bearing_rad, great_circle_km
from pipelines.movement.steps import parse_duration, resample_fixes, step_pairs
from pipelines.movement.tracks import validate_tracks
from tflab.errors import UserError

LONG_COLUMNS = ("individual", "decision", "time", "choice", "selected", "distance_km",
                "heading", "lat", "lon")


@functools.lru_cache(maxsize=None)
def _centre(cell: str) -> tuple[float, float]:
    return h3.cell_to_latlng(cell)


def _outer_ring(cell: str, k: int) -> list[str]:
    try:
        return h3.grid_ring(cell, k)
    except h3.H3BaseException:  # near a pentagon: the slower, always-defined difference
        return sorted(set(h3.grid_disk(cell, k)) - set(h3.grid_disk(cell, k - 1)))


@functools.lru_cache(maxsize=None)
def _choice_set(cell: str, max_km: float) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(cells, distance_km, centres [n, 2]) of `cell`'s choice set, origin first."""
    origin = _centre(cell)
    spacing = math.sqrt(3) * h3.average_hexagon_edge_length(h3.get_resolution(cell), unit="km")
    k = max(1, math.ceil(max_km / (0.8 * spacing)))  # first guess, widened below if needed
    while True:  # widen until a whole ring lies beyond max_km: the next ones are farther
        ring = np.array([_centre(c) for c in _outer_ring(cell, k)])
        if not (great_circle_km(origin[0], origin[1], ring[:, 0], ring[:, 1]) <= max_km).any():
            break
        k += 1
    disk = h3.grid_disk(cell, k)
    centres = np.array([_centre(c) for c in disk])
    dist = great_circle_km(origin[0], origin[1], centres[:, 0], centres[:, 1])
    keep = np.flatnonzero(dist <= max_km)
    order = sorted(keep, key=lambda i: (dist[i], disk[i]))  # origin (0 km) first
    return tuple(disk[i] for i in order), dist[order], centres[order]


def choice_cells(cell: str, max_km: float) -> list[str]:
    """Every H3 cell (same resolution) whose centre is within `max_km` of `cell`'s centre.

    Great-circle distance between centres; the cell itself comes first, the rest by
    distance. `h3.grid_disk` is widened ring by ring until a whole ring lies beyond
    `max_km`, so no cell is missed where cells are larger or smaller than average.
    """
    return list(_choice_set(cell, float(max_km))[0])


@dataclasses.dataclass
class ChoiceArrays:
    """Choice sets of N origins, padded to width W (`valid` False on padding)."""

    ids: np.ndarray          # int64 [N, W] cell ids in the catalog, -1 on padding
    distance_km: np.ndarray  # float64 [N, W]
    heading: np.ndarray      # float64 [N, W] radians from north; NaN for the origin itself
    valid: np.ndarray        # bool [N, W]


class ChoiceCatalog:
    """Integer ids for H3 cells, and the choice set of each origin cell computed once."""

    def __init__(self, max_km: float):
        self.max_km = float(max_km)
        self._index: dict[str, int] = {}
        self._cells: list[str] = []
        self._latlng: list[tuple[float, float]] = []
        self._latlng_array: np.ndarray | None = None
        self._row_of = np.full(0, -1, dtype=np.int64)  # cell id -> row in the padded arrays
        self._ids = np.full((0, 1), -1, dtype=np.int64)
        self._dist = np.zeros((0, 1))
        self._head = np.zeros((0, 1))
        self._rows = 0

    # -- cells ---------------------------------------------------------------------------
    def ids(self, cells: Sequence[str]) -> np.ndarray:
        """Ids of `cells` (registered on first sight; one h3 call per unique new cell)."""
        codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
        unique_ids = np.array([self._register(str(c)) for c in uniques], dtype=np.int64)
        return unique_ids[codes] if len(codes) else np.zeros(0, dtype=np.int64)

    def _register(self, cell: str) -> int:
        if cell not in self._index:
            self._index[cell] = len(self._cells)
            self._cells.append(cell)
            self._latlng.append(_centre(cell))
        return self._index[cell]

    def cells(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(self._cells, dtype=object)[ids]

    def all_cells(self) -> list[str]:
        """Every registered cell, in id order."""
        return list(self._cells)

    def latlon(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centre latitude and longitude of cells `ids` (degrees)."""
        if self._latlng_array is None or len(self._latlng_array) != len(self._latlng):
            self._latlng_array = np.asarray(self._latlng, dtype=float).reshape(-1, 2)
        return self._latlng_array[ids, 0], self._latlng_array[ids, 1]

    def area_km2(self, ids: np.ndarray) -> np.ndarray:
        """Area of cells `ids` in km² (one h3 call per unique cell)."""
        ids = np.asarray(ids, dtype=np.int64)
        areas = np.zeros(len(self._cells))
        for i in pd.unique(ids):  # hashing, not sorting: millions of rows, few cells
            areas[i] = h3.cell_area(self._cells[i], unit="km^2")
        return areas[ids]

    # -- choice sets ---------------------------------------------------------------------
    def choices(self, origin_ids: np.ndarray) -> ChoiceArrays:
        """Padded choice sets of `origin_ids` (computed once per unique origin)."""
        origin_ids = np.asarray(origin_ids, dtype=np.int64)
        self._sync_rows()
        for origin in np.unique(origin_ids[self._row_of[origin_ids] < 0]):
            self._add_origin(int(origin))
        rows = self._row_of[origin_ids]
        ids = self._ids[rows]
        return ChoiceArrays(ids=ids, distance_km=self._dist[rows], heading=self._head[rows],
                            valid=ids >= 0)

    def _sync_rows(self) -> None:
        """Give newly registered cells a `_row_of` entry (-1: choice set not computed)."""
        missing = len(self._cells) - len(self._row_of)
        if missing > 0:
            self._row_of = np.concatenate([self._row_of, np.full(missing, -1)])

    def _add_origin(self, origin: int) -> None:
        cells, dist, centres = _choice_set(self._cells[origin], self.max_km)
        choice_ids = np.array([self._register(c) for c in cells], dtype=np.int64)
        self._sync_rows()
        lat, lon = centres[:, 0], centres[:, 1]
        heading = bearing_rad(lat[0], lon[0], lat, lon)
        heading[0] = np.nan  # staying put has no heading
        self._grow(len(choice_ids))
        row = self._rows
        self._ids[row, :len(cells)] = choice_ids
        self._dist[row, :len(cells)] = dist
        self._head[row, :len(cells)] = heading
        self._row_of[origin] = row
        self._rows += 1

    def _grow(self, width: int) -> None:
        rows, cols = self._ids.shape
        new_rows = max(rows, 2 * rows, 64) if self._rows >= rows else rows
        new_cols = max(cols, width)
        if (new_rows, new_cols) == (rows, cols):
            return
        for name, fill in (("_ids", -1), ("_dist", 0.0), ("_head", 0.0)):
            old = getattr(self, name)
            grown = np.full((new_rows, new_cols), fill, dtype=old.dtype)
            grown[:rows, :cols] = old
            setattr(self, name, grown)


def parse_time_step(time_step: str) -> pd.Timedelta:
    return parse_duration(time_step, "time_step")


def decisions_from_tracks(tracks: pd.DataFrame, *, resolution: int = 4, time_step: str = "1D",
                          max_km: float | None = 100.0, time_tolerance: str = "",
                          crs: str = "", grid=None) -> pd.DataFrame:
    """One row per decision: `individual, decision, time, origin, selected, prev_heading`.

    Fixes become steps by `steps.resample_fixes` (calendar steps, or bursts with a
    tolerance); a decision joins two consecutive kept fixes of one burst. Cells are H3
    cells at `resolution` (origin/selected are H3 ids), or, with `grid` (a
    `rasters.RasterCovariate` in a projected CRS), that raster's pixels (origin/selected are
    `pixels.pixel_key` integers). `prev_heading` is the bearing of the previous step of the
    burst between cell centres, NaN at a burst start or after a step that stayed in its
    cell. Moves farther than `max_km` are dropped and counted. Decisions are numbered
    0..D-1 by individual, then time.
    """
    tracks = validate_tracks(tracks, crs)
    if grid is None and not 0 <= int(resolution) <= 15:
        raise UserError(f"resolution must be an H3 resolution in 0..15, got {resolution}")
    fixes, counts = resample_fixes(tracks, time_step, time_tolerance)
    if grid is None:
        cells, east_north = _h3_cells(fixes, int(resolution)), None
    else:
        cells, east_north = _grid_cells(fixes, grid, crs)
    src, dst = step_pairs(fixes)
    heading, dist = _step_geometry(cells, east_north, src, dst)
    follows = np.r_[False, src[1:] == dst[:-1]]  # the previous pair ends where this starts
    prev_heading = np.where(follows, np.r_[np.nan, heading[:-1]], np.nan)
    decisions = pd.DataFrame({
        "individual": fixes["individual"].to_numpy()[src],
        "time": fixes["step_time"].to_numpy()[src],
        "origin": cells[src], "selected": cells[dst],
        "prev_heading": prev_heading, "burst": fixes["burst"].to_numpy()[src]})
    far = 0
    if max_km is not None and len(decisions):
        within = dist <= max_km + 1e-9
        far = int((~within).sum())
        decisions = decisions[within]
    decisions.insert(1, "decision", np.arange(len(decisions), dtype=np.int64))
    decisions = decisions.reset_index(drop=True)
    limit = f"{max_km:g} km" if max_km is not None else "max_km"
    rule = f"time_step {time_step}" + (f" ± {time_tolerance}" if time_tolerance else "")
    print(f"decisions: {len(decisions)} from {decisions['individual'].nunique()} individuals "
          f"(counted after resampling to {rule}: {counts['superseded']} fixes superseded or "
          f"off schedule, {counts['gaps']} gaps ending a burst, {far} moves farther than "
          f"{limit} dropped)")
    if len(decisions) == 0:
        raise UserError(f"no decisions left: no two fixes of an individual are {rule} apart "
                        f"within {limit}; check time_step and time_tolerance (e.g. --set "
                        f"time_step=1h time_tolerance=10min) or use a larger max_km")
    return decisions


def _h3_cells(fixes: pd.DataFrame, resolution: int) -> np.ndarray:
    points = fixes["lat"].to_numpy() + 1j * fixes["lon"].to_numpy()
    unique_points, inverse = np.unique(points, return_inverse=True)
    unique_cells = np.array([h3.latlng_to_cell(p.real, p.imag, resolution)
                             for p in unique_points], dtype=object)
    return unique_cells[inverse.reshape(-1)]


def _grid_cells(fixes: pd.DataFrame, grid, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Pixel keys of the fixes on `grid`, and the pixel centres (x, y) in km."""
    from pipelines.movement import crs as crs_lib
    from pipelines.movement.pixels import grid_scale_km, pixel_key

    scale = grid_scale_km(grid)
    if {"x", "y"} <= set(fixes.columns):  # projected tracks: no round trip via lon/lat
        x, y = crs_lib.transform(fixes["x"].to_numpy(), fixes["y"].to_numpy(), crs, grid.crs)
    else:
        x, y = crs_lib.transform(fixes["lon"].to_numpy(), fixes["lat"].to_numpy(),
                                 crs_lib.LONLAT, grid.crs)
    row, col = grid.pixel_of(x, y)
    off = np.flatnonzero((row < 0) | (col < 0))
    if len(off):
        raise UserError(f"{len(off)} fixes lie outside the raster {grid.name!r} that defines "
                        f"the cells (first: individual {fixes['individual'].iloc[off[0]]!r} at "
                        f"{fixes['time'].iloc[off[0]]}); crop the tracks to the raster, or use "
                        f"--set cells=h3")
    cx, cy = grid.pixel_centre(row, col)
    return pixel_key(row, col), np.stack([cx, cy], axis=1) * scale


def _step_geometry(cells, east_north, src, dst) -> tuple[np.ndarray, np.ndarray]:
    """Bearing (NaN for no move) and distance in km between the cells of each step."""
    if east_north is None:
        lat, lon = np.array([_centre(c) for c in cells]).reshape(-1, 2).T
        dist = great_circle_km(lat[src], lon[src], lat[dst], lon[dst])
        heading = bearing_rad(lat[src], lon[src], lat[dst], lon[dst])
    else:
        d = east_north[dst] - east_north[src]
        dist, heading = np.hypot(d[:, 0], d[:, 1]), np.arctan2(d[:, 0], d[:, 1])
    return np.where(cells[src] == cells[dst], np.nan, heading), dist


def long_choice_table(decisions: pd.DataFrame, *, max_km: float = 100.0,
                      covariates: pd.DataFrame | None = None,
                      covariate_names: Sequence[str] = ()) -> pd.DataFrame:
    """One row per (decision, choice): the model's input before features.

    Columns: `individual, decision, time, choice, selected (0/1), distance_km` (origin
    centre -> choice centre), `heading` (radians clockwise from north, NaN for the origin),
    `lat, lon` (choice centre), then one column per covariate looked up at the choice on
    the decision's day (see `covariates.attach_covariates`). Choices within a decision are
    ordered origin first, then by distance. A decision whose selected cell is outside its
    choice set is dropped and counted; decisions are renumbered 0..D-1 keeping their order.
    """
    from pipelines.movement.covariates import attach_covariates

    catalog = ChoiceCatalog(max_km)
    origin = catalog.ids(decisions["origin"].to_numpy())
    selected = catalog.ids(decisions["selected"].to_numpy())
    sets = catalog.choices(origin)
    is_selected = sets.valid & (sets.ids == selected[:, None])
    inside = is_selected.any(axis=1)
    if not inside.all():
        print(f"long_choice_table: dropped {int((~inside).sum())} of {len(inside)} decisions "
              f"whose selected cell is farther than {max_km:g} km from the origin")
    if not inside.any():
        raise UserError(f"no decision has its selected cell within max_km={max_km:g} km; "
                        f"increase max_km")
    kept = np.flatnonzero(inside)
    d, w = np.nonzero(sets.valid[kept])  # decision-major, choices in catalog order
    rows = kept[d]
    choice_ids = sets.ids[rows, w]
    lat, lon = catalog.latlon(choice_ids)
    table = pd.DataFrame({
        "individual": decisions["individual"].to_numpy()[rows],
        "decision": d.astype(np.int64),
        "time": decisions["time"].to_numpy()[rows],
        # categorical: millions of rows share a few thousand cell ids (memory, speed)
        "choice": pd.Categorical.from_codes(choice_ids, categories=catalog.all_cells()),
        "selected": is_selected[rows, w].astype(np.int64),
        "distance_km": sets.distance_km[rows, w],
        "heading": sets.heading[rows, w],
        "lat": lat,
        "lon": lon,
        "burst": decisions["burst"].to_numpy()[rows] if "burst" in decisions else 0,
        "prev_heading": (decisions["prev_heading"].to_numpy()[rows]
                         if "prev_heading" in decisions else np.nan),
        "spacing_km": np.where(sets.valid & (sets.distance_km > 0), sets.distance_km,
                               np.inf).min(axis=1)[rows],
        "area_km2": catalog.area_km2(choice_ids),
    })
    if covariates is not None:
        table = attach_covariates(table, covariates, covariate_names)
    return table
