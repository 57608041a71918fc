"""catan_heldout: does the ResNet predict anything on games it has never seen?

Trains on the first `train_games` of 200 training games (seeds 1–200) and scores the 20
held-out games (seeds 201–220, the builder's split by game, the same for every data size),
per head and per future tick t+1 … t+4, against persistence (last input tick copied; the
most frequent action for the action head): accuracy on every element, on the changed
elements only (target ≠ last input tick), and skill = 1 − error_model / error_persistence.
Skill > 0 means the network beats copying the last tick on unseen games.

    python -m pipelines.catan --config catan_heldout --workers 2   # the 220 games, once
    python -m tuning.grid catan_heldout --workers 1                  # data size × seeds

Budget (a shared 2-core CPU, one core per trial): width 0.125, learning rate 1e-3 (cosine),
2 epochs over every 32nd window, batch 32 (so a larger data size also gets more steps); the
report scores every 32nd window of the 20 held-out games.
On a GPU, raise `width`, `epochs` and lower `window_stride`.
"""
from configs.catan_resnet18 import get_config as resnet18


def get_config():
    config = resnet18()
    config.name = "catan_heldout"
    config.n_games = 220
    config.val_fraction = 20 / 220      # 20 held-out games, seeds 201..220
    config.width = 0.125
    config.epochs = 2
    config.lr_decay = "cosine"
    config.window_stride = 32
    config.report_windows = 100_000     # every held-out window of the stride
    config.train_games = 200
    config.grid = {
        "train_games": [20, 80, 200],
        "random_seed": [0, 1],
    }
    config.validate()
    return config
