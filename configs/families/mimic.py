"""Config schema of the mimic family (after networkearth/mimic: fish movement on H3 cells)."""
from __future__ import annotations

import dataclasses

from configs.base import LR_DECAYS, BaseConfig
from configs.families.spec import FamilySpec
from tflab.errors import UserError

FEATURE_SET_NAMES = ("v1", "v2", "v3")
TRAINING_VIEWS = ("choice_sets", "contrasts")
OPTIMIZERS = ("auto", "adam", "newton")
CELLS = ("h3", "raster")
WINDOWS = ("disk", "square")
SPLITS = ("individual", "time")


@dataclasses.dataclass
class MimicConfig(BaseConfig):
    family: str = "mimic"
    # -- data ------------------------------------------------------------------------------
    feature_set: str = "v3"            # v1 distance, v2 + heading, v3 + mlt, npp, time of year;
    #                                    or an explicit list "normed_distance,stay_put,..."
    resolution: int = 4                # H3 resolution of the cells
    max_km: float = 100.0              # choice set: cells whose centre is within this radius
    time_step: str = "1D"              # one decision per consecutive pair of fixes this far apart
    covariates_path: str = ""          # covariate table for user tracks ("" = none / simulator)
    # -- real telemetry (manual: docs/mimic.md "Your own GPS data") --------------------------
    data_path: str = ""                # tracks used when --data is not given ("" = simulator;
    #                                    "deepssf:FILE" = a file bundled with the deepssf package)
    crs: str = ""                      # CRS of x, y track columns, e.g. EPSG:3112 ("" = lat, lon)
    time_tolerance: str = ""           # "" = calendar steps; e.g. 10min = consecutive fixes
    #                                    time_step ± this apart form a burst, a gap ends it
    timezone: str = "UTC"              # local clock for hour_sin / hour_cos
    covariates: str = ""               # rasters "ndvi:path.tif,sst:path.nc#var" (GeoTIFF, netCDF)
    outside: str = "error"             # a choice off a raster or on nodata: error | drop | VALUE
    cells: str = "h3"                  # "h3" (resolution) or "raster": the first raster's pixels
    window: str = "disk"               # raster cells: "disk" of radius max_km or "square" of
    #                                    half-width max_km around the origin pixel
    split: str = "individual"          # "individual" (val_fraction) or "time" (per individual,
    #                                    chronological, split_fractions train,val,test)
    split_fractions: str = "0.8,0.1,0.1"
    alternatives: int = 0              # 0 = train on full choice sets; N = the selected + N
    #                                    uniform draws (scores always use full sets)
    val_fraction: float = 0.36         # share of individuals held out (40 of 111 in the paper)
    split_seed: int = 0                # seeds the individual split and contrast sampling only,
    #                                    so random_seed varies the start, not the data
    simulator_config: str = "default"  # TFDS builder config used when no --data is given
    training_view: str = "choice_sets"  # "choice_sets" (exact softmax) or "contrasts" (pairs)
    decisions_per_individual: int = 200   # contrasts: decisions sampled per individual
    alternatives_per_decision: int = 19   # contrasts: alternatives sampled per decision
    # -- model -----------------------------------------------------------------------------
    num_layers: int = 3                # 0 = linear model = conditional logit
    layer_size: int = 32
    dropout: float = 0.0
    activation: str = "relu"
    # -- optimisation (Adam, as in the original study) -------------------------------------
    learning_rate: float = 5e-4
    lr_decay: str = "none"             # "cosine": decay to 0.1 % of learning_rate over the run,
    #                                    so Adam settles on a convex optimum (linear models)
    batch_size: int = 10_000
    epochs: int = 100
    beta_1: float = 0.9
    beta_2: float = 0.999
    # Off: both measured slower at this batch size (bench/RESULTS_mimic.md, "XLA"); XLA
    # only runs with deterministic=False.
    jit_compile: bool = False
    steps_per_execution: int = 1
    # Decisions per cache-sized piece of each batch (tfmodels/microbatch.py): same gradient
    # and loss, measured faster (bench/RESULTS_mimic.md, "micro-batches"); 0 = whole batches.
    micro_batch: int = 500
    # -- exact solve of linear models (tfmodels/mimic/exact.py) --------------------------------
    optimizer: str = "auto"            # "newton": exact-Hessian Newton with a line search on
    #                                    the full training set (num_layers=0 only); "adam": the
    #                                    Keras fit above; "auto": newton when num_layers=0
    gradient_tol: float = 1e-7         # newton stops when max |gradient of the mean NLL| <= this
    max_iterations: int = 50           # newton gives up (converged=false) after this many steps

    @property
    def solves_exactly(self) -> bool:
        """Newton on the convex likelihood instead of Keras' Adam fit."""
        return self.optimizer == "newton" or (self.optimizer == "auto" and self.num_layers == 0)

    def validate(self) -> None:
        super().validate()
        explicit = "," in self.feature_set  # a comma-separated list of feature columns
        if self.feature_set not in FEATURE_SET_NAMES and not explicit:
            raise UserError(f"unknown feature_set {self.feature_set!r}; known: "
                            f"{', '.join(FEATURE_SET_NAMES)}, or a comma-separated list of "
                            f"feature columns (e.g. normed_distance,stay_put)")
        if self.training_view not in TRAINING_VIEWS:
            raise UserError(f"training_view must be one of {', '.join(TRAINING_VIEWS)}; "
                            f"got {self.training_view!r}")
        if self.num_layers < 0 or self.layer_size < 1:
            raise UserError("num_layers must be >= 0 and layer_size >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise UserError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 < self.val_fraction < 1.0:
            raise UserError(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        if self.max_km <= 0 or not 0 <= self.resolution <= 15:
            raise UserError("max_km must be > 0 and resolution in 0..15")
        if self.lr_decay not in LR_DECAYS:
            raise UserError(f"lr_decay must be one of {', '.join(LR_DECAYS)}, got "
                            f"{self.lr_decay!r}")
        if self.micro_batch < 0:
            raise UserError(f"micro_batch must be >= 0 (0 = whole batches), got "
                            f"{self.micro_batch}")
        if self.steps_per_execution < 1:
            raise UserError("steps_per_execution must be >= 1")
        if self.optimizer not in OPTIMIZERS:
            raise UserError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got "
                            f"{self.optimizer!r}")
        if self.optimizer == "newton" and self.num_layers != 0:
            raise UserError("optimizer=newton solves linear models only (convex likelihood); "
                            "set --set num_layers=0 or --set optimizer=adam")
        if not self.gradient_tol > 0 or self.max_iterations < 1:
            raise UserError("gradient_tol must be > 0 and max_iterations >= 1")
        self._validate_telemetry()

    def _validate_telemetry(self) -> None:
        for field, allowed in (("cells", CELLS), ("window", WINDOWS), ("split", SPLITS)):
            if getattr(self, field) not in allowed:
                raise UserError(f"{field} must be one of {', '.join(allowed)}, got "
                                f"{getattr(self, field)!r}")
        if self.outside not in ("error", "drop"):
            try:
                float(self.outside)
            except ValueError:
                raise UserError(f"outside must be error, drop or a number to fill with, got "
                                f"{self.outside!r}") from None
        parse_fractions(self.split_fractions)
        if self.crs:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                CRS.from_user_input(self.crs)
            except CRSError:
                raise UserError(f"crs {self.crs!r} is not a coordinate reference system pyproj "
                                f"knows; write it as EPSG:NNNN (e.g. --set crs=EPSG:32633)"
                                ) from None
        if self.alternatives < 0:
            raise UserError(f"alternatives must be >= 0 (0 = full choice sets), got "
                            f"{self.alternatives}")
        if self.alternatives and self.training_view != "choice_sets":
            raise UserError("alternatives samples choice sets; it needs "
                            "training_view=choice_sets")


def parse_fractions(text: str) -> tuple[float, float, float]:
    """`train,val,test` fractions of split=time (train and val > 0, test ≥ 0, sum 1)."""
    try:
        values = tuple(float(v) for v in str(text).split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 0 or values[0] <= 0 or values[1] <= 0:
        raise UserError(f"split_fractions {text!r} must be three numbers train,val,test with "
                        f"train and val > 0, e.g. --set split_fractions=0.8,0.1,0.1")
    if abs(sum(values) - 1.0) > 1e-6:
        raise UserError(f"split_fractions {text!r} sum to {sum(values):g}, not 1; e.g. "
                        f"--set split_fractions=0.8,0.1,0.1")
    return values  # type: ignore[return-value]


SPEC = FamilySpec(name="mimic", implementation="tfmodels.mimic.family",
                  question="which cell does an animal move to next?")
