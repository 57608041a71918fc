"""Benchmark: the linear log-odds network (`mimic_linear`) against statsmodels' ConditionalLogit.

    python -m bench.mimic_linear [--set key=value ...]

Both estimators see the same training split of the paper-sized simulator (feature set and
split from the config). statsmodels fits the conditional logit by Newton-type maximum
likelihood on the long table (one row per valid choice); tflab fits the same likelihood
with Adam through the real `MimicFamily.train` (run directory and all). Reports each one's
wall clock, both coefficient vectors and their largest absolute difference, and appends a
line to bench/RESULTS_mimic.md.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "RESULTS_mimic.md"


def long_table(choice_sets):
    """Valid rows of padded choice sets as (y, X, groups) for ConditionalLogit."""
    rows = choice_sets.mask.astype(bool)
    decision = np.broadcast_to(np.arange(choice_sets.num_decisions)[:, None], rows.shape)
    chosen = np.zeros(rows.shape, dtype=bool)
    chosen[np.arange(choice_sets.num_decisions), choice_sets.selected] = True
    return (chosen[rows].astype(float), choice_sets.features[rows].astype(np.float64),
            decision[rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    from configs.base import load_config
    from statsmodels.discrete.conditional_models import ConditionalLogit

    from tfmodels.families import get_family
    from tfmodels.runtime import quiet_console

    quiet_console()
    config = load_config("mimic_linear", args.overrides)
    family = get_family("mimic")
    data = family.load_data(config, None)
    y, x, groups = long_table(data.train)

    started = time.perf_counter()
    oracle = ConditionalLogit(y, x, groups=groups).fit(disp=0, maxiter=200)
    statsmodels_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as run_dir:
        started = time.perf_counter()
        metrics = family.train(config, data, Path(run_dir), verbose=0)
        tflab_s = time.perf_counter() - started
        import pandas as pd

        coefficients = pd.read_csv(Path(run_dir) / "coefficients.csv")
    ours = coefficients["coefficient"].to_numpy()
    gap = np.abs(ours - np.asarray(oracle.params))
    print(f"{'feature':<28}{'tflab':>10}{'statsmodels':>13}{'SE':>9}")
    for name, a, b, se in zip(coefficients["feature"], ours, oracle.params, oracle.bse):
        print(f"{name:<28}{a:>10.4f}{b:>13.4f}{se:>9.4f}")
    line = (f"- {datetime.date.today()} {platform.machine()} {os.cpu_count()} cores, load "
            f"{os.getloadavg()[0]:.1f}: linear {config.feature_set} on {len(y):,} choice rows "
            f"({data.train.num_decisions:,} decisions): statsmodels ConditionalLogit "
            f"{statsmodels_s:.1f} s; tflab `mimic_linear` ({config.epochs} epochs, Adam lr "
            f"{config.learning_rate}, batch {config.batch_size}) {tflab_s:.1f} s incl. run "
            f"directory; max |coef diff| {gap.max():.4f} (max over coefs of diff/SE "
            f"{(gap / oracle.bse).max():.2f}); val_loss {metrics['val_loss']:.4f}")
    print(line)
    with open(RESULTS, "a") as handle:
        handle.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
