"""Raster covariates (GeoTIFF, netCDF, zarr) sampled at choice points, in the raster's CRS.

A habitat covariate (NDVI, slope, sea-surface temperature) comes as a grid in whatever CRS
its producer chose, static or as a time stack. The value of a choice is the value of the
pixel containing the choice point (no interpolation: the fitted coefficient then describes
the data the user handed over, not a smoothed version of it). Points are transformed to the
raster's CRS, never the raster to the points' (resampling would change the values), and
each distinct (point, time slice) is read once: at GPS scale a choice set has thousands of
rows per decision but neighbouring decisions share most cells.

Pixels are half-open, closed on their west (-x) and north (+y) sides: a point on the edge
between two pixels belongs to the eastern and the southern one, as `rasterio.index` counts
them on a north-up GeoTIFF, and the same holds for a grid stored south-up (a netCDF with
ascending latitude), so a value never depends on the file's storage order. The raster's
west and north edges are inside, its east and south edges outside.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from pipelines.movement.crs import parse_crs, transform
from tflab.errors import UserError
from tflab.extras import missing_modules

GEOTIFF_SUFFIXES = (".tif", ".tiff")
NETCDF_SUFFIXES = (".nc", ".nc4", ".cdf")
OUTSIDE_HINT = ("use a smaller max_km, or --set outside=drop (drop those choices) "
                "or outside=VALUE (fill)")
_EDGE_TOLERANCE = 1e-9  # in pixels: a lattice point computed in floating point stays on its pixel


def _num(value: float) -> str:
    return f"{value:.10g}"


def crs_label(text: str) -> str:
    """A CRS short enough for a one-line message: EPSG:NNNN as given, a WKT by its name."""
    text = str(text).strip()
    return text if len(text) < 40 else parse_crs(text).name


@dataclasses.dataclass(eq=False)
class RasterCovariate:
    """One covariate grid: its pixel geometry, CRS, time slices and a reader per slice.

    `transform` is the affine pixel → CRS map (`rasterio.Affine`, pixel corners), `shape`
    is (rows, cols). `times` holds the start of each slice (sorted datetime64[ns]), or None
    for a static raster. `read(i)` returns slice i as a float64 (rows, cols) array with
    nodata already NaN.
    """

    name: str
    path: str
    crs: str
    times: np.ndarray | None
    transform: object
    shape: tuple[int, int]
    nodata: float | None
    read: Callable[[int], np.ndarray] = dataclasses.field(repr=False)
    variable: str | None = None

    def __post_init__(self):
        self._cache: dict[int, np.ndarray] = {}

    def slice(self, index: int) -> np.ndarray:
        """Slice `index` as float64 with nodata → NaN, read once and kept."""
        if index not in self._cache:
            self._cache[index] = self.read(int(index))
        return self._cache[index]

    @property
    def n_slices(self) -> int:
        return 1 if self.times is None else len(self.times)

    @property
    def pixel_size(self) -> tuple[float, float]:
        t = self.transform
        return float(math.hypot(t.a, t.d)), float(math.hypot(t.b, t.e))

    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the pixel corners, in `crs`."""
        rows, cols = self.shape
        t = self.transform
        xs = [t.a * c + t.b * r + t.c for c in (0, cols) for r in (0, rows)]
        ys = [t.d * c + t.e * r + t.f for c in (0, cols) for r in (0, rows)]
        return min(xs), max(xs), min(ys), max(ys)

    def covers(self) -> str:
        xmin, xmax, ymin, ymax = self.bounds()
        return (f"the raster covers x {_num(xmin)}..{_num(xmax)}, y {_num(ymin)}..{_num(ymax)}"
                f" in {self.crs_label}")

    @property
    def crs_label(self) -> str:
        return crs_label(self.crs)

    def pixel_of(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) int64 of points given in `crs`; -1 for both where outside."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        t = self.transform
        if t.b == 0 and t.d == 0:  # axis-aligned: divide, so lattice points stay exact
            if parse_crs(self.crs).is_geographic:  # longitudes are modulo 360
                left = min(t.c, t.c + t.a * self.shape[1])
                x = left + np.mod(x - left, 360.0)
            col = _edge_floor((x - t.c) / t.a, west_first=t.a > 0)
            row = _edge_floor((y - t.f) / t.e, west_first=t.e < 0)
        else:
            inv = ~t
            col = _edge_floor(inv.a * x + inv.b * y + inv.c, west_first=True)
            row = _edge_floor(inv.d * x + inv.e * y + inv.f, west_first=True)
        with np.errstate(invalid="ignore"):
            inside = ((row >= 0) & (row < self.shape[0]) & (col >= 0) & (col < self.shape[1]))
        return (np.where(inside, row, -1).astype(np.int64),
                np.where(inside, col, -1).astype(np.int64))

    def pixel_centre(self, row, col) -> tuple[np.ndarray, np.ndarray]:
        """x, y (in `crs`) of the centres of pixels (row, col)."""
        t = self.transform
        c = np.asarray(col, dtype=float) + 0.5
        r = np.asarray(row, dtype=float) + 0.5
        return t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f

    def slice_index(self, times) -> np.ndarray:
        """Index of the slice in force at each time (latest start <= t); 0 when static."""
        times = as_datetime64(times)
        if self.times is None:
            return np.zeros(times.shape, dtype=np.int64)
        if np.isnat(times).any():
            raise UserError(f"covariate {self.name!r} is time-sliced but "
                            f"{int(np.isnat(times).sum())} time(s) are missing; give every fix "
                            f"a time")
        index = np.searchsorted(self.times, times, side="right") - 1
        if (index < 0).any():
            first = np.datetime_as_string(self.times[0], unit="s")
            early = np.datetime_as_string(times[index < 0].min(), unit="s")
            raise UserError(f"covariate {self.name!r} ({self.path}) starts at {first} but "
                            f"{int((index < 0).sum())} time(s) are earlier (first {early}); "
                            f"use a raster stack that starts before the track, or drop the "
                            f"earlier fixes")
        return index.astype(np.int64)

    def sample(self, x, y, slice_index=None) -> np.ndarray:
        """float64 value of the pixel containing each point (in `crs`); NaN outside/nodata."""
        rows, cols = self.pixel_of(x, y)
        if slice_index is None:
            if self.times is not None:
                raise ValueError(f"covariate {self.name!r} is time-sliced: pass slice_index")
            slice_index = 0
        slices = np.broadcast_to(np.asarray(slice_index, dtype=np.int64), rows.shape)
        out = np.full(rows.shape, np.nan)
        inside = rows >= 0
        for s in np.unique(slices[inside]):
            where = inside & (slices == s)
            out[where] = self.slice(int(s))[rows[where], cols[where]]
        return out


def _edge_floor(position: np.ndarray, west_first: bool) -> np.ndarray:
    """Pixel index of fractional positions; an edge goes to the pixel on its east/south side.

    `west_first` says the index grows eastwards (or southwards): then an edge belongs to the
    larger index (floor), otherwise to the smaller one (ceil - 1).
    """
    with np.errstate(invalid="ignore"):
        if west_first:
            return np.floor(np.asarray(position) + _EDGE_TOLERANCE)
        return np.ceil(np.asarray(position) - _EDGE_TOLERANCE) - 1


def as_datetime64(times) -> np.ndarray:
    """datetime64[ns] (UTC, naive) from anything pandas reads as times."""
    index = pd.DatetimeIndex(np.atleast_1d(np.asarray(times)) if not isinstance(
        times, (pd.Series, pd.DatetimeIndex)) else times)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.to_numpy(dtype="datetime64[ns]")


def parse_covariate_specs(text: str) -> list[tuple[str, str, str | None]]:
    """"ndvi:a/ndvi.tif,sst:o.nc#analysed_sst" → [(name, path, variable or None)]."""
    specs, seen = [], set()
    for item in (part.strip() for part in str(text or "").split(",")):
        if not item:
            continue
        name, sep, rest = item.partition(":")
        name, rest = name.strip(), rest.strip()
        if not sep or not name or not rest:
            raise UserError(f"covariate spec {item!r} is not NAME:PATH; write e.g. "
                            f"covariates=ndvi:data/ndvi.tif,sst:data/ocean.nc#analysed_sst")
        if not name.isidentifier():
            suggestion = "_".join("".join(c if c.isalnum() else " " for c in name).split())
            raise UserError(f"covariate name {name!r} is not an identifier (letters, digits, "
                            f"underscore; not starting with a digit); rename it, e.g. "
                            f"{suggestion!r}")
        if name in seen:
            raise UserError(f"covariate name {name!r} is given twice in covariates={text!r}; "
                            f"give each raster its own name")
        seen.add(name)
        path, _, variable = rest.rpartition("#") if "#" in rest else (rest, "", "")
        specs.append((name, path.strip(), variable.strip() or None))
    return specs


def open_covariates(text: str) -> list[RasterCovariate]:
    """Open every raster of a covariates spec (see `parse_covariate_specs`), checked first."""
    return [open_covariate(name, path, variable)
            for name, path, variable in parse_covariate_specs(text)]


def open_covariate(name: str, path: str, variable: str | None = None) -> RasterCovariate:
    """One raster: GeoTIFF (band 1, or band `#N`) through rasterio, netCDF/zarr through xarray.

    netCDF/zarr: the variable is `#var`, else the one called `name`, else the only gridded
    data variable; dims (time?, y|lat|latitude, x|lon|longitude), any order. The CRS comes
    from the CF `grid_mapping` variable (`crs_wkt`, `spatial_ref` or CF parameters); without
    one, a grid whose axes are named lat/lon (or latitude/longitude) is taken as EPSG:4326,
    and any other grid is an error. A time axis makes the raster time-sliced: each time is
    the start of the slice in force until the next one.
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise UserError(f"covariate {name!r}: file {path!r} not found (relative paths are read "
                        f"from {Path.cwd()}); check the path in covariates=")
    suffix = file.suffix.lower()
    if suffix in GEOTIFF_SUFFIXES:
        _require_geo(name, file, ("rasterio", "pyproj"))
        return _open_geotiff(name, file, variable)
    if suffix in NETCDF_SUFFIXES or suffix == ".zarr" or _is_zarr(file):
        _require_geo(name, file, ("xarray", "rasterio", "pyproj")
                     + (() if file.is_dir() or missing_modules(("h5netcdf",)) == []
                        else ("netCDF4",)))
        from pipelines.movement.raster_grids import open_gridded

        return RasterCovariate(**open_gridded(name, file, variable))
    raise UserError(f"covariate {name!r}: {path!r} has an unknown extension {suffix or '(none)'!r};"
                    f" give a GeoTIFF (.tif, .tiff), a netCDF file (.nc) or a zarr folder (.zarr)")


def _require_geo(name: str, file: Path, modules: tuple[str, ...]) -> None:
    """Raster covariates need the `geo` extra; the core mimic install does not carry it."""
    missing = missing_modules(modules)
    if missing:
        raise UserError(f"covariate {name!r}: reading {file.name} needs {', '.join(missing)}, "
                        f"which is not installed; run pip install -e '.[geo]' in the tflab "
                        f"checkout")


def _is_zarr(file: Path) -> bool:
    return file.is_dir() and any((file / marker).exists()
                                 for marker in (".zgroup", ".zarray", "zarr.json"))


def _open_geotiff(name: str, file: Path, variable: str | None) -> RasterCovariate:
    import rasterio
    from rasterio.enums import MaskFlags
    from rasterio.errors import RasterioIOError

    try:
        dataset = rasterio.open(file)
    except RasterioIOError as err:
        raise UserError(f"covariate {name!r}: rasterio cannot read {str(file)!r} "
                        f"({' '.join(str(err).split())}); check it is a GeoTIFF") from None
    with dataset:
        band = 1
        if variable is not None:
            if not variable.isdigit() or not 1 <= int(variable) <= dataset.count:
                raise UserError(f"covariate {name!r}: {str(file)!r} has bands 1..{dataset.count}"
                                f", not {variable!r}; write {file.name}#N with a band number")
            band = int(variable)
        if dataset.crs is None:
            raise UserError(f"covariate {name!r}: {str(file)!r} has no CRS; write one into the "
                            f"file (e.g. gdal_edit.py -a_srs EPSG:NNNN {file.name})")
        values = dataset.read(band).astype(np.float64)
        flags = dataset.mask_flag_enums[band - 1]
        if MaskFlags.per_dataset in flags or MaskFlags.alpha in flags:  # a mask band, not a value
            values[dataset.read_masks(band) == 0] = np.nan
        nodata = dataset.nodatavals[band - 1]
        scale, offset = dataset.scales[band - 1], dataset.offsets[band - 1]
        crs, affine, shape = dataset.crs.to_string(), dataset.transform, dataset.shape
    if nodata is not None and not np.isnan(nodata):
        values[values == nodata] = np.nan
    if scale not in (None, 1.0) or offset not in (None, 0.0):
        values = values * (scale or 1.0) + (offset or 0.0)
    return RasterCovariate(name=name, path=str(file), crs=crs, times=None, transform=affine,
                           shape=tuple(shape), nodata=nodata, read=lambda _index: values,
                           variable=str(band))


def parse_outside(outside) -> float | str:
    """The outside policy: "error", "drop", or a finite fill value; anything else a UserError."""
    if isinstance(outside, str) and outside.strip().lower() in ("error", "drop"):
        return outside.strip().lower()
    try:
        value = float(outside)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise UserError(f"outside={outside!r} is not a policy; use outside=error (stop), "
                        f"outside=drop (drop choices without a value) or outside=VALUE (a number)")
    return value


def _unique_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, y) and each row's index into them (hashing, O(n): many rows share a cell)."""
    x_code, x_values = pd.factorize(x, use_na_sentinel=False)
    y_code, y_values = pd.factorize(y, use_na_sentinel=False)
    codes, pairs = pd.factorize(x_code.astype(np.int64) * len(y_values) + y_code)
    return (np.asarray(x_values, dtype=float)[pairs // len(y_values)],
            np.asarray(y_values, dtype=float)[pairs % len(y_values)], codes.astype(np.int64))


def sample_covariates(covariates, x, y, times, *, crs: str,
                      outside="error") -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Values of each covariate at points (x, y) in `crs`, and the mask of points kept.

    `times` (one per point) picks each time-sliced raster's slice; it may be None when all
    are static. Points are transformed once per distinct raster CRS and each distinct
    (point, slice) is sampled once. `outside` says what a point without a value (outside
    the raster or on nodata) does: "error" (a UserError), "drop" (kept False, value NaN)
    or a number (filled with it).
    """
    policy = parse_outside(outside)
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x has {x.size} points, y {y.size}")
    ux, uy, point = _unique_points(x, y)
    slices_needed = any(cov.times is not None for cov in covariates)
    if slices_needed:
        if times is None:
            raise ValueError("time-sliced covariates need one time per point")
        times = as_datetime64(times).ravel()
        if times.shape != x.shape:
            raise ValueError(f"{times.size} times for {x.size} points")
    projected: dict[object, tuple[np.ndarray, np.ndarray]] = {}
    values, keep = {}, np.ones(x.shape, dtype=bool)
    for cov in covariates:
        key = parse_crs(cov.crs)
        if key not in projected:
            projected[key] = transform(ux, uy, crs, cov.crs)
        px, py = projected[key]
        if cov.times is None:
            column = cov.sample(px, py)[point]
        else:
            slices = cov.slice_index(times)
            codes, pairs = pd.factorize(point * cov.n_slices + slices)
            pair_point, pair_slice = pairs // cov.n_slices, pairs % cov.n_slices
            column = cov.sample(px[pair_point], py[pair_point], pair_slice)[codes]
        missing = np.isnan(column)
        if missing.any():
            if policy == "error":
                raise UserError(_outside_message(cov, x, y, crs, missing, px[point], py[point]))
            if policy == "drop":
                keep &= ~missing
            else:
                column[missing] = policy
        values[cov.name] = column
    return values, keep


def _outside_message(cov: RasterCovariate, x, y, crs: str, missing, px, py) -> str:
    rows, _ = cov.pixel_of(px, py)
    n_out = int((missing & (rows < 0)).sum())
    first = int(np.flatnonzero(missing)[0])
    where = f"e.g. x={_num(x[first])}, y={_num(y[first])} in {crs_label(crs)}"
    if parse_crs(crs) != parse_crs(cov.crs):
        where += f" (x={_num(px[first])}, y={_num(py[first])} in {cov.crs_label})"
    return (f"covariate {cov.name!r} has no value at {int(missing.sum())} of {missing.size} "
            f"choice points ({n_out} outside the raster, {int(missing.sum()) - n_out} on "
            f"nodata), {where}; {cov.covers()}; {OUTSIDE_HINT}")
