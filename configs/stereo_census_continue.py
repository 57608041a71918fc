"""stereo_census_continue: 25 more CPU minutes of stereo_pretrain_census, from its best weights.

Same `rich` data, crops and recipe (AdamW, clipnorm, plateau, early stopping on synthetic
val EPE); starts from runs/census/model.keras at lr 2.5e-4, the rate of the pretrain's
steadiest epochs (its plateau had cut to 6.25e-5 when the hour ran out). Together the two
runs are ~85 min of one core (bench/RESULTS_stereo.md).

    python -m tfmodels.fit stereo_census_continue --out runs/census_more
"""
from configs.stereo_pretrain_census import get_config as census_config


def get_config():
    config = census_config()
    config.name = "stereo_census_continue"
    config.pretrained = "runs/census/model.keras"
    config.learning_rate = 2.5e-4
    config.time_budget_min = 25.0
    return config
