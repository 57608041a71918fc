"""Known-truth movement: biased random walks on H3 cells drawn from a conditional logit.

The question is whether a network can pick up small biases hidden under a large
"stay put" probability; answering that needs data whose true choice probabilities are
known. Each day every individual picks one cell of its choice set (`choice_cells`, the
pipeline's own) with probability softmax(utility), where the utility is linear in the
pipeline's raw features (`features.raw_features`: covariates enter as raw logs; the
pipeline's centring does not change conditional-logit coefficients), optionally plus
one seasonal interaction that a linear model on v3 cannot represent but a network can.

True coefficients (`TRUE_COEFFICIENTS`, per unit of each raw feature):
    stay_put        +1.9   staying is attractive: P(stay) ≈ 0.65 on average
    normed_distance -3.0   nearer cells beat farther ones (distance / max_km)
    heading_sin     +0.1   a slight eastward drift
    heading_cos     +0.2   a slight northward drift ...
    log_mlt         -1.0   shallower mixed layers attract
    log_npp         +1.0   productive water attracts
    heading_cos × cos_time  -0.6  (interaction=True) ... northward in summer (cos_time < 0),
                                  southward in winter: migration a linear v3 model cannot fit
The box (`fields.BOX`) is a hard wall: choices whose centre lies outside it get utility
-inf (true_prob 0) but stay in the choice table, so the pipeline rebuilding choice sets
from the tracks finds exactly the same sets. Walkers start well inside the box, at a
random day of the year, so every season is represented.
"""
from __future__ import annotations

import dataclasses

import h3
import numpy as np
import pandas as pd

from pipelines.movement.choicesets import ChoiceCatalog
from pipelines.movement.features import day_of_year, raw_features
from pipelines.movement.simulator import fields
from tflab.errors import UserError

TRUE_COEFFICIENTS = {"stay_put": 1.9, "normed_distance": -3.0, "heading_sin": 0.1,
                     "heading_cos": 0.2, "log_mlt": -1.0, "log_npp": 1.0}
INTERACTION = ("heading_cos", "cos_time")
INTERACTION_COEFFICIENT = -0.6
START_BOX = {"lat": (44.0, 52.0), "lon": (-160.0, -140.0)}


@dataclasses.dataclass
class SimulatorSpec:
    """What to simulate. The defaults are the mimic paper's size (110 fish × 200 days)."""

    n_individuals: int = 110
    decisions_per_individual: int = 200
    resolution: int = 4             # H3 resolution of the cells
    max_km: float = 100.0           # choice-set radius
    start_date: str = "2020-01-01"  # each individual starts 0..364 days after this
    seed: int = 20241220
    coefficients: dict = dataclasses.field(default_factory=lambda: dict(TRUE_COEFFICIENTS))
    interaction: bool = True        # add heading_cos × cos_time (off: exactly linear in v3)
    interaction_coefficient: float = INTERACTION_COEFFICIENT

    def validate(self) -> None:
        if self.n_individuals < 1 or self.decisions_per_individual < 1:
            raise UserError("the simulator needs n_individuals >= 1 and "
                            "decisions_per_individual >= 1")
        unknown = set(self.coefficients) - set(TRUE_COEFFICIENTS)
        if unknown:
            raise UserError(f"unknown simulator coefficient(s) {sorted(unknown)}; known: "
                            f"{', '.join(TRUE_COEFFICIENTS)}")

    def utility_terms(self) -> dict[str, float]:
        """Every term of the true utility with its coefficient (JSON-ready)."""
        terms = dict(self.coefficients)
        if self.interaction:
            terms[" x ".join(INTERACTION)] = self.interaction_coefficient
        return terms


def _utility(spec: SimulatorSpec, distance_km, heading, day, mlt, npp) -> np.ndarray:
    names = list(spec.coefficients) + ["cos_time"] * spec.interaction
    feats = raw_features(names, distance_km=distance_km, heading=heading, day=day,
                         covariates={"mlt": mlt, "npp": npp}, max_km=spec.max_km)
    utility = sum(coef * feats[name] for name, coef in spec.coefficients.items())
    if spec.interaction:
        utility = utility + spec.interaction_coefficient * feats[INTERACTION[0]] * feats[
            INTERACTION[1]]
    return utility


def true_logodds(spec: SimulatorSpec, distance_km, heading, day, mlt, npp, lat, lon
                 ) -> np.ndarray:
    """The simulator's log-odds of choices (any shape, broadcast): its utility inside the
    box, −inf outside (the hard wall). Forward simulation from "the truth" uses this."""
    utility = _utility(spec, distance_km, heading, day, mlt, npp)
    return np.where(fields.in_box(lat, lon), utility, -np.inf)


def simulate(spec: SimulatorSpec) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(tracks, covariates, long choice table with `true_prob`), deterministic for a seed.

    tracks: `individual, time, lat, lon`, one fix per day at the centre of the occupied
    cell (decisions_per_individual + 1 fixes). covariates: `cell, time, mlt, npp` for every
    (choice cell, decision day) the walkers evaluated. The long table has the columns of
    `choicesets.long_choice_table` plus `mlt, npp, true_prob`; decision ids run
    individual-major (decision = individual · T + day).
    """
    spec.validate()
    rng = np.random.default_rng(spec.seed)
    n, steps = spec.n_individuals, spec.decisions_per_individual
    start_lat = rng.uniform(*START_BOX["lat"], n)
    start_lon = rng.uniform(*START_BOX["lon"], n)
    start = (np.datetime64(spec.start_date, "D")
             + rng.integers(0, 365, n).astype("timedelta64[D]"))
    catalog = ChoiceCatalog(spec.max_km)
    current = catalog.ids([h3.latlng_to_cell(a, b, spec.resolution)
                           for a, b in zip(start_lat, start_lon)])
    positions, chunks = [current], []
    for step in range(steps):
        dates = start + np.timedelta64(step, "D")
        sets = catalog.choices(current)
        lat, lon = catalog.latlon(np.where(sets.valid, sets.ids, current[:, None]))
        day = day_of_year(dates)[:, None]
        mlt, npp = fields.mlt(lat, lon, day), fields.npp(lat, lon, day)
        utility = np.where(sets.valid, true_logodds(spec, sets.distance_km, sets.heading, day,
                                                     mlt, npp, lat, lon), -np.inf)
        weights = np.exp(utility - utility.max(axis=1, keepdims=True))
        prob = weights / weights.sum(axis=1, keepdims=True)
        cdf = np.cumsum(prob, axis=1)
        pick = (cdf < rng.random(n)[:, None] * cdf[:, -1:]).sum(axis=1)
        who, slot = np.nonzero(sets.valid)
        chunks.append({
            "individual": who.astype(np.int64), "step": np.full(len(who), step),
            "slot": slot,
            "time": dates[who].astype("datetime64[ns]"), "choice_id": sets.ids[who, slot],
            "selected": (slot == pick[who]).astype(np.int64),
            "distance_km": sets.distance_km[who, slot], "heading": sets.heading[who, slot],
            "lat": lat[who, slot], "lon": lon[who, slot], "mlt": mlt[who, slot],
            "npp": npp[who, slot], "true_prob": prob[who, slot]})
        current = sets.ids[np.arange(n), pick]
        positions.append(current)

    long = pd.DataFrame({k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]})
    long = long.sort_values(
        ["individual", "step", "slot"], kind="stable").reset_index(drop=True)
    long.insert(1, "decision", long["individual"] * steps + long["step"])
    long.insert(3, "choice", catalog.cells(long["choice_id"].to_numpy()))
    table = long.drop(columns=["step", "slot", "choice_id"])

    ids = np.stack(positions, axis=1)  # [n, steps + 1]
    fix_lat, fix_lon = catalog.latlon(ids.reshape(-1))
    tracks = pd.DataFrame({
        "individual": np.repeat(np.arange(n, dtype=np.int64), steps + 1),
        "time": (start[:, None] + np.arange(steps + 1).astype("timedelta64[D]")
                 ).reshape(-1).astype("datetime64[ns]"),
        "lat": fix_lat, "lon": fix_lon})
    covariates = (table[["choice", "time", "mlt", "npp"]].rename(columns={"choice": "cell"})
                  .drop_duplicates(["cell", "time"]).sort_values(["time", "cell"])
                  .reset_index(drop=True))
    return tracks, covariates, table
