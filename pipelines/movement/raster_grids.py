"""netCDF and zarr grids (xarray) for `RasterCovariate`s: axes, CRS, time slices, checked.

Gridded model output (ocean temperature, reanalysis, NDVI composites) comes as a variable
with dims (time?, y|lat, x|lon) and 1-D coordinates at pixel centres, either axis ascending
or descending. Its pixel grid is rebuilt as an affine map from those centres, so sampling
goes through the same half-open pixel lookup as a GeoTIFF. Slices are read lazily, one at
a time, when a point first needs them: a multi-year daily stack need not fit in memory.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.movement.crs import parse_crs
from tflab.errors import UserError

Y_NAMES = ("y", "lat", "latitude")
X_NAMES = ("x", "lon", "longitude")
LATLON_NAMES = {("lat", "lon"), ("latitude", "longitude")}
CRS_VARIABLES = ("spatial_ref", "crs")  # where rioxarray and many CF writers keep the CRS


def open_gridded(name: str, file: Path, variable: str | None) -> dict:
    """A netCDF file or zarr folder opened lazily, its variable checked and located: the
    fields of a `rasters.RasterCovariate` (built there, so the import points one way)."""
    dataset = _open_dataset(name, file)
    var = _pick_variable(name, file, dataset, variable)
    what = f"covariate {name!r} ({file.name}#{var.name})"
    time_dim, y_dim, x_dim = _dims(what, var)
    for extra in set(var.dims) - {time_dim, y_dim, x_dim}:
        var = var.isel({extra: 0})  # only size-1 extras reach here (checked in _dims)
    var = var.transpose(*[d for d in (time_dim, y_dim, x_dim) if d is not None])
    affine, shape = _grid(what, var, y_dim, x_dim)
    crs = _crs(what, dataset, var, y_dim, x_dim)
    times = _times(what, var, time_dim) if time_dim is not None else None

    def read(index: int) -> np.ndarray:
        piece = var.isel({time_dim: index}) if time_dim is not None else var
        return np.asarray(piece.values, dtype=np.float64)

    fill = var.encoding.get("_FillValue", var.encoding.get("missing_value"))
    return dict(name=name, path=str(file), crs=crs, times=times, transform=affine,
                shape=shape, nodata=None if fill is None else float(fill), read=read,
                variable=str(var.name))


def _open_dataset(name: str, file: Path):
    import importlib.util

    import xarray

    zarr = file.is_dir()
    if zarr and importlib.util.find_spec("zarr") is None:
        raise UserError(f"covariate {name!r}: reading {file.name} needs the zarr package; "
                        f"pip install zarr (or convert it to netCDF)")
    try:
        return xarray.open_dataset(file, engine="zarr" if zarr else None)
    except (OSError, ValueError) as err:
        raise UserError(f"covariate {name!r}: xarray cannot read {str(file)!r} "
                        f"({' '.join(str(err).split())[:200]}); check it is a "
                        f"{'zarr store' if zarr else 'netCDF file'}") from None


def _pick_variable(name: str, file: Path, dataset, variable: str | None):
    gridded = [v for v, arr in dataset.data_vars.items() if arr.ndim >= 2]
    if variable is None:
        if name in dataset.data_vars:
            variable = name
        elif len(gridded) == 1:
            variable = gridded[0]
        else:
            raise UserError(f"covariate {name!r}: {file.name} has variables "
                            f"{', '.join(map(str, gridded)) or '(none gridded)'}; name one as "
                            f"{name}:{file}#VARIABLE")
    if variable not in dataset.data_vars:
        raise UserError(f"covariate {name!r}: {file.name} has no variable {variable!r}; its "
                        f"variables are {', '.join(map(str, gridded)) or '(none gridded)'}")
    return dataset[variable]


def _dims(what: str, var) -> tuple[str | None, str, str]:
    time_dim = y_dim = x_dim = None
    for dim in var.dims:
        low = str(dim).lower()
        coord = var.coords.get(dim)
        if low in Y_NAMES and y_dim is None:
            y_dim = dim
        elif low in X_NAMES and x_dim is None:
            x_dim = dim
        elif time_dim is None and (low in ("time", "t") or (
                coord is not None and np.issubdtype(coord.dtype, np.datetime64))):
            time_dim = dim
        elif var.sizes[dim] != 1:
            raise UserError(f"{what} has dims {', '.join(map(str, var.dims))}; expected "
                            f"(time?, y|lat, x|lon) — select or average the extra dim "
                            f"{dim!r} (size {var.sizes[dim]}) first")
    if y_dim is None or x_dim is None:
        raise UserError(f"{what} has dims {', '.join(map(str, var.dims))}; expected a y (or "
                        f"lat/latitude) and an x (or lon/longitude) dim; rename them")
    return time_dim, y_dim, x_dim


def _axis(what: str, var, dim) -> tuple[float, float]:
    """(first centre, step) of a regular 1-D coordinate."""
    if dim not in var.coords or var.coords[dim].ndim != 1:
        raise UserError(f"{what}: dim {dim!r} has no 1-D coordinate values; write the pixel "
                        f"centres as a coordinate variable (curvilinear grids need regridding)")
    values = np.asarray(var.coords[dim].values, dtype=float)
    if values.size < 2:
        raise UserError(f"{what}: dim {dim!r} has {values.size} value(s); a grid needs at "
                        f"least 2 pixels along each axis to know their size")
    steps = np.diff(values)
    step = (values[-1] - values[0]) / (values.size - 1)
    if step == 0 or not np.allclose(steps, step, rtol=1e-5, atol=0):
        raise UserError(f"{what}: coordinate {dim!r} is not evenly spaced (steps "
                        f"{steps.min():.6g}..{steps.max():.6g}); regrid it to a regular grid")
    return float(values[0]), float(step)


def _grid(what: str, var, y_dim, x_dim):
    from rasterio.transform import Affine

    x0, dx = _axis(what, var, x_dim)
    y0, dy = _axis(what, var, y_dim)
    affine = Affine(dx, 0.0, x0 - dx / 2, 0.0, dy, y0 - dy / 2)  # corner of pixel (0, 0)
    return affine, (int(var.sizes[y_dim]), int(var.sizes[x_dim]))


def _crs(what: str, dataset, var, y_dim, x_dim) -> str:
    names = [var.attrs.get("grid_mapping"), var.encoding.get("grid_mapping"), *CRS_VARIABLES]
    for gm in (n for n in names if n and n in dataset.variables):
        attrs = dataset[gm].attrs
        text = attrs.get("crs_wkt") or attrs.get("spatial_ref")
        if text:
            parse_crs(text, what=f"{what} grid mapping {gm!r}")
            return _short(parse_crs(text))
        if "grid_mapping_name" in attrs:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                return _short(CRS.from_cf(dict(attrs)))
            except CRSError:
                raise UserError(f"{what}: grid mapping {gm!r} is not a CF projection pyproj "
                                f"knows; add a crs_wkt attribute to it") from None
    if (str(y_dim).lower(), str(x_dim).lower()) in LATLON_NAMES:
        return "EPSG:4326"  # lat/lon axes with no CRS written: the CF default, WGS 84
    raise UserError(f"{what} has no CRS (no grid_mapping variable with crs_wkt); write one "
                    f"(e.g. rioxarray: ds.rio.write_crs('EPSG:NNNN')), or name the axes lat/lon "
                    f"if it is a WGS 84 lat/lon grid")


def _short(crs) -> str:
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()


def _times(what: str, var, dim) -> np.ndarray:
    coord = var.coords.get(dim)
    if coord is None:
        raise UserError(f"{what}: time dim {dim!r} has no time values; write them as a "
                        f"coordinate with CF units (e.g. 'days since 2000-01-01')")
    if np.issubdtype(coord.dtype, np.datetime64):
        times = np.asarray(coord.values, dtype="datetime64[ns]")
    else:
        try:  # cftime calendars (noleap, 360_day) that map onto real dates
            times = np.asarray(var.indexes[dim].to_datetimeindex(), dtype="datetime64[ns]")
        except (AttributeError, ValueError, TypeError):
            raise UserError(f"{what}: time coordinate {dim!r} is not decodable as dates "
                            f"(dtype {coord.dtype}); give it CF units such as "
                            f"'hours since 2000-01-01'") from None
    if np.isnat(times).any():
        raise UserError(f"{what}: time coordinate {dim!r} has missing values; fill or drop them")
    steps = np.diff(times)
    if (steps <= np.timedelta64(0, "ns")).any():
        at = int(np.flatnonzero(steps <= np.timedelta64(0, "ns"))[0])
        raise UserError(f"{what}: time axis is not increasing ({times[at]} then "
                        f"{times[at + 1]} at positions {at}, {at + 1}); sort it "
                        f"(ds.sortby('time')) and drop duplicate times")
    return times
