"""Every bad input the movement pipeline can blame on the user raises one helpful UserError."""
import pandas as pd
import pytest

from pipelines.movement import load_movement, read_table, validate_covariates, validate_tracks
from tflab.errors import UserError


def _tracks(**changes):
    frame = pd.DataFrame({"individual": ["a", "a", "b", "b"],
                          "time": ["2021-01-01", "2021-01-02", "2021-01-01", "2021-01-02"],
                          "lat": [50.0, 50.1, 51.0, 51.1], "lon": [-150.0, -150.1, -151, -151]})
    for column, values in changes.items():
        frame[column] = values
    return frame


@pytest.mark.parametrize("frame, message", [
    (_tracks().rename(columns={"lat": "lat_deg"}),
     r"missing column 'lat' \(is 'lat_deg' meant to be 'lat'\?\); columns present: "
     r"individual, time, lat_deg, lon"),
    (_tracks(lat=[50.0, 95.0, 51.0, 51.1]), r"'lat' has 1 value\(s\) outside -90..90, first at "
                                            r"data row 1 \(95\)"),
    (_tracks(lon=["-150", "-150.1", "east", "-151"]),
     r"'lon' has 1 missing or non-numeric value\(s\), first at data row 2 \('east'\)"),
    (_tracks(time=["2021-01-01", "2021-01-01", "2021-01-01", "2021-01-02"]),
     r"2 fixes sharing a timestamp .* individual 'a'"),
    (_tracks(individual=["a", "a", "a", "b"], time=["2021-01-01", "2021-01-02", "2021-01-03",
                                                   "2021-01-01"]),
     r"1 individual\(s\) have fewer than 2 fixes \('b'\)"),
    (_tracks(time=["2021-01-01", "yesterday", "2021-01-01", "2021-01-02"]),
     r"unparseable value\(s\), first at data row 1 \('yesterday'\)"),
    (_tracks().iloc[:0], "tracks table has no rows"),
])
def test_bad_tracks_raise_a_user_error(frame, message):
    with pytest.raises(UserError, match=message):
        validate_tracks(frame)


def test_nan_covariate_names_the_column_and_count():
    table = pd.DataFrame({"cell": ["841ca47ffffffff"] * 3, "time": ["2021-01-01",
                          "2021-01-02", "2021-01-03"], "mlt": [1.0, None, None], "npp": 1.0})
    with pytest.raises(UserError, match=r"covariate 'mlt' has 2 missing or non-numeric "
                                        r"value\(s\) out of 3 rows"):
        validate_covariates(table, ["mlt", "npp"])
    with pytest.raises(UserError, match="missing column 'npp'"):
        validate_covariates(table.drop(columns=["npp"]), ["mlt", "npp"])
    with pytest.raises(UserError, match="invalid H3"):
        validate_covariates(table.assign(cell="nowhere", mlt=1.0), ["mlt"])


def test_unreadable_files(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "tracks.xlsx").write_text("x")
    with pytest.raises(UserError, match="unknown extension '.xlsx'; save the table as .csv"):
        read_table(tmp_path / "tracks.xlsx")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(UserError, match="cannot read .*empty.csv as csv"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(UserError, match="cannot read .*broken.parquet as parquet"):
        read_table(tmp_path / "broken.parquet")


def _load(data_path, **overrides):
    args = dict(data_path=None if data_path is None else str(data_path), feature_set="v2",
                resolution=4, max_km=100.0, time_step="1D", covariates_path=None,
                val_fraction=0.5, split_seed=0)
    args.update(overrides)
    return load_movement(_config(args), args["data_path"])


def _config(args: dict):
    """A MimicConfig with these data fields (None = the field's empty default)."""
    from configs.families.mimic import MimicConfig

    fields = {k: ("" if v is None else v) for k, v in args.items() if k != "data_path"}
    return MimicConfig(**fields)


def test_load_movement_user_errors(tmp_path):
    path = tmp_path / "tracks.csv"
    _tracks().to_csv(path, index=False)
    with pytest.raises(UserError, match=r"feature set v3 needs covariate 'mlt' .*"
                                        r"--set covariates_path=PATH"):
        _load(path, feature_set="v3")
    with pytest.raises(UserError, match="unknown feature set 'v4'; known sets: v1"):
        _load(path, feature_set="v4")
    with pytest.raises(UserError, match="time_step 'daily' is not a positive fixed duration"):
        _load(path, time_step="daily")
    _tracks().iloc[:0].to_csv(path, index=False)
    with pytest.raises(UserError, match="tracks table has no rows"):
        _load(path)
    far = _tracks(lat=[50.0, 55.0, 51.0, 56.0])  # every move is > 500 km
    far.to_csv(path, index=False)
    with pytest.raises(UserError, match="no decisions left"):
        _load(path)
    with pytest.raises(UserError, match="simulator's cells are H3 resolution 4"):
        _load(None, resolution=5)
