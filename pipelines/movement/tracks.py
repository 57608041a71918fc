"""Reading and validating the user's tables: GPS/tag tracks and covariate grids.

A researcher's first run usually fails on the data, not the model: a column called
`latitude`, a date written as `31/01/2020`, a longitude in 0..360, a tag that reported
once. Every check here names the problem and the fix in one line (`UserError`), before
any H3 cell or TensorFlow tensor exists, so the failure is cheap and readable.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable, Sequence

import h3
import numpy as np
import pandas as pd

from tflab.errors import UserError

TRACK_COLUMNS = ("individual", "time", "lat", "lon")
READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".pq": pd.read_parquet}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (`.csv`, `.csv.gz`) or Parquet (`.parquet`, `.pq`) file into a DataFrame."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix == ".gz" and path.name.lower().endswith(".csv.gz"):
        suffix = ".csv"
    if suffix not in READERS:
        raise UserError(f"cannot read {path}: unknown extension {path.suffix!r}; "
                        f"save the table as .csv or .parquet")
    if not path.is_file():
        raise UserError(f"data file {path} does not exist; check the path given to --data "
                        f"or covariates_path")
    try:
        return READERS[suffix](path)
    except Exception as err:  # pandas/pyarrow raise many types for a broken file
        reason = " ".join(str(err).split())[:200] or type(err).__name__
        raise UserError(f"cannot read {path} as {suffix[1:]}: {reason}") from None


def require_columns(df: pd.DataFrame, required: Iterable[str], what: str, fix: str) -> None:
    """Raise naming the first missing column, the columns present and a close match."""
    present = [str(c) for c in df.columns]
    for column in required:
        if column not in df.columns:
            close = difflib.get_close_matches(column, present, n=1, cutoff=0.5)
            hint = f" (is {close[0]!r} meant to be {column!r}?)" if close else ""
            raise UserError(f"{what} is missing column {column!r}{hint}; columns present: "
                            f"{', '.join(present) or 'none'}; {fix}")


def parse_times(values: pd.Series, what: str) -> pd.Series:
    """Datetimes (naive UTC) from text or datetime values, or a UserError naming a bad row."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        raise UserError(f"{what} column 'time' holds numbers ({values.iloc[0]!r}); write "
                        f"timestamps as text such as 2020-01-31 or 2020-01-31T12:00:00Z")
    parsed = pd.to_datetime(values, errors="coerce", utc=True)
    if parsed.isna().any():  # retry element-wise: files mixing date formats
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        raise UserError(f"{what} column 'time' has {len(bad)} unparseable value(s), first at "
                        f"data row {row} ({values.iloc[row]!r}); use ISO dates such as "
                        f"2020-01-31T12:00:00")
    return parsed.dt.tz_convert(None).astype("datetime64[ns]")


def numeric_in_range(values: pd.Series, name: str, low: float, high: float,
                     what: str) -> pd.Series:
    """`values` as float, or a UserError naming the first non-numeric or out-of-range row."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = np.flatnonzero(numbers.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        raise UserError(f"{what} column {name!r} has {len(bad)} missing or non-numeric "
                        f"value(s), first at data row {row} ({values.iloc[row]!r}); "
                        f"{name} must be decimal degrees")
    out = np.flatnonzero(((numbers < low) | (numbers > high)).to_numpy())
    if len(out):
        row = int(out[0])
        raise UserError(f"{what} column {name!r} has {len(out)} value(s) outside "
                        f"{low:g}..{high:g}, first at data row {row} ({numbers.iloc[row]:g}); "
                        f"use decimal degrees (longitudes in -180..180, not 0..360)")
    return numbers


def _individual_ids(values: pd.Series) -> pd.Series:
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise UserError(f"tracks column 'individual' is empty at data row {row}; every fix "
                        f"needs the id of the animal it belongs to")
    if pd.api.types.is_integer_dtype(values):
        return values.astype("int64")
    return values.astype(str)


# Column names of common exports (Movebank, amt, deepSSF) read as tflab's own.
COLUMN_ALIASES = {"individual": ("id", "animal_id", "individual-local-identifier", "tag_id"),
                  "time": ("timestamp", "t_", "datetime"),
                  "lat": ("location-lat", "latitude"), "lon": ("location-long", "longitude"),
                  "x": ("x_",), "y": ("y_",)}


def with_standard_names(df: pd.DataFrame) -> pd.DataFrame:
    """Rename the first alias found for each missing standard column (see COLUMN_ALIASES)."""
    renames = {}
    for column, aliases in COLUMN_ALIASES.items():
        if column in df.columns:
            continue
        found = [a for a in aliases if a in df.columns]
        if found:
            renames[found[0]] = column
    return df.rename(columns=renames) if renames else df


def _positions(df: pd.DataFrame, crs: str) -> dict[str, np.ndarray]:
    """lat, lon (and x, y in `crs` for projected tracks) of every fix, checked."""
    from pipelines.movement import crs as crs_lib

    projected = {"x", "y"} <= set(df.columns) and not {"lat", "lon"} <= set(df.columns)
    if projected and not crs:
        raise UserError("tracks table has x, y columns but no CRS; name it with "
                        "--set crs=EPSG:NNNN (e.g. EPSG:32633 for UTM zone 33N)")
    if not projected:
        if crs and crs_lib.parse_crs(crs) != crs_lib.parse_crs(crs_lib.LONLAT):
            raise UserError(f"crs={crs} applies to x, y track columns, but the tracks have "
                            f"lat, lon; drop --set crs or give x, y columns")
        require_columns(df, TRACK_COLUMNS, "tracks table",
                        "a tracks table needs one row per fix with individual, time and "
                        "lat, lon (or x, y with --set crs=EPSG:NNNN)")
        return {"lat": numeric_in_range(df["lat"], "lat", -90, 90, "tracks table").to_numpy(),
                "lon": numeric_in_range(df["lon"], "lon", -180, 180, "tracks table").to_numpy()}
    crs_lib.parse_crs(crs, "crs")
    x = _finite(df["x"], "x", crs)
    y = _finite(df["y"], "y", crs)
    lon, lat = crs_lib.transform(x, y, crs, crs_lib.LONLAT)
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise UserError(f"some x, y positions cannot be expressed in {crs}; check that crs "
                        f"names the system the coordinates were written in")
    return {"lat": lat, "lon": lon, "x": x, "y": y}


def _finite(values: pd.Series, name: str, crs: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if len(bad):
        raise UserError(f"tracks table column {name!r} has {len(bad)} missing or non-numeric "
                        f"value(s), first at data row {int(bad[0])}; {name} must be a "
                        f"coordinate in {crs}")
    return numbers


def validate_tracks(df: pd.DataFrame, crs: str = "", min_fixes: int = 2) -> pd.DataFrame:
    """Checked tracks `individual, time, lat, lon` (+ `x, y` in `crs`), sorted by
    individual then time.

    Positions come as lat/lon, or as x, y in any CRS pyproj knows (`crs`, e.g. EPSG:3112);
    common export names (`id`, `timestamp`, `location-lat`, ...) are read as the standard
    ones. Policy: fixes out of time order are *sorted*, not rejected. Tag exports are routinely
    concatenated per download and every fix carries its own timestamp, so the row order
    carries no information. Two fixes of one individual at the same timestamp, however,
    are ambiguous (which position is right?) and raise. Individuals with fewer than two
    fixes cannot make a single decision and raise, naming them, rather than being dropped
    silently. Extra columns are ignored. `min_fixes=1` accepts single fixes: start
    positions of a simulation need no decision.
    """
    df = with_standard_names(df)
    require_columns(df, ["individual", "time"], "tracks table",
                    "a tracks table needs one row per fix with individual, time and lat, lon "
                    "(or x, y with --set crs=EPSG:NNNN)")
    if len(df) == 0:
        raise UserError(f"tracks table has no rows; it needs at least {min_fixes} fix(es) per "
                        f"individual")
    tracks = pd.DataFrame({
        "individual": _individual_ids(df["individual"]).to_numpy(),
        "time": parse_times(df["time"], "tracks table").to_numpy(),
        **_positions(df, crs),
    })
    duplicated = tracks.duplicated(["individual", "time"], keep=False).to_numpy()
    if duplicated.any():
        first = tracks[duplicated].iloc[0]
        raise UserError(f"tracks table has {int(duplicated.sum())} fixes sharing a timestamp "
                        f"with another fix of the same individual, e.g. individual "
                        f"{first['individual']!r} at {first['time']}; keep one fix per "
                        f"individual and timestamp")
    counts = tracks.groupby("individual", sort=True).size()
    lonely = counts.index[counts < min_fixes].tolist()
    if lonely:
        shown = ", ".join(map(repr, lonely[:5])) + (" ..." if len(lonely) > 5 else "")
        raise UserError(f"{len(lonely)} individual(s) have fewer than {min_fixes} fixes "
                        f"({shown}); a decision needs two consecutive fixes: remove them "
                        f"from the table")
    return tracks.sort_values(["individual", "time"], kind="stable").reset_index(drop=True)


def validate_covariates(df: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Checked covariate table keyed by (`cell`, date) or (`lat`, `lon`, date).

    The table has a `time` column and one column per covariate in `names` (e.g. `mlt`,
    `npp`); its key is either `cell` (H3 cell id) or `lat`, `lon` (a grid of points;
    choices take the nearest point). Times are reduced to the calendar day (`date`), the
    resolution covariates are matched at. Returns key columns, `date` and `names`.
    """
    fix = ("a covariate table needs time, either cell (H3 id) or lat and lon, and one "
           "column per covariate")
    keyed_by_cell = "cell" in df.columns
    keys = ["cell"] if keyed_by_cell else ["lat", "lon"]
    require_columns(df, ["time", *keys, *names], "covariate table", fix)
    if len(df) == 0:
        raise UserError("covariate table has no rows")
    out = pd.DataFrame({"date": parse_times(df["time"], "covariate table").dt.floor("D")})
    if keyed_by_cell:
        cells = df["cell"].astype(str)
        unique = pd.unique(cells)
        invalid = [c for c in unique if not h3.is_valid_cell(c)]
        if invalid:
            raise UserError(f"covariate table column 'cell' has {len(invalid)} invalid H3 "
                            f"id(s), e.g. {invalid[0]!r}; write cells as H3 strings such as "
                            f"'841ca47ffffffff'")
        out["cell"] = cells.to_numpy()
    else:
        out["lat"] = numeric_in_range(df["lat"], "lat", -90, 90, "covariate table").to_numpy()
        out["lon"] = numeric_in_range(df["lon"], "lon", -180, 180, "covariate table").to_numpy()
    for name in names:
        values = pd.to_numeric(df[name], errors="coerce").astype(float)
        missing = int(values.isna().sum())
        if missing:
            raise UserError(f"covariate {name!r} has {missing} missing or non-numeric "
                            f"value(s) out of {len(values)} rows; fill or remove those rows")
        out[name] = values.to_numpy()
    duplicated = out.duplicated([*keys, "date"]).to_numpy()
    if duplicated.any():
        first = out[duplicated].iloc[0]
        where = ", ".join(f"{k}={first[k]!r}" for k in keys)
        raise UserError(f"covariate table has {int(duplicated.sum())} duplicate rows for one "
                        f"place and day (e.g. {where}, {first['date'].date()}); keep one "
                        f"value per place and day")
    return out[[*keys, "date", *names]].reset_index(drop=True)
