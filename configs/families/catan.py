"""Config schema of the catan family (Catan future states from a multi-head ResNet-18).

Future-state prediction in Settlers of Catan: 16 past (state, action) ticks in, 4 future
states and actions out, from games between a fixed set of 4 catanatron bots.
"""
from __future__ import annotations

import dataclasses

from configs.base import LR_DECAYS, BaseConfig
from configs.families.spec import FamilySpec
from tflab.errors import UserError

NORMS = ("batch", "group", "layer", "instance", "none")
BOT_NAMES = ("random", "weighted_random", "victory_point")  # catanatron 3.2.1 on PyPI


@dataclasses.dataclass
class CatanConfig(BaseConfig):
    family: str = "catan"
    # -- data: games between 4 fixed bots (bot i plays RED, BLUE, WHITE, ORANGE) -----------
    bots: tuple[str, ...] = ("victory_point", "weighted_random", "weighted_random", "random")
    seed_start: int = 1          # game seeds seed_start .. seed_start + n_games - 1 (>= 1)
    n_games: int = 100           # games generated (and cached) for a normal fit
    max_ticks: int = 0           # cap on ticks per game (0 = play to the end, ~300-1000)
    val_fraction: float = 0.1    # share of games (the last seeds) held out for validation
    workers: int = 2             # processes generating games (does not change the data)
    history: int = 16            # past (state, action) ticks in the input
    future: int = 4              # future states and actions predicted
    window_stride: int = 8       # normal fit: every stride-th window of each game
    train_games: int = 0         # normal fit: train on the first N training games only (0 =
    #                              all); the held-out games stay the same (a data-size axis)
    data_seed: int = 0           # which windows the overfit setting draws (not the model seed)
    # -- model: ResNet-18 basic blocks [2, 2, 2, 2] ------------------------------------------
    norm: str = "group"          # batch | group | layer | instance | none
    width: float = 1.0           # stage widths 64·w, 128·w, 256·w, 512·w
    groups: int = 32             # GroupNorm groups at width 1 (scaled with width)
    bn_momentum: float = 0.9     # Keras momentum (= PyTorch's default 0.1)
    prior_init: bool = False     # head biases start at the training base rates (model.py)
    float_persistence: bool = True  # float head = last observed value + learned change
    numeric_skip: bool = False   # per-game heads also read the last tick's numeric features
    prior_batches: int = 8       # training batches the base rates are counted on
    # -- loss weight per head ----------------------------------------------------------------
    weight_categorical: float = 1.0
    weight_binary: float = 1.0
    weight_float: float = 10.0   # MSE on values in [0, 1] is small: (0.04 / 2)² = 4e-4
    float_loss: str = "value"    # value: MSE on values in [0, 1]; quantum: MSE in quanta
    weight_action: float = 1.0
    # -- optimisation: AdamW + AMSGrad, as the original study settled on ---------------------
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 32
    epochs: int = 10
    lr_decay: str = "none"       # "cosine": decay to 0.1 % over the run (no plateau halving)
    plateau_patience: int = 5    # halve the learning rate after this many epochs without a
    #                              better train_loss_true (overfit) / val_loss; 0 = off
    min_learning_rate: float = 1e-5
    # -- diagnostics -------------------------------------------------------------------------
    overfit: int = 0             # > 0: train on this many fixed windows until the heads fit
    overfit_games: int = 4       # games generated for the overfit setting (last is validation)
    overfit_passes: int = 4      # passes over the N windows per epoch (amortises eval passes)
    overfit_width: float = 0.0   # overfit setting: width (0 = `width`; see catan_resnet18)
    overfit_learning_rate: float = 0.0  # overfit setting: learning rate (0 = `learning_rate`)
    overfit_epochs: int = 0      # overfit setting: epoch budget (0 = `epochs`)
    overfit_target: float = 1.0  # eval-mode accuracy on CHANGED elements (target != last
    #                              input tick) every head must reach to stop early
    report_windows: int = 256    # normal fit: validation windows for the train/eval report
    mode_gap_warn: float = 0.02  # warn when train-mode and eval-mode accuracy differ by more

    def validate(self) -> None:
        super().validate()
        if self.norm not in NORMS:
            raise UserError(f"unknown norm {self.norm!r}; choose one of {', '.join(NORMS)}")
        if len(self.bots) != 4:
            raise UserError(f"bots must name exactly 4 players, got {len(self.bots)}")
        unknown = [b for b in self.bots if b not in BOT_NAMES]
        if unknown:
            raise UserError(f"unknown catan bot {unknown[0]!r}; known bots: "
                            f"{', '.join(BOT_NAMES)}")
        if self.n_games < 2:
            raise UserError(f"catan needs at least 2 games (one is held out for validation); "
                            f"got n_games={self.n_games}; e.g. --set n_games=100")
        if self.seed_start < 1:
            raise UserError(f"seed_start must be >= 1 (catanatron treats 0 as random)")
        if self.history < 1 or self.future < 1:
            raise UserError(f"history and future must be >= 1, got {self.history}, "
                            f"{self.future}")
        if self.max_ticks and self.history + self.future > self.max_ticks:
            raise UserError(f"a window of history + future = {self.history + self.future} "
                            f"ticks is longer than a game capped at max_ticks="
                            f"{self.max_ticks}; raise max_ticks or shorten the window")
        if not 0.0 < self.val_fraction < 1.0:
            raise UserError(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        if self.train_games < 0:
            raise UserError(f"train_games must be >= 0 (0 = every training game), got "
                            f"{self.train_games}")
        if self.width <= 0 or self.groups < 1 or self.window_stride < 1:
            raise UserError("width must be > 0, groups >= 1, window_stride >= 1")
        if self.float_loss not in ("value", "quantum"):
            raise UserError(f"float_loss must be 'value' or 'quantum', got {self.float_loss!r}")
        if self.lr_decay not in LR_DECAYS:
            raise UserError(f"lr_decay must be one of {', '.join(LR_DECAYS)}, got "
                            f"{self.lr_decay!r}")
        if self.prior_batches < 1:
            raise UserError(f"prior_batches must be >= 1, got {self.prior_batches}")
        if min(self.overfit_width, self.overfit_learning_rate, self.overfit_epochs) < 0:
            raise UserError("overfit_width, overfit_learning_rate and overfit_epochs must be "
                            ">= 0 (0 = use width / learning_rate / epochs)")
        if self.overfit < 0 or self.overfit_games < 2 or self.overfit_passes < 1:
            raise UserError("overfit must be >= 0, overfit_games >= 2 (one is held out) and "
                            "overfit_passes >= 1")
        if self.plateau_patience < 0 or self.min_learning_rate <= 0:
            raise UserError("plateau_patience must be >= 0 and min_learning_rate > 0")
        if self.weight_decay < 0 or min(self.loss_weights().values()) < 0:
            raise UserError("weight_decay and head loss weights must be >= 0")

    def loss_weights(self) -> dict[str, float]:
        return {"categorical": self.weight_categorical, "binary": self.weight_binary,
                "float": self.weight_float, "action": self.weight_action}

    def resolved(self) -> "CatanConfig":
        """The config a run trains with: in the overfit setting, `overfit_width`,
        `overfit_learning_rate` and `overfit_epochs` (where set, i.e. > 0) replace `width`,
        `learning_rate` and `epochs`; the run's config.json records the values used."""
        if not self.overfit:
            return self
        return dataclasses.replace(
            self, width=self.overfit_width or self.width,
            learning_rate=self.overfit_learning_rate or self.learning_rate,
            epochs=self.overfit_epochs or self.epochs)

    def games_in_data(self) -> int:
        """Games the run needs: all of them, or just `overfit_games` in the overfit setting."""
        return self.overfit_games if self.overfit else self.n_games


SPEC = FamilySpec(name="catan", implementation="tfmodels.catan.family", extra="catan",
                  modules=("catanatron", "catanatron_gym"),
                  question="can one ResNet predict a board game's next 4 ticks?",
                  cli_aliases=(("overfit", "N", "catan: train on N fixed windows until every "
                                "head fits (same as --set overfit=N)"),))
