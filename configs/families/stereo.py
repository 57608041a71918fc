"""Config schema of the stereo family (regularised stereo fine-tuning).

Every part of the fine-tuning recipe is a field here, so a grid can switch it off or vary it:
dropout_p, weight_decay (AdamW), learning_rate, clipnorm, the ReduceLROnPlateau and
EarlyStopping settings, best-checkpoint saving and the pretrained weights to start from.
"""
from __future__ import annotations

import dataclasses

from configs.base import BaseConfig
from configs.families.spec import FamilySpec
from tflab.errors import UserError

DOMAINS = ("pretrain", "target", "rich")
ARCHITECTURES = ("learned", "census")


@dataclasses.dataclass
class StereoConfig(BaseConfig):
    family: str = "stereo"
    # -- data ------------------------------------------------------------------------------
    domain: str = "pretrain"     # synthetic domain when no capture directory is given
    image_height: int = 48       # full image size (synthetic render size; captures are
    image_width: int = 96        #   resized to it). 48x96 keeps a CPU fine-tune to minutes
    max_disparity: int = 24      # largest disparity (px, <= 192) the cost volume covers;
    #                              ground truth beyond it is masked from the loss and counted
    crop_height: int = 0         # train on random crops of this size (same window in both
    crop_width: int = 0          #   views and the target); 0 = train on whole images
    volume_scale: int = 2        # cost volume at 1/2 or 1/4 resolution (4 at real sizes)
    data_format: str = ""        # --data layout: "" = recognise it, or middlebury, kitti,
    #                              sceneflow, captures (pipelines/stereo/formats.py)
    n_train: int = 2048          # synthetic split sizes (TFDS builder config)
    n_val: int = 256
    n_test: int = 256
    data_seed: int = 0           # renders the synthetic scenes; random_seed never changes data
    data: str = ""               # capture directory (same as --data): left/ right/ disparity|depth/
    calib: str = ""              # calibration .npz (focal_px, baseline_m) for depth/ captures
    val_fraction: float = 0.15   # capture directory: sorted-name split fractions
    test_fraction: float = 0.15
    # -- model -----------------------------------------------------------------------------
    architecture: str = "learned"  # learned: encoder features → correlation (model.py);
    #                              census: fixed census cost, learned aggregation (census_model.py)
    census_radius: int = 4       # census window (2r + 1)²; chosen on synthetic validation
    census_softness: float = 1.0  # grey levels: tanh((neighbour − centre) / softness)
    soft_argmax_window: int = 0  # census: inference expectation only within this many bins
    #                              of the most probable one (0 = over all bins)
    base_width: int = 16         # channels of the first encoder stage (others are multiples)
    dropout_p: float = 0.2       # SpatialDropout2D after each decoder conv block
    pretrained: str = ""         # model.keras to load weights from ("" = random init)
    # -- optimisation (AdamW; the recipe's values are the stereo_finetune defaults) --------
    learning_rate: float = 5e-5
    weight_decay: float = 1e-5   # decoupled (AdamW); 0 = off
    clipnorm: float = 1.0        # gradient-norm clipping; 0 = off
    huber_delta: float = 1.0     # smooth-L1 switch point in px
    batch_size: int = 16
    epochs: int = 50
    lr_plateau: bool = True      # ReduceLROnPlateau on val_epe
    plateau_factor: float = 0.5
    plateau_patience: int = 5
    min_lr: float = 1e-7
    early_stopping: bool = True  # EarlyStopping on val_epe, best weights restored
    early_stop_patience: int = 15
    checkpoint_best: bool = True  # best.keras whenever val_epe improves
    time_budget_min: float = 0.0  # stop after the epoch that passes this many minutes (0 = off)
    # -- warning signs of a fine-tune going wrong (printed each epoch) ---------------------
    gap_warning: float = 1.0     # val_loss − train_loss_true above this → "still overfitting"
    #                              (5.0 px at full resolution, with ~6× these disparities)
    rise_warning_epochs: int = 3  # val_epe rising this many epochs in a row → "lr or capacity"
    # -- evaluation ------------------------------------------------------------------------
    sgbm_baseline: bool = True   # score OpenCV StereoSGBM on the same test split
    jit_compile: bool = False    # XLA; only with deterministic=False (Keras turns it off under
    #                              TF op determinism; see tfmodels.fit.compile_options)
    steps_per_execution: int = 1

    def validate(self) -> None:
        super().validate()
        if self.domain not in DOMAINS:
            raise UserError(f"domain must be one of {', '.join(DOMAINS)}; got {self.domain!r}")
        if self.architecture not in ARCHITECTURES:
            raise UserError(f"architecture must be one of {', '.join(ARCHITECTURES)}; got "
                            f"{self.architecture!r}")
        if self.soft_argmax_window < 0:
            raise UserError(f"soft_argmax_window must be >= 0, got {self.soft_argmax_window}")
        if not 1 <= self.census_radius <= 5 or self.census_softness <= 0:
            raise UserError(f"census_radius must be in 1..5 and census_softness > 0, got "
                            f"{self.census_radius} and {self.census_softness}")
        if self.volume_scale not in (2, 4):
            raise UserError(f"volume_scale must be 2 or 4, got {self.volume_scale}")
        multiple = 4 * self.volume_scale  # = tfmodels.stereo.model.multiple_of
        for side in ("image_height", "image_width", "crop_height", "crop_width"):
            value = getattr(self, side)
            if (value or side.startswith("image")) and (value < 16 or value % multiple):
                raise UserError(f"{side} must be a multiple of {multiple} (volume_scale "
                                f"{self.volume_scale}) and >= 16, got {value}")
        if bool(self.crop_height) != bool(self.crop_width):
            raise UserError("set both crop_height and crop_width (or neither)")
        if self.crop_height > self.image_height or self.crop_width > self.image_width:
            raise UserError(f"crop {self.crop_height}x{self.crop_width} is larger than the "
                            f"image {self.image_height}x{self.image_width}")
        if not 4 <= self.max_disparity <= min(192, self.image_width - 1):
            raise UserError(f"max_disparity must be in 4..min(192, image_width-1), got "
                            f"{self.max_disparity}")
        if min(self.n_train, self.n_val, self.n_test) < 1:
            raise UserError("n_train, n_val and n_test must all be >= 1")
        if not (0 < self.val_fraction < 1 and 0 < self.test_fraction < 1
                and self.val_fraction + self.test_fraction < 1):
            raise UserError("val_fraction and test_fraction must be in (0, 1) with sum < 1")
        if not 0.0 <= self.dropout_p < 1.0:
            raise UserError(f"dropout_p must be in [0, 1), got {self.dropout_p}")
        if self.weight_decay < 0 or self.clipnorm < 0 or self.huber_delta <= 0:
            raise UserError("weight_decay and clipnorm must be >= 0, huber_delta > 0")
        if not 0 < self.plateau_factor < 1 or self.plateau_patience < 1 or self.min_lr < 0:
            raise UserError("plateau_factor must be in (0, 1), plateau_patience >= 1, "
                            "min_lr >= 0")
        if self.early_stop_patience < 1 or self.rise_warning_epochs < 2:
            raise UserError("early_stop_patience must be >= 1, rise_warning_epochs >= 2")
        if self.base_width < 4:
            raise UserError(f"base_width must be >= 4, got {self.base_width}")
        if self.steps_per_execution < 1:
            raise UserError("steps_per_execution must be >= 1")


SPEC = FamilySpec(name="stereo", implementation="tfmodels.stereo.family",
                  extra="stereo", modules=("cv2", "scipy"),
                  question="does the regularised fine-tune beat classical stereo?",
                  cli_aliases=(("calib", "NPZ", "stereo captures: focal_px and baseline_m "
                                "(same as --set calib=NPZ)"),))
