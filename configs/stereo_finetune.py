"""stereo_finetune: the regularised fine-tune on the `target` domain, every part on.

The recipe: SpatialDropout2D(p=0.2) after each decoder conv block, AdamW lr 5e-5 with
weight decay 1e-5, gradient clipping at norm 1.0, ReduceLROnPlateau(factor 0.5, patience 5,
min_lr 1e-7) and EarlyStopping(patience 15, best weights restored) on val EPE, best
checkpoint saved, starting from the pretrained weights. The target domain is small on
purpose (128 training pairs, like a set of RealSense captures), which is where the
regularisation matters. 30 epochs instead of the recipe's 50 keep the run short on a
2-core CPU (its time: bench/RESULTS_stereo.md, "Runs", runs/ft).

    python -m tfmodels.fit stereo_finetune --set pretrained=runs/pre/model.keras --out runs/ft
    python -m tfmodels.fit stereo_finetune --data my_captures/ --calib calib.npz \
        --set pretrained=runs/pre/model.keras
"""
from configs.families.stereo import StereoConfig


def get_config() -> StereoConfig:
    return StereoConfig(
        name="stereo_finetune",
        domain="target",
        n_train=128, n_val=64, n_test=256,
        pretrained="runs/pre/model.keras",
        dropout_p=0.2,
        learning_rate=5e-5,
        weight_decay=1e-5,
        clipnorm=1.0,
        batch_size=8,
        epochs=30,
        lr_plateau=True, plateau_factor=0.5, plateau_patience=5, min_lr=1e-7,
        early_stopping=True, early_stop_patience=15,
        checkpoint_best=True,
    )
