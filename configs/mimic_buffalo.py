"""mimic on a real GPS track: one water buffalo, hourly fixes, NDVI and slope rasters.

    pip install --no-deps deepssf        # the track and the two 25 m GeoTIFFs (no torch)
    python -m tfmodels.fit mimic_buffalo                       # one network
    python -m tfmodels.fit mimic_buffalo --set num_layers=0    # the linear iSSF, exact + SEs
    python -m tuning.grid mimic_buffalo                        # networks × seeds, chosen on val

The track (deepssf's `buffalo_djelk_id2005.csv`, EPSG:3112 metres, rows unsorted) is cut
into bursts of hourly steps (±10 min; a longer gap ends a burst, and no turning angle
crosses it), cells are H3 resolution 10 (≈ 0.015 km²) within 1.8 km of the origin — a disk
that covers deepSSF's 101 × 101 window of 25 m pixels — and held out in time: per individual
the first 80 % of steps train, the next 10 % validate (model choice), the last 10 % test
(scored once per model). Candidate cells off the rasters are dropped (`outside=drop`).
Scores: log density per km² beside the uniform null's, comparable with other tools.
Measured results: docs/mimic.md "Your own GPS data", bench/RESULTS_mimic.md "Real telemetry".
"""
from configs.families.mimic import MimicConfig

COVARIATES = "ndvi:deepssf:ndvi_2005.tif,slope:deepssf:slope_2005.tif"
FEATURES = ("step_km,log_step_km,cos_turn,stay_put,ndvi,ndvi^2,slope,"
            "hour_sin,hour_cos")  # hour terms: constant within a decision, so they act only
#                                   through a network's interactions (a linear model skips them)


def get_config() -> MimicConfig:
    return MimicConfig(
        name="mimic_buffalo",
        data_path="deepssf:buffalo_djelk_id2005.csv",
        crs="EPSG:3112",
        time_step="1h",
        time_tolerance="10min",
        timezone="Australia/Darwin",
        covariates=COVARIATES,
        outside="drop",
        cells="h3",
        resolution=10,
        max_km=1.8,
        split="time",
        split_fractions="0.8,0.1,0.1",
        feature_set=FEATURES,
        num_layers=2,
        layer_size=32,
        learning_rate=1e-3,
        batch_size=256,
        epochs=40,
        micro_batch=0,
        grid={"num_layers": [2, 3], "layer_size": [32], "random_seed": [0, 1, 2]},
    )
