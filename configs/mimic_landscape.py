"""mimic on the GPS-scale known-truth simulator: walkers on a synthetic raster landscape.

    python -m pipelines.movement.simulator.landscape runs/landscape    # tracks + habitat.tif
    python -m tfmodels.fit mimic_landscape          # linear iSSF, exact, with SEs
    python -m tfmodels.fit mimic_landscape --set num_layers=2 optimizer=adam

The simulator (`pipelines/movement/simulator/landscape.py`) draws hourly steps from a
softmax linear in step_km, log_step_km, cos_turn and habitat over the pixels within
`max_km`, with known coefficients (`TRUE_COEFFICIENTS`, also in truth.json); bursts with
gaps and ±5 min jitter. This config reads its files through the same path a user's GPS
data takes (x, y in EPSG:32633, bursts of 1 h ± 10 min, a GeoTIFF covariate, the raster's
own pixels as cells, a time split), so the linear fit recovering the coefficients tests
that path end to end.
"""
from configs.families.mimic import MimicConfig


def get_config() -> MimicConfig:
    return MimicConfig(
        name="mimic_landscape",
        data_path="runs/landscape/tracks.csv",
        crs="EPSG:32633",
        time_step="1h",
        time_tolerance="10min",
        covariates="habitat:runs/landscape/habitat.tif",
        outside="drop",
        cells="raster",
        window="disk",
        max_km=1.0,
        split="time",
        feature_set="step_km,log_step_km,cos_turn,habitat",
        num_layers=0,
        batch_size=512,
        learning_rate=1e-3,
        epochs=20,
        micro_batch=0,
    )
