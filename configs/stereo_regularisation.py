"""stereo_regularisation: the recipe's three presets as a grid, several seeds each.

Conservative (dropout 0.1, lr 7e-5, wd 5e-6), default (0.2, 5e-5, 1e-5) and aggressive
(0.3, 3e-5, 5e-5) span the axes below; every combination is fine-tuned from the same
pretrained weights with random_seed as its own axis, so summary.csv shows how much the seed
alone moves val EPE next to what the regularisation does.

    python -m tuning.grid stereo_regularisation [--set pretrained=runs/pre/model.keras]

Budget: 2 × 2 × 2 × 2 = 16 trials of 8 epochs each (the fine-tune itself runs up to 30);
the grid's time on a 2-core CPU is in bench/RESULTS_stereo.md ("Regularisation grid").
Everything else is the stereo_finetune recipe unchanged (plateau patience 5, early-stop
patience 15), so within 8 epochs the grid compares how fast and how cleanly each setting
adapts, not where it finally converges; `--set epochs=30` runs the full-length grid.
"""
from configs.stereo_finetune import get_config as finetune_config


def get_config():
    config = finetune_config()
    config.name = "stereo_regularisation"
    config.epochs = 8
    config.grid = {
        "dropout_p": [0.1, 0.3],
        "weight_decay": [5e-6, 5e-5],
        "learning_rate": [3e-5, 7e-5],
        "random_seed": [0, 1],
    }
    return config
