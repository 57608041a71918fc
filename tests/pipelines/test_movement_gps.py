"""GPS-telemetry building blocks against hand-computed answers: CRS, bursts, turning
angles, features by expression, time splits, log density."""
import numpy as np
import pandas as pd
import pytest

from configs.families.mimic import parse_fractions
from pipelines.movement import kernel
from pipelines.movement.choicesets import decisions_from_tracks
from pipelines.movement.crs import parse_crs, transform
from pipelines.movement.features import compute_features
from pipelines.movement.pixels import pixel_window
from pipelines.movement.splits import split_by_time
from pipelines.movement.steps import resample_fixes
from tflab.errors import UserError
from tfmodels.mimic.metrics import choice_metrics


def test_crs_round_trip_against_known_coordinates():
    # UTM zone 33N: the central meridian 15°E on the equator is x = 500 000 m, y = 0
    x, y = transform([15.0], [0.0], "EPSG:4326", "EPSG:32633")
    assert x[0] == pytest.approx(500_000.0, abs=1e-6) and y[0] == pytest.approx(0.0, abs=1e-6)
    lon, lat = transform(x, y, "EPSG:32633", "EPSG:4326")
    assert (lon[0], lat[0]) == pytest.approx((15.0, 0.0), abs=1e-9)
    with pytest.raises(UserError, match="EPSG:999999.*is not a coordinate reference system"):
        parse_crs("EPSG:999999")


def _track(rows, columns=("individual", "time", "x", "y")):
    return pd.DataFrame(rows, columns=list(columns))


def test_bursts_with_tolerance_and_turning_angles_reset_at_a_gap():
    # east, east, north; then a 5 h gap; then east, south (metres, UTM 33N)
    x0, y0 = 500_000.0, 5_000_000.0
    rows = [("a", "2024-01-01 00:03", x0, y0), ("a", "2024-01-01 01:00", x0 + 200, y0),
            ("a", "2024-01-01 01:58", x0 + 400, y0), ("a", "2024-01-01 03:05", x0 + 400, y0 + 200),
            ("a", "2024-01-01 08:00", x0 + 400, y0 + 200),
            ("a", "2024-01-01 09:00", x0 + 600, y0 + 200),
            ("a", "2024-01-01 10:00", x0 + 600, y0)]
    tracks = _track(rows).sample(frac=1.0, random_state=1)  # unsorted rows get sorted
    fixes, counts = resample_fixes(
        tracks.assign(time=pd.to_datetime(tracks["time"])).sort_values("time"), "1h", "10min")
    assert fixes["burst"].tolist() == [0, 0, 0, 0, 1, 1, 1] and counts["gaps"] == 1
    decisions = decisions_from_tracks(tracks, resolution=12, time_step="1h",
                                      time_tolerance="10min", crs="EPSG:32633", max_km=1.0)
    assert len(decisions) == 5  # 3 in the first burst, 2 in the second, none across the gap
    prev = np.degrees(decisions["prev_heading"].to_numpy())
    assert np.isnan(prev[0]) and np.isnan(prev[3])  # burst starts: no previous step
    assert prev[1] == pytest.approx(90, abs=2) and prev[2] == pytest.approx(90, abs=2)
    assert prev[4] == pytest.approx(90, abs=2)
    # candidate bearings vs the previous step: straight on = 1, right angle = 0, back = -1
    heading = np.radians([90.0, 0.0, -90.0, 45.0])
    cos = kernel.cos_turn(heading, np.radians(90.0), np.array([0.1, 0.1, 0.1, 0.0]))
    assert cos == pytest.approx([1.0, 0.0, -1.0, 0.0], abs=1e-12)  # stay-put: 0
    assert kernel.cos_turn(heading, np.nan, np.ones(4)) == pytest.approx(np.zeros(4))


def test_x_y_tracks_need_a_crs_and_typos_are_named():
    tracks = _track([("a", "2024-01-01 00:00", 1.0, 2.0), ("a", "2024-01-01 01:00", 1.0, 2.0)])
    with pytest.raises(UserError, match="x, y columns but no CRS; name it with --set crs="):
        decisions_from_tracks(tracks, time_step="1h")
    with pytest.raises(UserError, match="'EPSG:4327x' is not a coordinate reference system"):
        decisions_from_tracks(tracks, time_step="1h", crs="EPSG:4327x")


def test_local_hour_harmonics_follow_the_time_zone():
    times = pd.to_datetime(["2024-01-01 14:30"]).to_numpy()  # UTC
    assert kernel.local_hour(times, "Australia/Darwin")[0] == pytest.approx(0.0)  # +9:30
    sin, cos = kernel.hour_harmonics(times, "UTC")
    assert np.arctan2(sin, cos)[0] % (2 * np.pi) == pytest.approx(2 * np.pi * 14.5 / 24)


def test_features_by_expression_and_covariate_centring_on_training_rows():
    table = pd.DataFrame({"individual": ["a", "a", "b", "b"], "decision": [0, 0, 1, 1],
                          "distance_km": [0.0, 0.2, 0.0, 0.4], "spacing_km": 0.1,
                          "heading": [np.nan, 0.0, np.nan, np.pi / 2],
                          "prev_heading": [0.0, 0.0, np.nan, np.nan],
                          "ndvi": [0.2, 0.4, 0.6, 0.8]})
    features, stats = compute_features(
        table, "step_km,log_step_km,cos_turn,ndvi,ndvi^2,log(ndvi)", max_km=1.0,
        train_rows=np.array([True, True, False, False]), covariate_columns=["ndvi"])
    assert features["log_step_km"].tolist() == pytest.approx(np.log([0.05, 0.2, 0.05, 0.4]))
    assert features["cos_turn"].tolist() == pytest.approx([0, 1, 0, 0])
    assert stats["centering"]["ndvi"] == pytest.approx(0.3)  # mean of the training rows
    assert features["ndvi^2"].tolist() == pytest.approx(np.array([.04, .16, .36, .64]) - 0.1)
    assert "step_km" not in stats["centering"]
    with pytest.raises(UserError, match="reads 'ndiv' \\(did you mean 'ndvi'\\?\\)"):
        compute_features(table, "step_km,ndiv", max_km=1.0, train_rows=np.ones(4, bool))


def test_time_split_cuts_each_individual_chronologically():
    individual = np.array(["a"] * 10 + ["b"] * 20)
    time = np.r_[np.arange(10)[::-1], np.arange(20)]  # a's rows in reverse order
    labels = split_by_time(individual, time, (0.8, 0.1, 0.1))
    a = dict(zip(time[:10], labels[:10]))
    assert [a[t] for t in range(10)] == ["train"] * 8 + ["val", "test"]
    assert list(labels[10:]) == ["train"] * 16 + ["val"] * 2 + ["test"] * 2
    with pytest.raises(UserError, match="sum to 1.1, not 1"):
        parse_fractions("0.8,0.2,0.1")


def test_log_density_is_log_p_minus_log_area_beside_the_uniform_null():
    logits = np.array([[0.0, np.log(3.0), 0.0], [1.0, 1.0, 5.0]])
    mask = np.array([[True, True, True], [True, True, False]])
    area = np.array([[0.5, 0.5, 1.0], [2.0, 2.0, 9.0]])
    out = choice_metrics(logits, mask, np.array([1, 0]), np.ones((2, 3)), "val",
                         area_km2=area)
    expected = np.mean([np.log(3 / 5) - np.log(0.5), np.log(0.5) - np.log(2.0)])
    assert out["log_density_val"] == pytest.approx(expected)
    assert out["log_density_null_val"] == pytest.approx(np.mean([-np.log(2.0), -np.log(4.0)]))


def test_pixel_window_covers_deepssf_s_101_by_101_window_within_1_8_km():
    disk = pixel_window(0.025, 0.025, 1.8, "disk")
    offsets = set(zip(disk.drow.tolist(), disk.dcol.tolist()))
    square = {(r, c) for r in range(-50, 51) for c in range(-50, 51)}
    assert square <= offsets and disk.distance_km[0] == 0 and np.isnan(disk.heading[0])
    assert pixel_window(0.025, 0.025, 1.25, "square").width == 101 * 101


def test_report_maps_draw_raster_pixels_as_squares_of_their_area():
    from tfmodels.mimic.diagnose.hexmap import choice_polygons

    rows = pd.DataFrame({"choice": [12345, 12346], "x": [100.0, 150.0], "y": [0.0, 0.0],
                         "area_km2": [0.0025, 0.0025]})
    polygons, projected = choice_polygons(rows)
    assert projected and polygons[1].tolist() == [[125, -25], [175, -25], [175, 25], [125, 25]]
