"""mimic with no hidden layer: a conditional logit whose coefficients can be read directly.

Used to check the pipeline against the simulator's true coefficients and against
statsmodels' ConditionalLogit (`python -m bench.mimic_linear`). The likelihood is convex but
ill-conditioned (`stay_put` is `normed_distance == 0`), so it trains full-batch with a
cosine-decayed Adam step: measured on the paper-sized simulator, 60 epochs at batch 10 000
and lr 0.05 stopped 0.58 away from statsmodels' normed_distance; 1000 full-batch steps from
lr 0.3 land within 0.003 of it.
"""
from configs.families.mimic import MimicConfig


def get_config() -> MimicConfig:
    return MimicConfig(name="mimic_linear", feature_set="v3", num_layers=0,
                       learning_rate=0.3, lr_decay="cosine", epochs=1000, batch_size=16_384)
