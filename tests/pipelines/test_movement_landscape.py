"""The GPS-scale known-truth simulator, checked through the files it writes.

The recovery test rebuilds every decision from tracks.csv and habitat.tif alone (bursts
from the fix times, pixels from the GeoTIFF's transform, choice sets from `pixel_window`)
and fits statsmodels' conditional logit: an independent check that the files carry the
truth the simulator claims.
"""
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from pipelines.movement import crs as crs_lib
from pipelines.movement.kernel import cos_turn, log_step_km
from pipelines.movement.pixels import pixel_window, step_heading
from pipelines.movement.simulator.landscape import (TRUE_COEFFICIENTS, build_parser,
                                                    make_landscape, simulate_tracks,
                                                    write_dataset)
from tests.cli import run_cli
from tests.oracles import conditional_logit
from tflab.errors import UserError

HOUR = pd.Timedelta("1h")
TOLERANCE = pd.Timedelta("10min")
SMALL = dict(n_individuals=20, n_steps=100, max_km=0.5)
ALTERNATIVES = 20  # sampled non-chosen candidates per decision


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("gps")
    truth = write_dataset(out, seed=3, **SMALL)
    return out, truth


def read_tracks(out_dir, raster_crs):
    """Fixes with projected x, y in the raster's CRS, sorted, with a burst id."""
    tracks = pd.read_csv(out_dir / "tracks.csv")
    tracks["time"] = pd.to_datetime(tracks["time"], utc=True)
    if "lat" in tracks:
        x, y = crs_lib.transform(tracks["lon"], tracks["lat"], crs_lib.LONLAT, raster_crs)
        tracks = tracks.assign(x=x, y=y)
    tracks = tracks.sort_values(["individual", "time"], kind="stable").reset_index(drop=True)
    new_individual = tracks["individual"].diff().fillna(1).ne(0)
    dt = tracks["time"].diff()
    in_step = (~new_individual) & ((dt - HOUR).abs() <= TOLERANCE)
    return tracks.assign(burst=(~in_step).cumsum(), dt=dt, new_individual=new_individual)


def rebuild_decisions(out_dir):
    """(features [decisions, 1 + ALTERNATIVES, 4] in TRUE_COEFFICIENTS' order, the chosen
    pixel first; truth), from the files only."""
    truth = json.loads((out_dir / "truth.json").read_text())
    with rasterio.open(out_dir / "habitat.tif") as src:
        habitat, transform, raster_crs = src.read(1).astype(float), src.transform, str(src.crs)
    tracks = read_tracks(out_dir, raster_crs)
    col = np.floor((tracks["x"].to_numpy() - transform.c) / transform.a).astype(int)
    row = np.floor((tracks["y"].to_numpy() - transform.f) / transform.e).astype(int)
    x, y, burst = tracks["x"].to_numpy(), tracks["y"].to_numpy(), tracks["burst"].to_numpy()
    origin = np.flatnonzero(burst[:-1] == burst[1:])  # fix k → k+1 inside one burst
    has_previous = (origin > 0) & (burst[origin - 1] == burst[origin])
    previous = np.where(has_previous, step_heading(x[origin - 1], y[origin - 1], x[origin],
                                                   y[origin]), np.nan)
    win = pixel_window(transform.a / 1000, -transform.e / 1000, truth["max_km"], truth["window"])
    r, c = row[origin, None] + win.drow, col[origin, None] + win.dcol
    inside = (r >= 0) & (r < habitat.shape[0]) & (c >= 0) & (c < habitat.shape[1])
    chosen = (r == row[origin + 1, None]) & (c == col[origin + 1, None])
    assert (chosen & inside).sum(axis=1).tolist() == [1] * len(origin)  # in its choice set
    shape = r.shape
    distance = np.broadcast_to(win.distance_km, shape)
    features = np.stack([distance, log_step_km(distance, win.spacing_km),
                         cos_turn(np.broadcast_to(win.heading, shape), previous[:, None],
                                  distance),
                         habitat[np.clip(r, 0, habitat.shape[0] - 1),
                                 np.clip(c, 0, habitat.shape[1] - 1)]], axis=-1)
    # the chosen pixel plus ALTERNATIVES drawn uniformly from the rest of the choice set:
    # McFadden's uniform conditioning keeps the conditional logit consistent, and
    # statsmodels' per-group recursion stays fast on small groups
    keys = np.where(inside & ~chosen, np.random.default_rng(0).random(shape), np.inf)
    slots = np.concatenate([np.argmax(chosen, axis=1)[:, None],
                            np.argsort(keys, axis=1)[:, :ALTERNATIVES]], axis=1)
    assert np.isfinite(np.take_along_axis(keys, slots[:, 1:], axis=1)).all()
    return features[np.arange(len(origin))[:, None], slots], truth


def test_conditional_logit_recovers_the_truth_from_the_files(small_dataset):
    from statsmodels.discrete.conditional_models import ConditionalLogit

    out, _ = small_dataset
    features, truth = rebuild_decisions(out)  # chosen in slot 0
    decisions, slots, width = features.shape
    assert decisions == truth["counts"]["decisions"]
    assert truth["features"] == list(TRUE_COEFFICIENTS)
    assert truth["coefficients"] == TRUE_COEFFICIENTS
    beta = np.array(list(TRUE_COEFFICIENTS.values()))
    # statsmodels' BFGS from zero needs ~50 slow evaluations; the exact Newton oracle
    # gives it a warm start, and the two solvers must agree
    newton, _ = conditional_logit(SimpleNamespace(
        features=features, mask=np.ones((decisions, slots), bool),
        selected=np.zeros(decisions, int), num_decisions=decisions))
    selected = np.zeros((decisions, slots))
    selected[:, 0] = 1
    fit = ConditionalLogit(selected.ravel(), features.reshape(-1, width),
                           groups=np.repeat(np.arange(decisions), slots)).fit(
        start_params=newton, maxiter=500)
    np.testing.assert_allclose(fit.params, newton, atol=0.02 * fit.bse.min())
    z = (fit.params - beta) / fit.bse
    assert np.all(np.abs(z) < 4), (fit.params, fit.bse)
    assert np.all(fit.bse < np.abs(beta) / 3)  # the data are informative about every term


def test_bursts_and_fix_times(small_dataset):
    out, truth = small_dataset
    tracks = read_tracks(out, truth["crs"])
    dt = tracks.loc[~tracks["new_individual"], "dt"]
    within = (dt - HOUR).abs() <= TOLERANCE
    assert (dt[~within] > HOUR + TOLERANCE).all() and (dt[~within] > pd.Timedelta("2h50min")
                                                       ).all()
    nominal = tracks["time"].dt.round("1h")
    assert ((tracks["time"] - nominal).abs() < pd.Timedelta("5min")).all()
    assert (tracks["time"] - nominal).abs().max() > pd.Timedelta("3min")  # jitter is there
    sizes = tracks.groupby("burst").size()
    last = tracks.groupby("individual")["burst"].max()
    assert sizes.drop(last.to_numpy()).between(20, 100).all()
    counts = truth["counts"]
    assert tracks["burst"].nunique() == counts["bursts"] > SMALL["n_individuals"]
    assert len(tracks) - counts["bursts"] == counts["decisions"] and len(tracks) == counts["fixes"]
    assert 0.03 < counts["stay_put_share"] < 0.3
    assert 0.05 < counts["median_step_km"] < 0.25  # a few 50 m pixels


def test_turns_persist_within_bursts_and_reset_at_each_burst_start():
    # a strong turning kernel alone: steps inside a burst go nearly straight on, while the
    # first step of a burst must not remember the bearing from before the gap
    land = make_landscape(0)
    tracks = simulate_tracks(land, seed=1, n_individuals=60, n_steps=400, max_km=0.2,
                             coefficients={"step_km": 0.0, "log_step_km": 0.0,
                                           "cos_turn": 6.0, "habitat": 0.0})
    x, y = tracks["x"].to_numpy(), tracks["y"].to_numpy()
    same = tracks["individual"].to_numpy()[1:] == tracks["individual"].to_numpy()[:-1]
    dt = np.diff(tracks["time"].to_numpy()).astype("timedelta64[s]").astype(float)
    in_burst = same & (np.abs(dt - 3600) <= 600)
    bearing = step_heading(x[:-1], y[:-1], x[1:], y[1:])
    turn = np.cos(bearing[1:] - bearing[:-1])  # step k → k+1 after step k−1 → k
    within = in_burst[1:] & in_burst[:-1]
    across = same[1:] & same[:-1] & in_burst[1:] & ~in_burst[:-1]
    assert np.nanmean(turn[within]) > 0.8
    gap = np.flatnonzero(across)  # step k spans the gap, k + 1 starts the next burst
    gap = gap[(gap >= 1) & in_burst[np.maximum(gap - 1, 0)]]
    reset = np.cos(bearing[gap + 1] - bearing[gap - 1])  # vs the last step before the gap
    assert len(reset) > 200 and abs(np.nanmean(reset)) < 0.2, np.nanmean(reset)


def test_geotiff_reads_back_with_crs_transform_and_values(small_dataset):
    out, truth = small_dataset
    with rasterio.open(out / "habitat.tif") as src:
        assert src.crs.to_epsg() == 32633 and src.count == 1 and src.dtypes[0] == "float32"
        assert src.transform == Affine(50, 0, 450_000, 0, -50, 5_800_000)
        values = src.read(1)
    land = make_landscape(3)
    np.testing.assert_array_equal(values, land.habitat)
    assert abs(values.mean()) < 1e-3 and abs(values.std() - 1) < 1e-3
    lag_one = np.corrcoef(values[:, :-1].ravel(), values[:, 1:].ravel())[0, 1]
    assert lag_one > 0.9  # smooth at the scale of a step
    tracks = read_tracks(out, truth["crs"])
    assert src.bounds.left < tracks["x"].min() and tracks["x"].max() < src.bounds.right
    assert src.bounds.bottom < tracks["y"].min() and tracks["y"].max() < src.bounds.top


def test_same_seed_same_files_and_lonlat_is_the_same_walk(tmp_path, small_dataset):
    out, _ = small_dataset
    write_dataset(tmp_path / "again", seed=3, **SMALL)
    for name in ("tracks.csv", "habitat.tif", "truth.json"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    write_dataset(tmp_path / "lonlat", seed=3, crs_out="EPSG:4326", **SMALL)
    projected = pd.read_csv(out / "tracks.csv")
    lonlat = pd.read_csv(tmp_path / "lonlat" / "tracks.csv")
    assert list(lonlat.columns) == ["individual", "time", "lat", "lon"]
    assert lonlat["lat"].between(50, 54).all() and lonlat["lon"].between(13, 16).all()
    x, y = crs_lib.transform(lonlat["lon"], lonlat["lat"], "EPSG:4326", "EPSG:32633")
    assert np.abs(x - projected["x"]).max() < 1e-3 and np.abs(y - projected["y"]).max() < 1e-3
    land = make_landscape(3)
    other = simulate_tracks(land, seed=4, n_individuals=20, n_steps=100, max_km=0.5)
    assert not np.array_equal(other["x"].to_numpy(), projected["x"].to_numpy())


def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path):
    result = run_cli("pipelines.movement.simulator.landscape", str(tmp_path / "out"),
                     "--steps", "0")
    assert result.returncode == 2
    assert result.stderr.startswith("tflab: error:") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
    text = build_parser().format_help()
    for word in ("reads:", "writes:", "prints:", "example"):
        assert word in text
    assert "python -m pipelines.movement.simulator.landscape " in text.split("example")[-1]
    for bad, match in [(dict(max_km=50.0), "max_km=50 exceeds half"),
                       (dict(max_km=0.01), "smaller than one raster pixel"),
                       (dict(crs="EPSG:4326"), "geographic"),
                       (dict(crs_out="EPSG:999999"), "EPSG:999999")]:
        with pytest.raises(UserError, match=match):
            write_dataset(tmp_path / "bad", seed=0, n_individuals=2, n_steps=5, **bad)
        assert not (tmp_path / "bad").exists()
