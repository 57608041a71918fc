"""Per-pair and total scores of a dense network next to OpenCV StereoSGBM, on the same pixels.

For every pair the ground-truth-valid pixels (minus any beyond `max_disparity`, counted
apart) are scored for both methods with `disparity_errors`:
  network      epe, bad1, bad2, bad3, d1 over all those pixels (density 1: it is dense)
  sgbm_*       the same keys with SGBM's holes filled along the row (KITTI devkit's
               background interpolation), so both are scored on the very same pixels;
  sgbm_density share of those pixels where SGBM returned a disparity, and
  sgbm_*_valid EPE / bad-3 / D1 on those pixels only (flattering: hard pixels skipped).
Totals are pixel means over every scored pixel of every pair (the KITTI convention),
not means of per-pair means.
"""
from __future__ import annotations

import numpy as np

from tfmodels.stereo.baseline import fill_holes, make_sgbm, sgbm_disparity
from tfmodels.stereo.losses import ERROR_KEYS, disparity_errors

TABLE_COLUMNS = (("epe", "EPE", "{:.3f}"), ("bad1", "bad-1", "{:.1%}"),
                 ("bad2", "bad-2", "{:.1%}"), ("bad3", "bad-3", "{:.1%}"),
                 ("d1", "D1", "{:.1%}"), ("density", "density", "{:.1%}"))
MEASURED_AS = {
    "epe": "mean |d_pred - d_gt| (px) over ground-truth-valid pixels <= max_disparity",
    "bad1/bad2/bad3": "share of those pixels with error > 1/2/3 px",
    "d1": "KITTI 2015 D1: share with error > 3 px and > 5 % of d_gt",
    "density": "share of those pixels where the method returned a disparity",
    "sgbm_*": "OpenCV StereoSGBM on the same pixels, its holes filled along the row",
    "sgbm_*_valid": "OpenCV StereoSGBM, only the pixels where it returned a disparity",
    "n_beyond_max_disparity": "valid ground-truth pixels > max_disparity, not scored",
    "total": "pixel means over every scored pixel of every pair",
}


class PairScorer:
    """Scores pairs one at a time and keeps what the totals need."""

    def __init__(self, max_disparity: int, sgbm_block_size: int = 3):
        self.max_disparity = max_disparity
        self.sgbm = make_sgbm(max_disparity, sgbm_block_size) if sgbm_block_size else None
        self.block_size = sgbm_block_size
        self.pooled: dict[str, list] = {"truth": [], "net": [], "filled": [], "found": []}
        self.beyond = 0

    def score(self, left, right, prediction, disparity, valid) -> dict:
        """The scores of one pair (prediction (H, W) px; ground truth with its mask)."""
        beyond = valid & (disparity > self.max_disparity)
        scored = valid & ~beyond
        self.beyond += int(beyond.sum())
        row = {**_errors(prediction, disparity, scored), "density": 1.0,
               "n_pixels": int(scored.sum()), "n_beyond_max_disparity": int(beyond.sum())}
        self.pooled["truth"].append(disparity[scored])
        self.pooled["net"].append(prediction[scored])
        if self.sgbm is not None:
            sgbm, found = sgbm_disparity(self.sgbm, left, right)
            filled = fill_holes(sgbm, found)
            row.update(_sgbm_scores(filled, disparity, scored, found))
            self.pooled["filled"].append(filled[scored])
            self.pooled["found"].append(found[scored])
        return row

    def total(self) -> dict:
        truth = np.concatenate(self.pooled["truth"])
        everywhere = np.ones(truth.shape, bool)
        row = {**_errors(np.concatenate(self.pooled["net"]), truth, everywhere),
               "density": 1.0, "n_pixels": int(truth.size),
               "n_beyond_max_disparity": self.beyond}
        if self.sgbm is not None:
            row.update(_sgbm_scores(np.concatenate(self.pooled["filled"]), truth, everywhere,
                                    np.concatenate(self.pooled["found"])))
        return row


def _errors(prediction, disparity, mask) -> dict:
    errors = disparity_errors(prediction, disparity, mask)
    return {key: errors[key] for key in ERROR_KEYS}


def _sgbm_scores(filled, disparity, scored, found) -> dict:
    """sgbm_* keys: holes filled on all scored pixels, *_valid on SGBM's own pixels."""
    row = {f"sgbm_{k}": v for k, v in _errors(filled, disparity, scored).items()}
    own = _errors(filled, disparity, scored & found)  # filled == raw where found
    row.update(sgbm_epe_valid=own["epe"], sgbm_bad3_valid=own["bad3"],
               sgbm_d1_valid=own["d1"],
               sgbm_density=float((scored & found).sum() / max(int(scored.sum()), 1)))
    return row


def scores_table(rows: dict[str, dict], title: str) -> str:
    """Network and SGBM side by side, one line each per pair and for the total."""
    header = f"{'pair':<28}{'method':<22}" + "".join(f"{label:>9}" for _, label, _ in
                                                   TABLE_COLUMNS) + f"{'EPE own px':>12}"
    lines = [title, header, "-" * len(header)]
    for name, row in rows.items():
        methods = [("network", "", "")]
        if "sgbm_epe" in row:
            methods.append(("SGBM, holes filled", "sgbm_", f"{row['sgbm_epe_valid']:.3f}"))
        for label, prefix, own in methods:
            cells = "".join(f"{fmt.format(row[prefix + key]):>9}"
                            for key, _, fmt in TABLE_COLUMNS)
            lines.append(f"{name[:27]:<28}{label:<22}{cells}{own:>12}")
    lines.append("EPE in px, bad-k = share with error > k px, D1 = error > 3 px and > 5 %, "
                 "all over the same ground-truth-valid pixels (SGBM's holes filled along the "
                 "row); 'EPE own px' = SGBM only where it returned a disparity; total = "
                 "pixel mean over all pairs.")
    return "\n".join(lines)
