"""Attach environmental covariates (e.g. mixed-layer thickness, productivity) to choices.

A choice is scored with the environment *it* offers on the day the decision is made, so
each row of the long table looks up its choice cell (or, for a lat/lon grid, the nearest
grid point to the cell centre) on the decision's calendar day. A lookup that finds nothing
is an error naming how many rows miss and one example, never a silent NaN feature.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from tflab.errors import UserError

KEY_COLUMNS = ("cell", "lat", "lon", "date", "time")


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lmb = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)], -1)


def nearest_points(lat: np.ndarray, lon: np.ndarray, grid_lat: np.ndarray,
                   grid_lon: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Index of the great-circle-nearest grid point for each (lat, lon) (chunked dot products).

    Nearest on the sphere = largest dot product of unit vectors; a plain numpy search over
    the unique choice cells keeps scipy out of the dependencies.
    """
    grid = _unit_vectors(grid_lat, grid_lon)
    query = _unit_vectors(lat, lon)
    out = np.empty(len(query), dtype=np.int64)
    for start in range(0, len(query), chunk):
        out[start:start + chunk] = np.argmax(query[start:start + chunk] @ grid.T, axis=1)
    return out


def attach_covariates(table: pd.DataFrame, covariates: pd.DataFrame,
                      names: Sequence[str] = ()) -> pd.DataFrame:
    """`table` plus one column per covariate, looked up by (choice cell or nearest point, day).

    `covariates` is the output of `tracks.validate_covariates` (keys `cell` or `lat, lon`,
    and `date`). `names` defaults to every non-key column.
    """
    names = list(names) or [c for c in covariates.columns if c not in KEY_COLUMNS]
    date = pd.to_datetime(table["time"]).dt.floor("D").astype("datetime64[ns]")
    covariates = covariates.assign(date=covariates["date"].astype("datetime64[ns]"))
    if "cell" in covariates.columns:
        keys = pd.DataFrame({"cell": table["choice"].astype(str).to_numpy(),
                             "date": date.to_numpy()})
        lookup = covariates[["cell", "date", *names]]
        on = ["cell", "date"]
    else:
        grid = covariates[["lat", "lon"]].drop_duplicates().reset_index(drop=True)
        grid["point"] = np.arange(len(grid))
        codes, uniques = pd.factorize(table["choice"].to_numpy())
        first = np.unique(codes, return_index=True)[1]
        nearest = nearest_points(table["lat"].to_numpy()[first], table["lon"].to_numpy()[first],
                                 grid["lat"].to_numpy(), grid["lon"].to_numpy())
        keys = pd.DataFrame({"point": nearest[codes], "date": date.to_numpy()})
        lookup = covariates.merge(grid, on=["lat", "lon"])[["point", "date", *names]]
        on = ["point", "date"]
    merged = keys.merge(lookup, on=on, how="left", validate="many_to_one")
    missing = merged[names].isna().any(axis=1).to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        where = (f"cell {keys['cell'].iloc[row]}" if "cell" in keys
                 else f"lat {table['lat'].iloc[row]:.3f}, lon {table['lon'].iloc[row]:.3f}")
        raise UserError(f"covariate table has no value for {int(missing.sum())} of "
                        f"{len(missing)} choice rows (e.g. {where} on "
                        f"{keys['date'].iloc[row].date()}); it needs every choice cell within "
                        f"max_km of every position, on every decision day, at the same H3 "
                        f"resolution")
    return table.assign(**{name: merged[name].to_numpy() for name in names})


def attach_rasters(table: pd.DataFrame, rasters, *, grid_crs: str | None,
                   outside: str = "error") -> pd.DataFrame:
    """`table` plus one column per raster covariate, sampled at each choice cell's centre.

    Centres are the pixel centres (`x, y` in `grid_crs`) for raster cells, or the H3
    centres (`lon, lat`) otherwise; each raster samples each distinct (cell, time slice)
    once. `outside` decides about cells off a raster or on nodata (`rasters`); with
    `drop`, a decision whose *selected* cell has no value is dropped whole and counted, and
    decisions are renumbered 0..D-1 keeping their order.
    """
    from pipelines.movement.crs import LONLAT
    from pipelines.movement.rasters import sample_covariates

    if grid_crs is not None:
        x, y, crs = table["x"].to_numpy(float), table["y"].to_numpy(float), grid_crs
    else:
        x, y, crs = table["lon"].to_numpy(float), table["lat"].to_numpy(float), LONLAT
    codes, _ = pd.factorize(table["choice"].to_numpy())
    keep = np.ones(len(table), dtype=bool)
    columns = {}
    for raster in rasters:
        if raster.times is None:
            key = codes
            times = None
        else:
            times_all = table["time"].to_numpy().astype("datetime64[ns]")
            key = codes.astype(np.int64) * (len(raster.times) + 1) + raster.slice_index(times_all)
        inverse, unique = pd.factorize(key)  # hashing, not sorting (millions of rows)
        first = np.empty(len(unique), dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(key) - 1, -1, -1)  # first row of each key
        values, ok = sample_covariates(
            [raster], x[first], y[first], None if raster.times is None else times_all[first],
            crs=crs, outside=outside)
        columns[raster.name] = values[raster.name][inverse.reshape(-1)]
        keep &= ok[inverse.reshape(-1)]
    table = table.assign(**columns)
    if keep.all():
        return table
    lost = np.unique(table["decision"].to_numpy()[~keep & (table["selected"].to_numpy() == 1)])
    keep &= ~np.isin(table["decision"].to_numpy(), lost)
    dropped_rows = int((~keep).sum())
    table = table[keep].reset_index(drop=True)
    table["decision"] = pd.factorize(table["decision"])[0].astype(np.int64)
    print(f"covariates: outside=drop removed {dropped_rows} choice rows without a raster value "
          f"({len(lost)} decisions whose selected cell had none)")
    if len(table) == 0:
        raise UserError("no choice has a value on every covariate raster; check that the "
                        "rasters cover the tracks")
    return table
