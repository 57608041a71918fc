"""Standard errors of a conditional logit from its Hessian at the optimum.

The covariance of the maximum-likelihood coefficients is the inverse observed information
(the Hessian of the summed NLL at the optimum), which is what statsmodels'
`ConditionalLogit.fit().bse` and R's `survival::clogit` report. Features that are constant
within every decision (time of year) have no information at all: their Hessian rows are
zero, so they get no standard error and `identified = False` instead of a made-up number.

Fixes of one animal are not independent, so the model-based SEs can be too small.
`cluster_covariance` gives the sandwich H⁻¹ (Σ_g S_g S_gᵀ) H⁻¹ · G/(G−1) with S_g the summed
score of individual g's decisions (the CR1 correction Stata and statsmodels use for
clustered SEs); `coefficients.csv` carries it as `se_cluster` next to `se`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z_95 = 1.959963984540054  # standard normal 97.5 % quantile: 95 % two-sided intervals


def model_covariance(hessian: np.ndarray, identified: np.ndarray) -> np.ndarray:
    """Inverse Hessian on the identified coefficients; NaN rows/columns elsewhere."""
    index = np.flatnonzero(identified)
    covariance = np.full(hessian.shape, np.nan)
    covariance[np.ix_(index, index)] = np.linalg.inv(hessian[np.ix_(index, index)])
    return covariance


MIN_CLUSTERS = 10  # fewer individuals than this: cluster on bursts of each track instead


def clusters_of(choice_sets) -> tuple[np.ndarray, str]:
    """Cluster of each decision for robust SEs, and a note saying which.

    Steps of one animal are autocorrelated, so scores are summed within individuals; a
    sandwich over fewer than ~10 clusters is unreliable (one animal: the summed score is
    the zero gradient itself), so tracks of few animals cluster on their bursts (runs of
    steps without a gap) instead."""
    individual = np.asarray(choice_sets.individual)
    count = len(pd.unique(individual))
    if count >= MIN_CLUSTERS or choice_sets.burst is None:
        return individual, f"{count} individuals"
    pairs = pd.MultiIndex.from_arrays([individual, choice_sets.burst])
    codes = pd.factorize(pairs)[0]
    return codes, (f"{codes.max() + 1} bursts of {count} individual(s) (fewer than "
                   f"{MIN_CLUSTERS} individuals)")


def cluster_covariance(hessian: np.ndarray, scores: np.ndarray, clusters: np.ndarray,
                       identified: np.ndarray) -> np.ndarray:
    """Sandwich covariance with the per-decision scores [D, F] summed within each cluster."""
    index = np.flatnonzero(identified)
    codes, _ = pd.factorize(np.asarray(clusters))
    groups = codes.max() + 1
    summed = np.zeros((groups, scores.shape[1]))
    np.add.at(summed, codes, scores)
    bread = np.linalg.inv(hessian[np.ix_(index, index)])
    meat = summed[:, index].T @ summed[:, index]
    covariance = np.full(hessian.shape, np.nan)
    covariance[np.ix_(index, index)] = bread @ meat @ bread * groups / max(groups - 1, 1)
    return covariance


def coefficient_table(names: list[str], beta: np.ndarray, covariance: np.ndarray,
                      identified: np.ndarray,
                      cluster_cov: np.ndarray | None = None) -> pd.DataFrame:
    """feature, coefficient, se, z, p_value, ci_low, ci_high, identified (+ se_cluster)."""
    se = np.sqrt(np.diag(covariance))
    z = beta / se
    half = Z_95 * se
    p_value = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])  # 2 · normal tail
    table = pd.DataFrame({
        "feature": list(names), "coefficient": beta, "se": se, "z": z,
        "p_value": p_value, "ci_low": beta - half,
        "ci_high": beta + half, "identified": np.asarray(identified, dtype=bool)})
    if cluster_cov is not None:
        table["se_cluster"] = np.sqrt(np.diag(cluster_cov))
    return table
