"""Exact references for choice models: a Newton conditional logit (checked against
statsmodels in tests/pipelines) and small known-truth choice sets from the simulator."""
import numpy as np
import pandas as pd

from pipelines.movement.features import compute_features
from pipelines.movement.simulator import TRUE_COEFFICIENTS, SimulatorSpec, simulate
from pipelines.movement.views import to_choice_sets


def conditional_logit(cs):
    """Damped Newton on the exact conditional-logit likelihood of padded choice sets."""
    x = cs.features.astype(np.float64)
    rows = np.arange(cs.num_decisions)

    def loglik(beta):
        utility = np.where(cs.mask, x @ beta, -np.inf)
        top = utility.max(axis=1, keepdims=True)
        log_p = utility - top - np.log(np.exp(utility - top).sum(axis=1, keepdims=True))
        return log_p[rows, cs.selected].sum(), np.exp(log_p)

    beta = np.zeros(x.shape[-1])
    value, p = loglik(beta)
    for _ in range(100):
        centred = x - np.einsum("dc,dcf->df", p, x)[:, None, :]
        gradient = centred[rows, cs.selected].sum(axis=0)
        information = np.einsum("dc,dcf,dcg->fg", p, centred, centred)
        step = np.linalg.solve(information, gradient)
        while True:  # halve the Newton step until the likelihood does not drop
            new_value, new_p = loglik(beta + step)
            if new_value >= value - 1e-9 or np.abs(step).max() < 1e-12:
                break
            step = step / 2
        beta, value, p = beta + step, new_value, new_p
        if np.abs(step).max() < 1e-9:
            break
    return beta, np.sqrt(np.diag(np.linalg.inv(information)))


def simulated_choice_sets(n_individuals, decisions, seed):
    spec = SimulatorSpec(n_individuals=n_individuals, decisions_per_individual=decisions,
                         seed=seed, interaction=False)
    table = simulate(spec)[2]
    names = list(TRUE_COEFFICIENTS)
    features, _ = compute_features(table, ",".join(names), max_km=spec.max_km,
                                   train_individuals=range(n_individuals))
    frame = pd.concat([table[["individual", "decision", "selected"]], features], axis=1)
    return table, features, to_choice_sets(frame, names)
