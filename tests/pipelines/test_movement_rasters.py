"""GeoTIFF covariates: pixel lookup against hand-computed pixels, CRS, outside policy, specs.

Every raster here is a real file written with rasterio in tmp_path; the expected values are
worked out by hand from the grid below, not by the code under test.
"""
import importlib.util
import sys

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import Affine

from pipelines.movement import rasters
from pipelines.movement.bundled import DATA_FILES, deepssf_data_dir
from pipelines.movement.rasters import (open_covariates, parse_covariate_specs, parse_outside,
                                        sample_covariates)
from tflab.errors import UserError

# 3 rows x 4 cols of 10 m x 20 m pixels, top-left corner (500000, 4000000), UTM 33N.
X0, Y0, W, H = 500_000.0, 4_000_000.0, 10.0, 20.0
GRID = np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5 + 1.0  # [r, c] = 1 + 1.5 (4r + c)
NODATA = -9999.0


def write_tif(path, data, *, x0=X0, y0=Y0, w=W, h=H, crs="EPSG:32633", nodata=None):
    profile = dict(driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                   dtype=str(data.dtype), transform=Affine(w, 0.0, x0, 0.0, -h, y0), nodata=nodata)
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


@pytest.fixture
def grid_tif(tmp_path):
    data = GRID.copy()
    data[1, 2] = NODATA
    return write_tif(tmp_path / "grid.tif", data, nodata=NODATA)


@pytest.fixture
def grid(grid_tif):
    (cov,) = open_covariates(f"g:{grid_tif}")
    return cov


def value(r, c):
    return 1.0 + 1.5 * (4 * r + c)


def test_geotiff_geometry(grid):
    assert grid.shape == (3, 4) and grid.pixel_size == (10.0, 20.0)
    assert grid.crs == "EPSG:32633" and grid.times is None and grid.nodata == NODATA
    assert grid.bounds() == (X0, X0 + 40, Y0 - 60, Y0)
    x, y = grid.pixel_centre(np.array([0, 2]), np.array([0, 3]))
    np.testing.assert_array_equal(x, [X0 + 5, X0 + 35])
    np.testing.assert_array_equal(y, [Y0 - 10, Y0 - 50])


@pytest.mark.parametrize("x, y, expected", [
    (X0 + 5, Y0 - 10, value(0, 0)),     # inside the first pixel
    (X0 + 10, Y0 - 10, value(0, 1)),    # on the edge between columns 0 and 1: the right one
    (X0 + 5, Y0 - 20, value(1, 0)),     # on the edge between rows 0 and 1: the lower one
    (X0, Y0, value(0, 0)),              # the raster's top-left corner is inside
    (X0 + 39.9, Y0 - 59.9, value(2, 3)),  # last row, last column
    (X0 + 25, Y0 - 30, np.nan),         # the nodata pixel (1, 2)
    (X0 + 40, Y0 - 10, np.nan),         # the right edge of the raster is outside
    (X0 + 5, Y0 - 60, np.nan),          # so is the bottom edge
    (X0 - 0.01, Y0 - 10, np.nan),
    (X0 + 5, Y0 + 0.01, np.nan),
])
def test_sample_matches_hand_computed_pixels(grid, x, y, expected):
    got = grid.sample(np.array([x]), np.array([y]))
    np.testing.assert_array_equal(got, [expected])


def test_mask_band_pixels_are_nan(tmp_path):
    path = write_tif(tmp_path / "masked.tif", GRID)
    with rasterio.open(path, "r+") as dst:
        mask = np.full(GRID.shape, 255, np.uint8)
        mask[2, 0] = 0
        dst.write_mask(mask)
    (cov,) = open_covariates(f"m:{path}")
    np.testing.assert_array_equal(cov.sample([X0 + 5, X0 + 15], [Y0 - 50, Y0 - 50]),
                                  [np.nan, value(2, 1)])


def test_pixel_of_is_minus_one_outside(grid):
    rows, cols = grid.pixel_of([X0 + 35, X0 + 41, np.nan], [Y0 - 50, Y0 - 50, Y0 - 50])
    assert rows.tolist() == [2, -1, -1] and cols.tolist() == [3, -1, -1]
    assert rows.dtype == np.int64 and cols.dtype == np.int64


def test_points_in_lonlat_sample_the_utm_pixel_pyproj_puts_them_in(tmp_path):
    rows, cols = 50, 60
    data = np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)
    x0, y0 = 500_000.0, 5_000_000.0
    tif = write_tif(tmp_path / "utm.tif", data, x0=x0, y0=y0, w=100, h=100)
    (cov,) = open_covariates(f"h:{tif}")
    rng = np.random.default_rng(3)
    ex = x0 + rng.uniform(1, 5999, 200)
    ey = y0 - rng.uniform(1, 4999, 200)
    lon, lat = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True).transform(ex, ey)
    # expected pixel from the pyproj round trip of the lon/lat points, by hand
    bx, by = Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True).transform(lon, lat)
    expected = data[np.floor((y0 - by) / 100).astype(int), np.floor((bx - x0) / 100).astype(int)]
    values, keep = sample_covariates([cov], lon, lat, None, crs="EPSG:4326")
    np.testing.assert_array_equal(values["h"], expected)
    assert keep.all() and 14 < lon.mean() < 16 and 44 < lat.mean() < 46


def test_outside_error_names_count_example_extent_and_fixes(grid):
    x = np.array([X0 + 5, X0 + 25, X0 + 100, X0 + 5])
    y = np.array([Y0 - 10, Y0 - 30, Y0 - 10, Y0 - 10])
    with pytest.raises(UserError) as err:
        sample_covariates([grid], x, y, None, crs="EPSG:32633")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("covariate 'g' has no value at 2 of 4 choice points (1 outside "
                              "the raster, 1 on nodata), e.g. x=500025, y=3999970 in EPSG:32633;")
    assert "the raster covers x 500000..500040, y 3999940..4000000 in EPSG:32633" in message
    assert "outside=drop" in message and "outside=VALUE" in message and "max_km" in message


def test_outside_drop_and_fill(grid):
    x = np.array([X0 + 5, X0 + 25, X0 + 100])
    y = np.array([Y0 - 10, Y0 - 30, Y0 - 10])
    values, keep = sample_covariates([grid], x, y, None, crs="EPSG:32633", outside="drop")
    assert keep.tolist() == [True, False, False]
    np.testing.assert_array_equal(values["g"], [value(0, 0), np.nan, np.nan])
    values, keep = sample_covariates([grid], x, y, None, crs="EPSG:32633", outside="-2.5")
    assert keep.all()
    np.testing.assert_array_equal(values["g"], [value(0, 0), -2.5, -2.5])


@pytest.mark.parametrize("policy", ["ignore", "nan", "", "inf", None])
def test_bad_outside_policy_is_a_user_error(grid, policy):
    with pytest.raises(UserError, match=r"is not a policy; use outside=error"):
        sample_covariates([grid], [X0 + 5], [Y0 - 5], None, crs="EPSG:32633", outside=policy)
    assert parse_outside(" Drop ") == "drop" and parse_outside("3") == 3.0


def test_drop_combines_covariates_and_keeps_others_values(tmp_path, grid):
    other = write_tif(tmp_path / "small.tif", np.ones((1, 1), np.float32), w=10, h=20)
    covs = [grid] + open_covariates(f"s:{other}")
    values, keep = sample_covariates(covs, [X0 + 5, X0 + 15], [Y0 - 5, Y0 - 5], None,
                                     crs="EPSG:32633", outside="drop")
    assert keep.tolist() == [True, False]
    np.testing.assert_array_equal(values["g"], [value(0, 0), value(0, 1)])
    np.testing.assert_array_equal(values["s"], [1.0, np.nan])


def test_each_distinct_point_is_sampled_once_and_transformed_once_per_crs(grid, monkeypatch):
    calls, transforms = [], []
    real_sample, real_transform = grid.sample, rasters.transform
    grid.sample = lambda x, y, s=None: (calls.append(len(x)), real_sample(x, y, s))[1]
    monkeypatch.setattr(rasters, "transform",
                        lambda x, *a: (transforms.append(len(x)), real_transform(x, *a))[1])
    distinct_x = X0 + np.array([5, 15, 25.5, 35, 5, 15, 35])
    distinct_y = Y0 - np.array([10, 10, 10, 10, 50, 50, 50])
    pick = np.random.default_rng(0).integers(0, 7, 1000)
    twin = dataclass_copy(grid)
    values, _ = sample_covariates([grid, twin], distinct_x[pick], distinct_y[pick], None,
                                  crs="EPSG:32633", outside="drop")
    assert calls == [7] and transforms == [7]
    direct = real_sample(distinct_x, distinct_y)
    np.testing.assert_array_equal(values["g"], direct[pick])
    np.testing.assert_array_equal(values["g2"], direct[pick])


def dataclass_copy(cov):
    import dataclasses

    return dataclasses.replace(cov, name="g2")


@pytest.mark.parametrize("text, expected", [
    ("ndvi:path/ndvi.tif,sst:data/o.nc#analysed_sst",
     [("ndvi", "path/ndvi.tif", None), ("sst", "data/o.nc", "analysed_sst")]),
    (" a : x.tif , ", [("a", "x.tif", None)]),
    ("", []),
    ("w:C:/maps/w.tif#2", [("w", "C:/maps/w.tif", "2")]),
])
def test_parse_covariate_specs(text, expected):
    assert parse_covariate_specs(text) == expected


@pytest.mark.parametrize("text, message", [
    ("ndvi.tif", r"covariate spec 'ndvi.tif' is not NAME:PATH"),
    (":ndvi.tif", r"covariate spec ':ndvi.tif' is not NAME:PATH"),
    ("ndvi:", r"covariate spec 'ndvi:' is not NAME:PATH"),
    ("ndvi-2005:n.tif", r"covariate name 'ndvi-2005' is not an identifier .* 'ndvi_2005'"),
    ("2ndvi:n.tif", r"covariate name '2ndvi' is not an identifier"),
    ("a:x.tif,a:y.tif", r"covariate name 'a' is given twice"),
])
def test_bad_specs_are_one_line_user_errors(text, message):
    with pytest.raises(UserError, match=message) as err:
        parse_covariate_specs(text)
    assert "\n" not in str(err.value)


def test_file_errors(tmp_path, grid_tif):
    with pytest.raises(UserError, match=r"covariate 'a': file 'nowhere.tif' not found"):
        open_covariates("a:nowhere.tif")
    (tmp_path / "a.csv").write_text("x\n")
    with pytest.raises(UserError, match=r"unknown extension '.csv'.*GeoTIFF \(.tif, .tiff\)"):
        open_covariates(f"a:{tmp_path / 'a.csv'}")
    no_crs = write_tif(tmp_path / "nocrs.tif", GRID, crs=None)
    with pytest.raises(UserError, match=r"has no CRS; write one into the file \(e.g. "
                                        r"gdal_edit.py -a_srs EPSG:NNNN nocrs.tif\)"):
        open_covariates(f"a:{no_crs}")
    with pytest.raises(UserError, match=r"has bands 1..1, not '2'"):
        open_covariates(f"a:{grid_tif}#2")
    (tmp_path / "junk.tif").write_bytes(b"not a tiff")
    with pytest.raises(UserError, match=r"rasterio cannot read .*junk.tif"):
        open_covariates(f"a:{tmp_path / 'junk.tif'}")


def test_missing_geo_extra_names_the_install(grid_tif, monkeypatch):
    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "rasterio":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    for module in [m for m in sys.modules if m.split(".")[0] == "rasterio"]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(sys, "meta_path", [Refuse(), *sys.meta_path])
    with pytest.raises(UserError, match=r"covariate 'g': reading grid.tif needs rasterio, "
                                        r"which is not installed; run pip install -e '.\[geo\]'"):
        open_covariates(f"g:{grid_tif}")


def test_deepssf_data_dir_finds_the_folder_without_importing(tmp_path, monkeypatch):
    package = tmp_path / "deepssf"
    (package / "datasets" / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('importing deepssf pulls torch')\n")
    for name in DATA_FILES[:2]:
        (package / "datasets" / "data" / name).write_text("x")
    monkeypatch.delitem(sys.modules, "deepssf", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert deepssf_data_dir() is None  # the slope raster is missing
    (package / "datasets" / "data" / DATA_FILES[2]).write_text("x")
    assert deepssf_data_dir() == package / "datasets" / "data"
    assert "deepssf" not in sys.modules


def test_real_deepssf_rasters():
    if importlib.util.find_spec("deepssf") is None:
        pytest.skip("deepssf is not installed (pip install --no-deps deepssf)")
    folder = deepssf_data_dir()
    assert folder is not None
    ndvi, slope = open_covariates(f"ndvi:{folder / 'ndvi_2005.tif'},"
                                  f"slope:{folder / 'slope_2005.tif'}")
    for cov in (ndvi, slope):
        assert cov.shape == (758, 1175) and cov.pixel_size == (25.0, 25.0)
        assert cov.crs == "EPSG:3112"
        assert cov.bounds() == (26025.0, 55400.0, -1445925.0, -1426975.0)
    x, y = ndvi.pixel_centre(np.array([400]), np.array([600]))
    values, keep = sample_covariates([ndvi, slope], x, y, None, crs="EPSG:3112")
    with rasterio.open(folder / "ndvi_2005.tif") as src:
        direct = float(src.read(1)[400, 600])
        assert src.index(x[0], y[0]) == (400, 600)
    assert values["ndvi"][0] == direct and keep.all()
    assert "deepssf" not in sys.modules and "torch" not in sys.modules
