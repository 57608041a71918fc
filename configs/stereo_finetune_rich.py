"""stereo_finetune_rich: the regularised fine-tune at a realistic size.

stereo_finetune's recipe unchanged (SpatialDropout2D 0.2, AdamW lr 5e-5 / wd 1e-5, clipnorm
1.0, plateau and early stopping on val EPE, best checkpoint), applied to the network that
stereo_pretrain_rich trained: 256×512 `target` pairs (the RealSense-like domain with sensor
holes), random 128×256 crops, cost volume at 1/4, disparities up to 96 px. 128 training
pairs, as in a small set of captures.

    python -m tfmodels.fit stereo_finetune_rich --out runs/ft_rich
"""
from configs.stereo_finetune import get_config as finetune_config


def get_config():
    config = finetune_config()
    config.name = "stereo_finetune_rich"
    config.image_height, config.image_width, config.max_disparity = 256, 512, 96
    config.crop_height, config.crop_width, config.volume_scale = 128, 256, 4
    config.n_train, config.n_val, config.n_test = 128, 32, 64
    config.pretrained = "runs/rich/model.keras"
    config.batch_size = 4
    config.gap_warning = 5.0  # 5 px, as at full resolution (disparities ~4x the default's)
    config.time_budget_min = 6.0
    return config
