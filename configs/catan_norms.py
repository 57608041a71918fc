"""catan_norms: which normalisation keeps eval-mode regression right? (seed 000, Edit 2)

The overfit setting (64 fixed windows) with every norm of the notes' study and 3 random
starts each. Each trial reports, per head, accuracy with training=True and training=False
on the same windows after training; summary.csv's `acc_float_eval_mode_mean` against
`acc_float_train_mode_mean` is the notes' BatchNorm finding, measured.
The ResNet is narrowed (width 0.25) and the epoch budget kept small so the 12 trials fit a
2-core machine; run it with --set width=1.0 --set epochs=... on a GPU for the notes' size.
"""
from configs.families.catan import CatanConfig


def get_config() -> CatanConfig:
    return CatanConfig(
        name="catan_norms",
        overfit=64,
        width=0.25,
        epochs=150,
        batch_size=32,
        grid={
            "norm": ["batch", "group", "layer", "instance"],
            "random_seed": [0, 1, 2],
        },
    )
