"""Exact solve of a linear log-odds model: Newton's method with the exact Hessian.

With no hidden layer the mimic model is a conditional logit, whose NLL is convex in the F
coefficients. Adam needed 1000 full-batch epochs to come within 0.003 of the optimum;
Newton with the exact F × F Hessian reaches it to float precision in a handful of passes
over the data, and its Hessian at the optimum gives the standard errors for free
(`tfmodels.mimic.inference`).

Same data, same loss: every pass runs the Keras model itself (`build_logodds_model`,
num_layers=0) on the batches of `movement.make_dataset` — the masked, padded choice-set
tensors Adam would see — and takes the per-decision loss from
`keras.losses.sparse_categorical_crossentropy(from_logits=True)`, the loss `fit` compiles.
From the model's choice probabilities p the pass also accumulates, per decision d,

    gradient  g_d = E_d[x] − x_selected         (of the decision's NLL)
    Hessian   H_d = E_d[x xᵀ] − E_d[x] E_d[x]ᵀ  (the closed form; tests compare both with
                                               GradientTape derivatives of the Keras loss)

summed in float64 (the model runs in float32; the sums over 10⁵ rows must not lose digits).
A pass runs one `tf.function` per batch (graph-compiled, traced once for all batch
sizes) on the batches gathered once from the dataset; the F × F algebra between passes is
NumPy. Measured on the 20 000-decision bench table (2 batches, one loaded core): a pass
over an in-graph loop on the dataset took 80–130 ms, over the gathered batches 25–60 ms.

Each step is H⁻¹g on the *identified* coefficients only: a feature that is constant within
every decision has a zero Hessian row (the Hessian is singular), so it is left out of the
solve and its coefficient is held at 0 (it cancels from every softmax); features that are
collinear within decisions stop the solve with a UserError naming them. The bias cancels
from the softmax too, and is held at 0. Step sizes halve until the NLL falls (Armijo) or,
near the optimum where the predicted fall is below the float32 rounding of the NLL, until
the gradient shrinks. The solve stops when max |gradient of the mean NLL| ≤ `gradient_tol`
(converged) or when no step size in 1 … 2⁻³⁰ is accepted (not converged).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

from tflab.errors import UserError

ARMIJO = 1e-4      # sufficient-decrease fraction of the predicted decrease
MIN_STEP = 2 ** -30  # line search gives up below this step size (float noise floor)
NLL_NOISE = 1e-7   # relative rounding noise of a float32 model's mean NLL


@dataclasses.dataclass
class Solution:
    beta: np.ndarray          # [F] float64 coefficients (0 where not identified)
    hessian: np.ndarray       # [F, F] Hessian of the summed NLL at beta
    identified: np.ndarray    # [F] bool
    history: pd.DataFrame     # iteration, nll, grad_norm, step_size
    converged: bool
    seconds: float            # wall clock of the solve, trace of the pass included
    num_decisions: int


def _batch_moments(model):
    """Compiled per-batch pass: (Σ NLL, Σ g_d [F], Σ H_d [F, F], Σ g_d per decision [B, F]).

    One trace for every batch (the signature leaves the batch and slot sizes open)."""
    import tensorflow as tf

    num_features = model.input["features"].shape[-1]
    signature = ({"features": tf.TensorSpec([None, None, num_features], tf.float32),
                  "mask": tf.TensorSpec([None, None], tf.float32)},
                 tf.TensorSpec([None], tf.int32))

    @tf.function(input_signature=signature)
    def moments(inputs, selected):
        # float64 from the logits on: the NLL that steers the line search carries only the
        # float32 rounding of the logits, not that of a float32 log-softmax sum as well
        logits = tf.cast(model(inputs, training=False), tf.float64)
        loss = (tf.reduce_logsumexp(logits, axis=-1)
                - tf.gather(logits, selected, axis=1, batch_dims=1))
        p = tf.nn.softmax(logits, axis=-1)
        x = tf.cast(inputs["features"], tf.float64)
        mean_x = tf.einsum("bc,bcf->bf", p, x)
        centred = x - mean_x[:, None, :]
        scores = mean_x - tf.gather(x, selected, axis=1, batch_dims=1)
        return (tf.reduce_sum(loss), tf.reduce_sum(scores, axis=0),
                tf.einsum("bcf,bcg->fg", centred * p[..., None], centred), scores)

    return moments


def _moments_fn(model, batches):
    """(Σ NLL, Σ gradients [F], Σ Hessians [F, F], decisions) at the model's current
    weights, over `batches` (materialised batches of `movement.make_dataset`)."""
    moments = _batch_moments(model)

    def total():
        nll, gradient, hessian, count = 0.0, 0.0, 0.0, 0
        for inputs, selected in batches:
            parts = moments(inputs, selected)
            nll += parts[0].numpy()
            gradient = gradient + parts[1].numpy()
            hessian = hessian + parts[2].numpy()
            count += int(selected.shape[0])
        return nll, gradient, hessian, count

    return total


def decision_scores(model, batches) -> np.ndarray:
    """Per-decision gradients g_d [D, F] (float64) at the model's weights, in row order."""
    moments = _batch_moments(model)
    return np.concatenate([moments(inputs, selected)[3].numpy()
                           for inputs, selected in batches])


def _check_collinear(hessian: np.ndarray, identified: np.ndarray, names: list[str]) -> None:
    index = np.flatnonzero(identified)
    block = hessian[np.ix_(index, index)]
    values, vectors = np.linalg.eigh(block)
    if values[0] > 1e-10 * max(values[-1], 1e-300):
        return
    weights = np.abs(vectors[:, 0])
    involved = [names[index[i]] for i in np.flatnonzero(weights > 0.1 * weights.max())]
    raise UserError(f"features {', '.join(involved)} are collinear within decisions (the "
                    f"Hessian is singular on them); drop one via --set feature_set=...")


def newton_solve(model, dataset, identified, feature_names: list[str], *,
                 gradient_tol: float, max_iterations: int, log=None) -> Solution:
    """Minimise the model's mean NLL over `dataset` in its linear kernel (see module doc)."""
    dense = model.get_layer("scorer_logodds")
    identified = np.asarray(identified, dtype=bool)
    index = np.flatnonzero(identified)
    if len(index) == 0:
        raise UserError("no feature differs between the choices of any decision: a "
                        "conditional logit has nothing to estimate; use other features")
    kernel, bias = dense.kernel, dense.bias
    beta = np.zeros(len(identified))
    started = time.perf_counter()
    batches = list(dataset)  # the tf.data batches, gathered once for every pass
    moments = _moments_fn(model, batches)

    def evaluate(candidate):
        kernel.assign(candidate[:, None].astype(np.float32))
        nll, gradient, hessian, count = moments()
        return nll / count, gradient / count, hessian, count

    bias.assign(np.zeros(bias.shape, np.float32))
    nll, gradient, hessian, count = evaluate(beta)
    _check_collinear(hessian, identified, feature_names)
    rows = [(0, nll, np.abs(gradient).max(), 0.0)]
    converged = False
    for iteration in range(1, max_iterations + 1):
        if np.abs(gradient[index]).max() <= gradient_tol:
            converged = True
            break
        block = hessian[np.ix_(index, index)] / count
        step = np.zeros_like(beta)
        step[index] = -np.linalg.solve(block, gradient[index])
        slope = float(gradient @ step)
        size = 1.0
        while True:  # backtracking: halve until the NLL falls enough (Armijo) ...
            trial = evaluate(beta + size * step)
            if trial[0] <= nll + ARMIJO * size * slope or size < MIN_STEP:
                break
            # ... or, once the predicted decrease is below the float32 noise of the NLL, the
            # (float64-summed) gradient shrinks while the NLL stays within that noise
            if (trial[0] <= nll + NLL_NOISE * abs(nll)
                    and np.abs(trial[1][index]).max() < np.abs(gradient[index]).max()):
                break
            size /= 2
        if size < MIN_STEP:  # no descent left at float precision
            kernel.assign(beta[:, None].astype(np.float32))
            break
        beta = beta + size * step
        nll, gradient, hessian, count = trial
        rows.append((iteration, nll, np.abs(gradient).max(), size))
        if log:
            log(f"newton {iteration}: nll {nll:.9f}  max|grad| {rows[-1][2]:.2e}  step {size:g}")
    else:
        converged = np.abs(gradient[index]).max() <= gradient_tol
    seconds = time.perf_counter() - started
    history = pd.DataFrame(rows, columns=["iteration", "nll", "grad_norm", "step_size"])
    return Solution(beta=beta, hessian=hessian, identified=identified, history=history,
                    converged=bool(converged), seconds=seconds, num_decisions=count)


MEASURED_AS = {
    "seconds": "wall clock of the Newton solve (graph trace of the pass, every pass and line "
               "search step), excluding data loading and writing the run directory",
    "iterations": "accepted Newton steps",
    "grad_norm": "max |gradient of the mean training NLL per decision| at the solution",
    "train_loss_true": "mean NLL per training decision at the solution (the Keras loss)",
    "val_loss": "mean NLL per validation decision at the solution (the Keras loss)",
    "se": "sqrt(diag(inverse Hessian of the summed training NLL)) = statsmodels' bse",
    "se_cluster": "sandwich H^-1 (sum_g S_g S_g^T) H^-1 * G/(G-1), S_g = score summed over "
                  "cluster g's training decisions",
}


def mean_nll(model, dataset) -> float:
    """Mean NLL per decision of `dataset` under the model's current weights."""
    nll, _, _, count = _moments_fn(model, list(dataset))()
    return float(nll / count)


@dataclasses.dataclass
class LinearFit:
    """A solved linear model and what its run directory needs from the data."""
    model: object             # the Keras log-odds model (num_layers=0) holding the solution
    solution: Solution
    val_loss: float           # mean NLL per validation decision at the solution
    scores: np.ndarray        # [D, F] per-decision training gradients (clustered SEs)


def solve_linear(config, data, identified, *, log=None) -> LinearFit:
    """Seed, build the linear log-odds model, Newton-solve it on the training view and
    score the validation view. Writes nothing: the family writes the run directory."""
    from pipelines import movement
    from tfmodels.mimic.model import build_logodds_model
    from tfmodels.runtime import seed_everything

    seed_everything(config.random_seed, config.deterministic)
    names = list(data.feature_names)
    model = build_logodds_model(len(names), num_layers=0, layer_size=1)
    train = movement.make_dataset(data.train_view, batch_size=config.batch_size,
                                  shuffle=False, seed=0)
    solution = newton_solve(model, train, identified, names, gradient_tol=config.gradient_tol,
                            max_iterations=config.max_iterations, log=log)
    val = movement.make_dataset(data.val_view, batch_size=config.batch_size, shuffle=False,
                                seed=0)
    return LinearFit(model=model, solution=solution, val_loss=mean_nll(model, val),
                     scores=decision_scores(model, list(train)))
