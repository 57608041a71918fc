"""Every configuration against the best one, at the noise of its random seeds.

The notebook's finding is that random starts move the validation loss as much as the
architecture does, so "the best configuration" means little without its noise. For each
configuration this module gives the difference of medians of the objective over its seeds
(configuration − best) and a seed-resampling interval for it: a percentile bootstrap that
redraws each configuration's seeds with replacement, independently of the best's (a seed
number does not pair two architectures: their weights have different shapes), with a fixed
generator seed so the same table comes out twice. A configuration whose interval contains
0 is *indistinguishable from the best* at that noise.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

RESAMPLES = 2000
LEVEL = 0.90          # a two-sided 90 % percentile interval: the 5th and 95th percentiles
RNG_SEED = 0
VERDICT = "vs_best"   # best | indistinguishable | worse


def median_difference_interval(values: np.ndarray, best: np.ndarray, *,
                               resamples: int = RESAMPLES, level: float = LEVEL,
                               seed: int = RNG_SEED) -> tuple[float, float, float]:
    """(median(values) − median(best), low, high): percentile bootstrap over the seeds."""
    values, best = np.asarray(values, float), np.asarray(best, float)
    rng = np.random.default_rng(seed)
    ours = np.median(rng.choice(values, (resamples, len(values))), axis=1)
    theirs = np.median(rng.choice(best, (resamples, len(best))), axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(ours - theirs, [tail, 100 - tail])
    return float(np.median(values) - np.median(best)), float(low), float(high)


def versus_best(groups: dict, direction: str = "min", **options) -> pd.DataFrame:
    """`groups`: configuration key → the objective over its seeds. One row per key:
    `diff_median_vs_best`, `diff_low`, `diff_high` (the interval) and `vs_best`.

    The best is the lowest median (highest with direction "max"); a difference is signed
    so that a worse configuration is positive in both directions.
    """
    medians = {key: float(np.median(v)) for key, v in groups.items() if len(v)}
    if not medians:
        return pd.DataFrame(columns=["key", "diff_median_vs_best", "diff_low", "diff_high",
                                     VERDICT])
    sign = 1.0 if direction == "min" else -1.0
    best_key = min(medians, key=lambda k: sign * medians[k])
    rows = []
    for key, values in groups.items():
        if not len(values):
            continue
        diff, low, high = median_difference_interval(sign * np.asarray(values, float),
                                                     sign * np.asarray(groups[best_key], float),
                                                     **options)
        if key == best_key:
            verdict = "best"
        else:
            verdict = "indistinguishable" if low <= 0 <= high else "worse"
        rows.append({"key": key, "diff_median_vs_best": diff, "diff_low": low,
                     "diff_high": high, VERDICT: verdict})
    return pd.DataFrame(rows)


def describe(summary: pd.DataFrame, group_axes: list[str], score: str) -> list[str]:
    """The end-of-grid table and one sentence naming the configurations tied with the best."""
    if summary.empty or VERDICT not in summary:
        return []
    level = round(100 * LEVEL)
    lines = [f"{score} per configuration (median over seeds) and its difference from the best "
             f"with a {level} % bootstrap interval over seeds ({RESAMPLES} resamples):"]
    varying = [a for a in group_axes if summary[a].nunique() > 1]
    label = (summary[varying].astype(str).radd([f"{a}=" for a in varying])
             .agg(" ".join, axis=1) if varying else
             pd.Series(["all"] * len(summary), index=summary.index))
    width = max(len(s) for s in label)
    for i, row in summary.iterrows():
        lines.append(f"  {label[i]:<{width}}  n={int(row['n'])}  median "
                     f"{row[f'{score}_median']:.4f}  diff {row['diff_median_vs_best']:+.4f} "
                     f"[{row['diff_low']:+.4f}, {row['diff_high']:+.4f}]  {row[VERDICT]}")
    tied = [label[i] for i in summary.index if summary.loc[i, VERDICT] == "indistinguishable"]
    best = [label[i] for i in summary.index if summary.loc[i, VERDICT] == "best"]
    if tied:
        lines.append(f"indistinguishable from the best ({best[0]}) at this seed noise "
                     f"(interval contains 0): {', '.join(tied)}")
    else:
        lines.append(f"every other configuration is worse than the best ({best[0]}) beyond "
                     f"its {level} % interval")
    return lines
