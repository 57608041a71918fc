"""catan_resnet18: a multi-head ResNet-18 future-state predictor.

The task: 16 past (state, action) ticks → 4 future states and
actions, games between 4 fixed catanatron bots, one head per output type, AdamW + AMSGrad.
BatchNorm's eval-mode statistics break the regression heads, so GroupNorm is the default
here; `python -m tuning.grid catan_norms` measures it.

    python -m tfmodels.fit catan_resnet18 --overfit 64       # capacity check on 64 windows
    python -m tfmodels.fit catan_resnet18 --set norm=group    # normal fit on 100 games
"""
from configs.families.catan import CatanConfig


def get_config() -> CatanConfig:
    return CatanConfig(
        name="catan_resnet18",
        bots=("victory_point", "weighted_random", "weighted_random", "random"),
        seed_start=1,
        n_games=100,
        history=16,
        future=4,
        norm="group",
        width=1.0,
        learning_rate=1e-3,
        weight_decay=1e-4,
        batch_size=32,
        epochs=10,
        weight_categorical=20.0,
        weight_binary=5.0,
        # float heads: last observed value + change (float_persistence), loss in quanta, and
        # the last tick's numeric features beside the per-game heads: together they took the
        # overfit float head past 99 % (each step: bench/RESULTS_catan.md, "Overfit check
        # and norm study")
        weight_float=0.1,
        float_loss="quantum",
        numeric_skip=True,
        weight_action=1.0,
        # the overfit setting (--overfit N): see the docstring
        overfit_width=0.25,
        overfit_learning_rate=1e-2,
        overfit_epochs=240,      # the cosine's horizon; the run stops once every head fits
        overfit_passes=8,
        overfit_target=0.99,
        lr_decay="cosine",
        plateau_patience=2,      # used only with lr_decay="none"
    )
