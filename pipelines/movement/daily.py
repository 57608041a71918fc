"""One time step's choice table for animals at given cells: the input of forward simulation.

A simulated animal at cell c on day t faces the choice set training gave it there: every
cell within `max_km` (`ChoiceCatalog`, the pipeline's own), with distance, heading and the
covariates of each choice on that day. Covariates come from the run's covariate table
(`attach_covariates`, as for tracks) or, for runs on the simulator, from the simulator's
own fields (`fields.mlt`, `fields.npp`), so each simulated step is scored on exactly the
inputs a decision at that place and time had in training.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

from pipelines.movement.choicesets import ChoiceCatalog
from pipelines.movement.covariates import attach_covariates
from pipelines.movement.features import day_of_year

CovariateSource = Callable[[pd.DataFrame, Sequence[str]], pd.DataFrame]


def simulator_covariates(table: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The simulator's mlt/npp fields at each choice centre on the decision's day."""
    from pipelines.movement.simulator import fields

    day = day_of_year(table["time"].to_numpy())
    lat, lon = table["lat"].to_numpy(), table["lon"].to_numpy()
    values = {"mlt": lambda: fields.mlt(lat, lon, day), "npp": lambda: fields.npp(lat, lon, day)}
    return table.assign(**{name: values[name]() for name in names})


def table_covariates(covariates: pd.DataFrame) -> CovariateSource:
    """Covariates looked up in a validated covariate table (cell or nearest point, day)."""
    def attach(table: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
        return attach_covariates(table, covariates, names) if names else table
    return attach


def step_choice_table(catalog: ChoiceCatalog, origin_ids: np.ndarray, times: np.ndarray,
                      covariates: CovariateSource | None = None,
                      covariate_names: Sequence[str] = ()) -> pd.DataFrame:
    """Long table (columns of `long_choice_table`, `selected` all 0) for decisions made at
    `origin_ids` at `times` (one per origin); decision k = origin k, choices origin first."""
    sets = catalog.choices(np.asarray(origin_ids, dtype=np.int64))
    d, w = np.nonzero(sets.valid)
    choice_ids = sets.ids[d, w]
    lat, lon = catalog.latlon(choice_ids)
    table = pd.DataFrame({
        "decision": d.astype(np.int64),
        "time": np.asarray(times).astype("datetime64[ns]")[d],
        "choice": catalog.cells(choice_ids),
        "choice_id": choice_ids,
        "selected": np.zeros(len(d), dtype=np.int64),
        "distance_km": sets.distance_km[d, w],
        "heading": sets.heading[d, w],
        "lat": lat, "lon": lon})
    if covariate_names:
        table = (covariates or simulator_covariates)(table, list(covariate_names))
    return table
