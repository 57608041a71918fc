"""mimic m3: the original study's final grid over the three feature sets (60 trials).

The original study's retuning: batch 10 000 so each batch estimates the choice probabilities
well, Adam lr 5e-4, 100 epochs, no dropout, depth {3, 4} × width {24, 32}, and five random
starts per configuration — because seeds moved val loss as much as the architecture did.
Runs on the built-in known-truth simulator unless --data points at real tracks.
"""
from configs.families.mimic import MimicConfig


def get_config() -> MimicConfig:
    return MimicConfig(
        name="mimic_v3",
        feature_set="v3",
        grid={
            "feature_set": ["v1", "v2", "v3"],
            "batch_size": [10_000],
            "random_seed": list(range(5)),
            "epochs": [100],
            "dropout": [0.0],
            # deepest first: trials start in this order, so with several workers the last
            # ones to finish are the short 3-layer runs (a 4-layer run costs ≈1.3×)
            "num_layers": [4, 3],
            "layer_size": [24, 32],
            "learning_rate": [0.0005],
        },
    )
