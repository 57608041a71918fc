"""Choice sets, decisions and the long table on real H3 cells (pipelines.movement.choicesets)."""
import h3
import numpy as np
import pandas as pd
import pytest

from pipelines.movement import (choice_cells, decisions_from_tracks, long_choice_table,
                                validate_covariates)
from pipelines.movement.geo import great_circle_km
from pipelines.movement.simulator import SimulatorSpec, simulate

LONG = ["individual", "decision", "time", "choice", "selected", "distance_km", "heading",
        "lat", "lon"]


def _distance(a: str, b: str) -> float:
    (lat1, lon1), (lat2, lon2) = h3.cell_to_latlng(a), h3.cell_to_latlng(b)
    return float(great_circle_km(lat1, lon1, lat2, lon2))


def test_choice_set_is_19_cells_at_resolution_4_and_100_km():
    cell = h3.latlng_to_cell(45.0, -160.0, 4)
    cells = choice_cells(cell, 100)
    assert len(cells) == 19  # the origin, its 6 neighbours and the 12 cells of ring 2
    assert cells[0] == cell
    assert all(_distance(cell, c) <= 100 for c in cells)
    outside = set(h3.grid_disk(cell, 6)) - set(cells)  # nothing within 100 km was missed
    assert min(_distance(cell, c) for c in outside) > 100


def test_choice_set_size_is_about_19_across_the_north_pacific():
    sizes = [len(choice_cells(h3.latlng_to_cell(lat, lon, 4), 100))
             for lat in np.arange(41, 60, 3.0) for lon in np.arange(-168, -130, 6.0)]
    assert np.median(sizes) == 19
    assert 19 <= min(sizes) and max(sizes) <= 32


def test_tracks_path_reproduces_the_simulators_own_choice_table():
    tracks, covariates, truth = simulate(SimulatorSpec(n_individuals=5,
                                                       decisions_per_individual=15, seed=3))
    as_text = tracks.assign(time=tracks["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    decisions = decisions_from_tracks(as_text.sample(frac=1.0, random_state=0),  # unsorted
                                      resolution=4, time_step="1D", max_km=100)
    table = long_choice_table(decisions, max_km=100,
                              covariates=validate_covariates(covariates, ["mlt", "npp"]),
                              covariate_names=["mlt", "npp"])
    columns = LONG + ["mlt", "npp"]
    pd.testing.assert_frame_equal(table[columns].assign(choice=table["choice"].astype(str)),
                                  truth[columns], check_dtype=False)
    assert (table.groupby("decision")["selected"].sum() == 1).all()


def _track(rows):
    return pd.DataFrame(rows, columns=["individual", "time", "lat", "lon"])


def test_gap_policy_last_fix_per_step_and_no_decision_across_a_gap(capsys):
    tracks = _track([("a", "2021-03-01 06:00", 50.0, -150.0),
                     ("a", "2021-03-02 01:00", 50.0, -149.0),
                     ("a", "2021-03-02 23:00", 50.3, -149.5),  # last fix of the day wins
                     ("a", "2021-03-04 12:00", 50.3, -149.5),  # gap: no 2nd→4th decision
                     ("a", "2021-03-05 12:00", 50.6, -149.5)])
    decisions = decisions_from_tracks(tracks, resolution=4, time_step="1D", max_km=100)
    assert decisions["decision"].tolist() == [0, 1]
    assert decisions["selected"].iloc[0] == h3.latlng_to_cell(50.3, -149.5, 4)
    assert decisions["time"].tolist() == [pd.Timestamp("2021-03-01"),
                                          pd.Timestamp("2021-03-04")]
    line = capsys.readouterr().out
    assert "1 fixes superseded" in line and "1 gaps ending a burst" in line


def test_move_farther_than_max_km_is_dropped_and_counted(capsys):
    tracks = _track([(1, "2021-03-01", 50.0, -150.0), (1, "2021-03-02", 50.0, -146.0),
                     (1, "2021-03-03", 50.2, -146.0)])
    decisions = decisions_from_tracks(tracks, resolution=4, time_step="1D", max_km=100)
    assert len(decisions) == 1
    assert "1 moves farther than 100 km dropped" in capsys.readouterr().out
    table = long_choice_table(decisions, max_km=100)
    assert table["selected"].sum() == 1
    origin = table[table["distance_km"] == 0]
    assert len(origin) == 1 and np.isnan(origin["heading"].iloc[0])


def test_long_table_drops_decisions_outside_a_smaller_radius(capsys):
    tracks = _track([(1, "2021-03-01", 50.0, -150.0), (1, "2021-03-02", 50.0, -149.0),
                     (1, "2021-03-03", 50.0, -149.0)])
    decisions = decisions_from_tracks(tracks, max_km=100)
    table = long_choice_table(decisions, max_km=50)  # the 72 km move is outside 50 km
    assert table["decision"].unique().tolist() == [0]
    assert "dropped 1 of 2 decisions" in capsys.readouterr().out


def test_covariates_on_a_lat_lon_grid_take_the_nearest_point():
    tracks = _track([(1, "2021-03-01", 50.0, -150.0), (1, "2021-03-02", 50.0, -150.0)])
    table = long_choice_table(decisions_from_tracks(tracks), max_km=100)
    lat, lon = np.meshgrid(np.arange(47.0, 53.01, 0.25), np.arange(-154.0, -145.99, 0.25))
    grid = pd.DataFrame({"time": "2021-03-01", "lat": lat.ravel(), "lon": lon.ravel()})
    grid["mlt"] = 1000 * grid["lat"] + grid["lon"]
    with_cov = long_choice_table(decisions_from_tracks(tracks), max_km=100,
                                 covariates=validate_covariates(grid, ["mlt"]),
                                 covariate_names=["mlt"])
    for _, row in with_cov.iterrows():  # brute force over the grid
        d = great_circle_km(row["lat"], row["lon"], grid["lat"], grid["lon"])
        assert row["mlt"] == pytest.approx(grid["mlt"].iloc[int(np.argmin(d))])
    assert len(with_cov) == len(table)
