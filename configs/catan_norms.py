"""catan_norms: which normalisation keeps eval-mode regression right?

The overfit setting of `catan_resnet18 --overfit 64` (64 fixed windows in 2 fixed batches
of 32, ResNet-18 layout at width 0.25, AdamW + AMSGrad from lr 1e-2 halved on plateaus,
the schedule of the study in bench/RESULTS_catan.md; `--overfit` alone uses a cosine decay)
with each of the four norms and 3 random starts each. Its values are spelled out
here rather than left to the `overfit_*` fields, so each trial's config.json equals the
grid's config (the grid's resume check compares them).

Each trial reports, per head, accuracy with training=True and training=False on the same
64 windows after training, beside persistence (last input tick copied). In summary.csv
(means over the seeds; `skill_*` / `acc_changed_*` also with sd, min, max, n):
    skill_float_eval_mode_mean    1 − error / error of persistence: 0 = copying the last tick
    acc_changed_float_eval_mode_mean   accuracy on the elements that change (the hard part)
    acc_float_eval_mode_mean      per element: mostly elements persistence already gets right
    acc_float_train_mode_mean     the same weights with batch statistics (BatchNorm's view)
    acc_float_mode_gap_mean       train − eval: the BatchNorm trap, measured
    acc_<head>_..._mean           the same for categorical / binary / action heads
    overfit_reached_all_eval_mode_mean   share of seeds whose every head reached 99 % of
                                  its changed elements (the stop rule; `overfit_elements_*`:
                                  the old all-element rule)
    epochs_mean, seconds_mean     budget used (a trial stops once the stop rule is met)
The grid ranks configurations by the family's objective (best held-out val_loss), which
says nothing in the overfit setting: read the columns above.

Budget: 40 epochs × 8 passes × 2 batches = at most 640 steps per trial; the grid's time
on a 2-core CPU with `--workers 2` is in bench/RESULTS_catan.md ("Overfit check and norm
study"). On a GPU, `--set width=1.0 --set epochs=...` gives the full-size network.
"""
from configs.catan_resnet18 import get_config as resnet18


def get_config():
    base = resnet18()
    base.name = "catan_norms"
    base.overfit = 64
    base.width, base.learning_rate, base.epochs = 0.25, 1e-2, 40
    base.lr_decay = "none"  # halved on plateaus (patience 2): the schedule the study ran with
    base.overfit_width = base.overfit_learning_rate = base.overfit_epochs = 0
    base.grid = {
        "norm": ["batch", "group", "layer", "instance"],
        "random_seed": [0, 1, 2],
    }
    base.validate()
    return base
