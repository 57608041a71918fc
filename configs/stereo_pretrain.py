"""stereo_pretrain: train the stereo network on the synthetic `pretrain` domain.

The fine-tuning recipe starts from weights pretrained on a large synthetic set
(FlyingThings, 25k steps); here the stand-in is the locally rendered `pretrain` domain (many
textured shapes at random depths and slants). Plenty of data, so no dropout and a larger
learning rate than the fine-tune; the same plateau / early-stopping machinery keeps the run
from wasting epochs. Its time on a 2-core CPU: bench/RESULTS_stereo.md ("Runs", runs/pre).
"""
from configs.families.stereo import StereoConfig


def get_config() -> StereoConfig:
    return StereoConfig(
        name="stereo_pretrain",
        domain="pretrain",
        n_train=1024, n_val=128, n_test=128,
        dropout_p=0.0,
        learning_rate=1e-3,
        weight_decay=1e-4,
        clipnorm=1.0,
        batch_size=8,
        epochs=6,
        plateau_patience=2,
        early_stop_patience=4,
        pretrained="",
    )
