"""Real-telemetry path end to end on the GPS-scale known-truth simulator.

Tracks (x, y in a projected CRS, or lat/lon), hourly bursts with jitter, a GeoTIFF
covariate, raster-pixel choice sets, a time split: the linear iSSF solved by Newton must
recover the simulator's coefficients within 4 SE — on full choice sets and on sampled ones.
"""
import json

import numpy as np
import pandas as pd
import pytest

from configs.base import load_config
from pipelines.movement.simulator import landscape
from tfmodels.families import get_family


@pytest.fixture(scope="module")
def walkers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("landscape")
    landscape.write_dataset(folder, seed=11, n_individuals=20, n_steps=120, max_km=0.5,
                            shape=(160, 160))
    return folder


def _config(folder, *overrides):
    return load_config("mimic_landscape", [
        f"data_path={folder / 'tracks.csv'}", f"covariates=habitat:{folder / 'habitat.tif'}",
        "max_km=0.5", *overrides])


def _recovered(run_dir, truth):
    table = pd.read_csv(run_dir / "coefficients.csv").set_index("feature")
    z = {name: (table.loc[name, "coefficient"] - value) / table.loc[name, "se"]
         for name, value in truth["coefficients"].items()}
    return table, z


@pytest.mark.parametrize("alternatives", [0, 40])
def test_linear_issf_recovers_the_simulators_coefficients(walkers, tmp_path, alternatives):
    truth = json.loads((walkers / "truth.json").read_text())
    config = _config(walkers, f"alternatives={alternatives}")
    family = get_family("mimic")
    data = family.load_data(config, None)
    assert data.test is not None and data.test.num_decisions > 0
    assert data.train_view.mask.shape[1] == (alternatives + 1 if alternatives else
                                             data.train.mask.shape[1])
    metrics = family.train(config, data, tmp_path, verbose=0)
    table, z = _recovered(tmp_path, truth)
    assert max(abs(v) for v in z.values()) < 4, z
    # scores on full sets for every split, with the uniform null beside each
    for split in ("train", "val", "test"):
        assert metrics[f"log_density_{split}"] > metrics[f"log_density_null_{split}"]
    assert metrics["decisions_test"] == data.test.num_decisions
    assert "clusters: 20 individuals" in metrics["measured_as"]["se_cluster"]


def test_lonlat_tracks_give_the_same_decisions_as_projected_ones(walkers, tmp_path):
    tracks = pd.read_csv(walkers / "tracks.csv")
    from pipelines.movement.crs import transform

    lon, lat = transform(tracks["x"], tracks["y"], "EPSG:32633", "EPSG:4326")
    tracks.assign(lat=lat, lon=lon).drop(columns=["x", "y"]).to_csv(tmp_path / "ll.csv",
                                                                    index=False)
    family = get_family("mimic")
    projected = family.load_data(_config(walkers), None)
    geographic = family.load_data(_config(walkers, f"data_path={tmp_path / 'll.csv'}",
                                          "crs="), None)
    assert np.array_equal(projected.train.selected, geographic.train.selected)
    assert np.allclose(projected.train.features, geographic.train.features)


@pytest.mark.parametrize("overrides, message", [
    (["crs=EPSG:99999"], "crs 'EPSG:99999' is not a coordinate reference system"),
    (["split_fractions=0.8,0.2,0.1"], "split_fractions '0.8,0.2,0.1' sum to 1.1, not 1"),
    (["feature_set=step_km,habitta"], "reads 'habitta' (did you mean 'habitat'?)"),
    (["covariates=habitat:{folder}/nowhere.tif"], "nowhere.tif' not found"),
    (["covariates=habitat:{folder}/tracks.csv"], "unknown extension '.csv'"),
    (["cells=hexagons"], "cells must be one of h3, raster"),
])
def test_bad_telemetry_inputs_fail_in_one_line_before_any_compute(walkers, tmp_path,
                                                                  overrides, message):
    from tests.cli import run_cli

    out = tmp_path / "run"
    done = run_cli("tfmodels.fit", "mimic_landscape", "--out", str(out),
                   "--set", f"data_path={walkers / 'tracks.csv'}",
                   "--set", f"covariates=habitat:{walkers / 'habitat.tif'}",
                   *[a for o in overrides for a in ("--set", o.format(folder=walkers))],
                   timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tflab: error:") and message in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_mimic_buffalo_runs_on_the_real_deepssf_track(tmp_path):
    """The worked example through the real CLI (a 400 m disk keeps it small)."""
    from pipelines.movement.bundled import deepssf_data_dir
    from tests.cli import run_cli

    if deepssf_data_dir() is None:
        pytest.skip("deepssf is not installed (pip install --no-deps deepssf)")
    done = run_cli("tfmodels.fit", "mimic_buffalo", "--set", "num_layers=0", "--set",
                   "max_km=0.4", "--out", str(tmp_path / "run"), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["decisions_test"] > 800 and metrics["converged"]
    for split in ("val", "test"):
        assert metrics[f"log_density_{split}"] > metrics[f"log_density_null_{split}"] + 1
    coefficients = pd.read_csv(tmp_path / "run" / "coefficients.csv").set_index("feature")
    assert coefficients.loc["cos_turn", "coefficient"] > 0  # a buffalo keeps its heading
