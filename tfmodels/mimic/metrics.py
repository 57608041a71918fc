"""Scores for choice models, computed on full choice sets (never on contrasts).

GMP (geometric mean probability of the selection) is exp(−mean NLL per decision): the
probability the model gives, on average in the log sense, to what the animal really did.
It is shown beside the random-choice GMP (every valid choice equally likely).

*Moving* GMP answers "what does the model say when distance cannot cheat": drop the
stay-put choices (distance 0), renormalise each decision's probabilities
over the remaining choices, and score only decisions whose selection moved. Stay-put
dominates (≈65 % of decisions) and would otherwise hide everything else the model learned.
"""
from __future__ import annotations

import numpy as np

_TINY = 1e-300


def log_softmax_masked(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax over valid slots; padded slots get −inf."""
    logits = np.where(mask, logits.astype(np.float64), -np.inf)
    top = logits.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return logits - log_norm


def log_density(log_p_selected: np.ndarray, mask: np.ndarray, selected: np.ndarray,
                area_km2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per decision: log(P(selected) / its area in km²) and the uniform null's
    log(1 / total candidate area in km²).

    A probability per cell depends on the cell size; a density per km² does not, so models
    on H3 resolution 10 or 11, a 25 m raster grid, or another tool's density surface can
    be compared on the same steps."""
    rows = np.arange(len(selected))
    area = area_km2.astype(np.float64)
    total = np.where(mask, area, 0.0).sum(axis=1)
    return log_p_selected - np.log(area[rows, selected]), -np.log(total)


def choice_metrics(logits: np.ndarray, mask: np.ndarray, selected: np.ndarray,
                   distance_km: np.ndarray, split: str = "val",
                   area_km2: np.ndarray | None = None) -> dict[str, float]:
    """NLL per decision, GMP, moving GMP and their random-choice baselines, named by split
    (`gmp_val`, `gmp_val_moving`, `gmp_random_val`, ...), and with cell areas the mean log
    density and its uniform null (`log_density_val`, `log_density_null_val`)."""
    rows = np.arange(len(selected))
    log_p = log_softmax_masked(logits, mask)
    nll = -log_p[rows, selected]
    n_valid = mask.sum(axis=1)
    out = {
        f"nll_decision_{split}": float(nll.mean()),
        f"gmp_{split}": float(np.exp(-nll.mean())),
        f"gmp_random_{split}": float(np.exp(np.log(1.0 / n_valid).mean())),
    }
    if area_km2 is not None:
        density, null = log_density(-nll, mask, selected, area_km2)
        out[f"log_density_{split}"] = float(density.mean())
        out[f"log_density_null_{split}"] = float(null.mean())
    moving_mask = mask & (distance_km > 0)
    moved = distance_km[rows, selected] > 0
    moved &= moving_mask.sum(axis=1) > 0
    if moved.any():
        log_p_moving = log_softmax_masked(logits[moved], moving_mask[moved])
        nll_moving = -log_p_moving[np.arange(moved.sum()), selected[moved]]
        out[f"gmp_{split}_moving"] = float(np.exp(-nll_moving.mean()))
        out[f"gmp_random_{split}_moving"] = float(
            np.exp(np.log(1.0 / moving_mask[moved].sum(axis=1)).mean()))
    else:
        out[f"gmp_{split}_moving"] = float("nan")
        out[f"gmp_random_{split}_moving"] = float("nan")
    out[f"decisions_{split}"] = int(len(selected))
    out[f"decisions_{split}_moving"] = int(moved.sum())
    return out


def true_gmp(true_prob: np.ndarray, selected: np.ndarray) -> float:
    """GMP the data-generating process itself achieves (the ceiling for any model)."""
    p = true_prob[np.arange(len(selected)), selected].astype(np.float64)
    return float(np.exp(np.log(np.maximum(p, _TINY)).mean()))
