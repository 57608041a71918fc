"""stereo_pretrain_census: the census-cost network pretrained on the photo-textured `rich` domain.

stereo_pretrain_rich's data, crops, sizes and optimiser, with `architecture="census"`
(tfmodels/stereo/census_model.py): the matching cost is a fixed census transform, so the
hour of CPU training goes into aggregation and refinement, which see no camera-specific
appearance — the part that has to carry over to real photographs. Census window 9×9,
softness 1 grey level: the best box-filtered census of those tried on the `rich`
validation split (bench/RESULTS_stereo.md).

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 taskset -c 1 \\
        python -m tfmodels.fit stereo_pretrain_census --out runs/census

Stops after 60 min of model.fit (time_budget_min) or by early stopping; ~0.87 CPU-s per
step of 4 crops on one core.
"""
from configs.stereo_pretrain_rich import get_config as rich_config


def get_config():
    config = rich_config()
    config.name = "stereo_pretrain_census"
    config.architecture = "census"
    config.census_radius, config.census_softness = 4, 1.0
    config.time_budget_min = 60.0
    return config
