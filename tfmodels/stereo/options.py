"""What the stereo commands do at test time beyond one forward pass, and the chosen default.

A small module with no TensorFlow import, so the command lines can declare these options
(tfmodels/stereo/cli_args.py) and check their data before TensorFlow starts.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class InferenceOptions:
    """What `predict_pair` does beyond one forward pass (all off: exactly one pass).

    vflip         also run the vertically flipped pair and average the two answers (rows stay
                  rows, so every match is unchanged; the network's errors are not);
    lr_threshold  px; > 0 also runs the swapped, mirrored pair for the right view's
                  disparity, refuses left pixels whose match does not lead back within it
                  and fills them from the background (tfmodels/stereo/postprocess.py);
    median        k×k median of the result (0 or 1: none).
    """

    vflip: bool = False
    lr_threshold: float = 0.0
    median: int = 0

    def __post_init__(self):
        if self.lr_threshold < 0 or self.median < 0:
            raise ValueError(f"lr_threshold and median must be >= 0, got {self}")

    @property
    def passes(self) -> int:
        """Forward passes per network and pair."""
        return (2 if self.vflip else 1) * (2 if self.lr_threshold > 0 else 1)

    def describe(self) -> str:
        parts = (["vertical-flip average"] if self.vflip else []) + (
            [f"left-right check {self.lr_threshold:g} px + background fill"]
            if self.lr_threshold > 0 else []) + (
            [f"{self.median}x{self.median} median"] if self.median > 1 else [])
        return ", ".join(parts) or "one plain forward pass"


# The commands' default: chosen on synthetic `rich` pairs rendered for the purpose, never on
# a real pair (bench/stereo_postprocess.py; the measured grid is in bench/RESULTS_stereo.md).
CHOSEN = InferenceOptions(vflip=True, lr_threshold=3.0, median=25)
