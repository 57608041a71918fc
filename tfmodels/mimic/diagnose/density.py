"""Log density per km² at the selected cell, per split and local hour of day.

A probability per cell depends on the cell size; log(P(cell) / area in km²) does not, so
this table compares a run on H3 cells with one on a 25 m raster grid or with another
tool's density surface (deepSSF, amt), beside the uniform null over the candidate area.
Hourly GPS data moves very differently by time of day, so it is shown per local hour too.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tfmodels.mimic.diagnose.scored import models_in


def density_table(choices: pd.DataFrame, decisions: pd.DataFrame,
                  timezone: str = "UTC") -> pd.DataFrame:
    """split, hour ('all' or 0..23 local), decisions, log_density_<model>, and the null."""
    if "area_km2" not in choices.columns:
        return pd.DataFrame()
    from pipelines.movement.kernel import local_hour

    area = choices["area_km2"].to_numpy(float)
    decision = choices["decision"].to_numpy()
    total = pd.Series(area).groupby(decision).sum()
    chosen = choices[choices["selected"] == 1].set_index("decision")
    frame = pd.DataFrame(index=decisions.index)
    frame["split"] = decisions["split"] if "split" in decisions else "all"
    frame["hour"] = (np.floor(local_hour(decisions["time"].to_numpy(), timezone)).astype(int)
                     if "time" in decisions else -1)
    log_area = np.log(chosen["area_km2"].reindex(frame.index).to_numpy(float))
    for model in models_in(choices):
        frame[f"log_density_{model}"] = decisions[f"logp_{model}"].to_numpy() - log_area
    frame["log_density_null_area"] = -np.log(total.reindex(frame.index).to_numpy())
    value_columns = [c for c in frame.columns if c.startswith("log_density_")]
    rows = []
    for split, part in frame.groupby("split", sort=False):
        rows.append({"split": split, "hour": "all", "decisions": len(part),
                     **part[value_columns].mean().to_dict()})
        for hour, piece in part.groupby("hour"):
            rows.append({"split": split, "hour": int(hour), "decisions": len(piece),
                         **piece[value_columns].mean().to_dict()})
    return pd.DataFrame(rows)
