"""stereo_pretrain_rich: pretrain at a realistic size on the photo-textured `rich` domain.

The network that is meant to run on real photographs: 256×512 rendered pairs with
disparities up to 96 px (the cost volume at 1/4 resolution, 25 bins of 4 px), trained on
random 128×256 crops and validated on whole 256×512 images. The `rich` domain (bundled
photographs as textures, slanted and cluttered surfaces, per-eye photometry) is what lets
it transfer; bench/RESULTS_stereo.md scores it zero-shot on the Middlebury motorcycle pair
that scikit-image ships, which no tflab data set is built from.

    TF_NUM_INTRAOP_THREADS=1 nice -n 5 python -m tfmodels.fit stereo_pretrain_rich --out runs/rich

Budget on the shared 2-core CPU, one thread: ~0.35 CPU-s per step of 4 crops, rendering
~0.3 CPU-s per pair; training stops after 50 min of model.fit (time_budget_min) or by early
stopping, whichever comes first (bench/RESULTS_stereo.md has the measured run).
"""
from configs.families.stereo import StereoConfig


def get_config() -> StereoConfig:
    return StereoConfig(
        name="stereo_pretrain_rich",
        domain="rich",
        image_height=256, image_width=512, max_disparity=96,
        crop_height=128, crop_width=256, volume_scale=4,
        n_train=640, n_val=32, n_test=64,
        base_width=16,
        dropout_p=0.0,
        learning_rate=1e-3,
        weight_decay=1e-4,
        clipnorm=1.0,
        batch_size=4,
        epochs=40,
        time_budget_min=50.0,  # the shared CPU decides how many epochs fit
        plateau_patience=2,
        early_stop_patience=4,
        gap_warning=5.0,  # 5 px, as at full resolution: disparities ~4x the 48x96 default's
        pretrained="",
    )
