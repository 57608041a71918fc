"""netCDF covariates: axis orientation, CRS found or assumed, time slices in force, errors.

Every grid is a real netCDF file written with xarray (netCDF4) in tmp_path.
"""
import importlib.util

import numpy as np
import pytest
import xarray as xr
from pyproj import CRS, Transformer

from pipelines.movement.rasters import open_covariates, sample_covariates
from tflab.errors import UserError

LAT = np.array([10.5, 11.5, 12.5])          # pixel centres, 1 degree apart
LON = np.array([20.5, 21.5, 22.5, 23.5])
VALUES = 10.0 * np.arange(3)[:, None] + np.arange(4)[None, :]  # [lat index, lon index]


def write_latlon(path, *, descending=False, name="sst", lon=LON, extra=None):
    lat, values = (LAT[::-1], VALUES[::-1]) if descending else (LAT, VALUES)
    data = {name: (("lat", "lon"), values)}
    data.update(extra or {})
    xr.Dataset(data, coords={"lat": lat, "lon": lon}).to_netcdf(path)
    return path


@pytest.mark.parametrize("descending", [False, True])
def test_latlon_grid_either_orientation_samples_the_same_pixels(tmp_path, descending):
    (cov,) = open_covariates(f"sst:{write_latlon(tmp_path / 'g.nc', descending=descending)}")
    assert cov.crs == "EPSG:4326" and cov.shape == (3, 4) and cov.pixel_size == (1.0, 1.0)
    assert cov.times is None
    lon = np.array([21.2, 20.0, 23.99, 22.5, 24.0, 21.0, 21.0])
    lat = np.array([12.9, 13.0, 12.5, 11.0, 11.0, 9.99, 10.0])
    # lon 21.2 → lon index 1, lat 12.9 → lat index 2; the north-west corner (20, 13) is
    # inside; on edges the east/south pixel: lon 22.5 → lon index 2, lat 11.0 → lat index 0;
    # the east (lon 24) and south (lat 10) edges are outside, whatever the storage order
    expected = [21.0, 20.0, 23.0, 2.0, np.nan, np.nan, np.nan]
    np.testing.assert_array_equal(cov.sample(lon, lat), expected)
    values, keep = sample_covariates([cov], lon, lat, None, crs="EPSG:4326", outside="drop")
    np.testing.assert_array_equal(values["sst"], expected)
    assert keep.tolist() == [True] * 4 + [False] * 3


def test_longitudes_wrap_on_a_0_to_360_grid(tmp_path):
    (cov,) = open_covariates(f"sst:{write_latlon(tmp_path / 'g.nc', lon=LON + 180)}")
    np.testing.assert_array_equal(cov.sample([-158.5, 201.5], [11.2, 11.2]), [11.0, 11.0])


def test_fill_values_are_nan(tmp_path):
    path = tmp_path / "f.nc"
    values = VALUES.copy()
    values[1, 1] = -999.0
    ds = xr.Dataset({"t": (("latitude", "longitude"), values)},
                    coords={"latitude": LAT, "longitude": LON})
    ds["t"].attrs["_FillValue"] = -999.0
    ds.to_netcdf(path)
    (cov,) = open_covariates(f"t:{path}")
    np.testing.assert_array_equal(cov.sample([21.5, 20.5], [11.5, 11.5]), [np.nan, 10.0])


def write_stack(path, times, *, crs="EPSG:32633"):
    """Three 2 x 3 slices of 100 m pixels in UTM 33N, y descending; slice k adds 100 k."""
    x = 500_050.0 + 100 * np.arange(3)
    y = 4_000_150.0 - 100 * np.arange(2)
    values = 100.0 * np.arange(len(times))[:, None, None] + np.arange(6).reshape(2, 3)
    ds = xr.Dataset({"temp": (("time", "y", "x"), values, {"grid_mapping": "spatial_ref"})},
                    coords={"time": np.array(times, dtype="datetime64[ns]"), "x": x, "y": y})
    if crs is not None:
        ds["spatial_ref"] = xr.DataArray(0, attrs={"crs_wkt": CRS.from_user_input(crs).to_wkt()})
    ds.to_netcdf(path)
    return path


TIMES = ["2020-01-01", "2020-01-08", "2020-01-15"]


def test_cf_grid_mapping_parameters_give_the_crs(tmp_path):
    """A grid_mapping variable with CF projection parameters only (no WKT) is understood."""
    path = tmp_path / "cf.nc"
    write_stack(path, TIMES[:1], crs=None)
    ds = xr.load_dataset(path).rename({"temp": "v"})
    cf = {k: v for k, v in CRS.from_epsg(32633).to_cf().items() if k != "crs_wkt"}
    ds["lambert"] = xr.DataArray(0, attrs=cf)
    ds["v"].attrs["grid_mapping"] = "lambert"
    ds.to_netcdf(tmp_path / "cf2.nc")
    (cov,) = open_covariates(f"v:{tmp_path / 'cf2.nc'}")
    assert CRS.from_user_input(cov.crs).equals(CRS.from_epsg(32633), ignore_axis_order=True)
    # centres of pixels (row 1, col 1) = 4 and (row 0, col 2) = 2, given in lon/lat
    lon, lat = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True).transform(
        [500_150.0, 500_250.0], [4_000_050.0, 4_000_150.0])
    when = np.array(["2020-01-02"] * 2, dtype="datetime64[ns]")
    values, keep = sample_covariates([cov], lon, lat, when, crs="EPSG:4326")
    np.testing.assert_array_equal(values["v"], [4.0, 2.0])


def test_time_slice_in_force(tmp_path):
    (cov,) = open_covariates(f"temp:{write_stack(tmp_path / 's.nc', TIMES)}")
    assert cov.crs == "EPSG:32633" and cov.shape == (2, 3) and cov.pixel_size == (100.0, 100.0)
    np.testing.assert_array_equal(cov.times, np.array(TIMES, dtype="datetime64[ns]"))
    when = np.array(["2020-01-01T00:00", "2020-01-07T23:59", "2020-01-08", "2021-06-01"],
                    dtype="datetime64[ns]")
    assert cov.slice_index(when).tolist() == [0, 0, 1, 2]
    # (500 150, 4 000 150) is pixel row 0, col 1 (value 1); (500 250, 4 000 050) row 1, col 2 (5)
    x = np.array([500_150.0, 500_150.0, 500_250.0, 500_150.0])
    y = np.array([4_000_150.0, 4_000_150.0, 4_000_050.0, 4_000_150.0])
    values, keep = sample_covariates([cov], x, y, when, crs="EPSG:32633")
    np.testing.assert_array_equal(values["temp"], [1.0, 1.0, 105.0, 201.0])
    assert keep.all()


def test_time_before_the_first_slice_is_a_user_error(tmp_path):
    (cov,) = open_covariates(f"temp:{write_stack(tmp_path / 's.nc', TIMES)}")
    early = np.array(["2019-12-31T23:00", "2020-02-01"], dtype="datetime64[ns]")
    with pytest.raises(UserError, match=r"covariate 'temp' \(.*s.nc\) starts at "
                                        r"2020-01-01T00:00:00 but 1 time\(s\) are earlier "
                                        r"\(first 2019-12-31T23:00:00\)"):
        sample_covariates([cov], [500_150.0] * 2, [4_000_150.0] * 2, early, crs="EPSG:32633")


def test_each_point_and_slice_is_read_once(tmp_path):
    (cov,) = open_covariates(f"temp:{write_stack(tmp_path / 's.nc', TIMES)}")
    reads, points = [], []
    real_read, real_sample = cov.read, cov.sample
    cov.read = lambda i: (reads.append(i), real_read(i))[1]
    cov.sample = lambda x, y, s=None: (points.append(len(x)), real_sample(x, y, s))[1]
    rng = np.random.default_rng(1)
    pick = rng.integers(0, 3, 500)
    when = np.array(["2020-01-02", "2020-01-09"], dtype="datetime64[ns]")[pick % 2]
    x = (500_050.0 + 100 * np.arange(3))[pick]
    values, _ = sample_covariates([cov], x, np.full(500, 4_000_150.0), when, crs="EPSG:32633")
    assert sorted(reads) == [0, 1] and points == [len(set(zip(pick, pick % 2)))]
    np.testing.assert_array_equal(values["temp"], pick + 100.0 * (pick % 2))


def test_variable_choice(tmp_path):
    two = write_latlon(tmp_path / "two.nc", extra={"chl": (("lat", "lon"), -VALUES)})
    (by_name,) = open_covariates(f"sst:{two}")
    (by_hash,) = open_covariates(f"c:{two}#chl")
    assert by_name.variable == "sst" and by_hash.sample([20.5], [10.5])[0] == -0.0
    (only,) = open_covariates(f"anything:{write_latlon(tmp_path / 'one.nc')}")
    assert only.variable == "sst"
    with pytest.raises(UserError, match=r"two.nc has variables sst, chl; name one as "
                                        r"other:.*two.nc#VARIABLE"):
        open_covariates(f"other:{two}")
    with pytest.raises(UserError, match=r"two.nc has no variable 'salt'; its variables are "
                                        r"sst, chl"):
        open_covariates(f"s:{two}#salt")


def test_grid_errors_are_one_line(tmp_path):
    cases = [
        (write_stack(tmp_path / "u.nc", ["2020-01-08", "2020-01-01", "2020-01-15"]),
         r"time axis is not increasing .* sort it"),
        (write_stack(tmp_path / "n.nc", TIMES, crs=None),
         r"has no CRS \(no grid_mapping variable with crs_wkt\); write one"),
    ]
    irregular = tmp_path / "i.nc"
    xr.Dataset({"v": (("lat", "lon"), VALUES)},
               coords={"lat": LAT, "lon": [20.5, 21.5, 23.5, 24.5]}).to_netcdf(irregular)
    cases.append((irregular, r"coordinate 'lon' is not evenly spaced"))
    extra = tmp_path / "e.nc"
    xr.Dataset({"v": (("depth", "lat", "lon"), np.stack([VALUES, VALUES]))},
               coords={"lat": LAT, "lon": LON}).to_netcdf(extra)
    cases.append((extra, r"extra dim 'depth' \(size 2\)"))
    for path, message in cases:
        with pytest.raises(UserError, match=message) as err:
            open_covariates(f"temp:{path}")
        assert "\n" not in str(err.value)


def test_zarr_store(tmp_path):
    store = tmp_path / "g.zarr"
    if importlib.util.find_spec("zarr") is None:
        store.mkdir()
        (store / ".zgroup").write_text('{"zarr_format": 2}')
        with pytest.raises(UserError, match=r"needs the zarr package; pip install zarr"):
            open_covariates(f"sst:{store}")
        return
    xr.Dataset({"sst": (("lat", "lon"), VALUES)}, coords={"lat": LAT, "lon": LON}).to_zarr(store)
    (cov,) = open_covariates(f"sst:{store}")
    assert cov.sample([21.2], [12.9])[0] == 21.0
