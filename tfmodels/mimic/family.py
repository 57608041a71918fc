"""The mimic family: movement data → log-odds network → run directory with GMP metrics.

This is the glue `tfmodels.fit` and `tuning.grid` call. Data (choice sets, features
normalised with training-split statistics) is loaded once per distinct data config and
reused across seeds and model sizes; each `train` call builds fresh datasets and a fresh
model inside the strategy scope handed over by `fit_keras`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from configs.families.mimic import MimicConfig
from pipelines import movement
from tflab import io
from tfmodels.fit import KerasExperiment, compile_options, fit_keras
from tfmodels.mimic.metrics import choice_metrics

# Keras and TensorFlow load inside the methods that train: reading and checking a user's
# tracks (`load_data`) must fail in one stderr line, before TensorFlow's start-up notices.

DATA_FIELDS = ("data_path", "feature_set", "resolution", "max_km", "time_step",
               "covariates_path", "crs", "time_tolerance", "timezone", "covariates", "outside",
               "cells", "window", "split", "split_fractions", "alternatives", "val_fraction",
               "split_seed", "simulator_config", "training_view", "decisions_per_individual",
               "alternatives_per_decision")


class MimicFamily:
    name = "mimic"
    objective = ("val_loss", "min")

    def data_key(self, config: MimicConfig, data_path: str | None) -> tuple:
        return (data_path,) + tuple(getattr(config, f) for f in DATA_FIELDS)

    def load_data(self, config: MimicConfig, data_path: str | None) -> movement.MovementData:
        data = movement.load_movement(config, data_path)
        if config.training_view == "contrasts":
            data.train_view = movement.to_contrasts(
                data.train, decisions_per_individual=config.decisions_per_individual,
                alternatives_per_decision=config.alternatives_per_decision,
                seed=config.split_seed)
            data.val_view = movement.to_contrasts(
                data.val, decisions_per_individual=config.decisions_per_individual,
                alternatives_per_decision=config.alternatives_per_decision,
                seed=config.split_seed + 1)
        elif config.alternatives:  # sampled training sets; validation keeps full sets
            data.train_view = movement.sample_alternatives(data.train, config.alternatives,
                                                           seed=config.split_seed)
            data.val_view = data.val
        else:
            data.train_view, data.val_view = data.train, data.val
        return data

    def train(self, config: MimicConfig, data: movement.MovementData, run_dir: Path, *,
              verbose: int = 1) -> dict:
        if config.solves_exactly:  # convex linear model: exact Newton solve, same run files
            return train_exact(config, data, run_dir, verbose=verbose)
        import keras

        from tfmodels.mimic.model import build_logodds_model

        run_dir = Path(run_dir)

        def make_experiment(strategy) -> KerasExperiment:
            model = build_logodds_model(len(data.feature_names), num_layers=config.num_layers,
                                        layer_size=config.layer_size, dropout=config.dropout,
                                        activation=config.activation,
                                        micro_batch=config.micro_batch)
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate(config, data.train_view),
                                                beta_1=config.beta_1, beta_2=config.beta_2),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                **compile_options(config, strategy))
            return _experiment(model, data, config)

        def final_metrics(model) -> dict:
            return evaluate_choices(model, data, config.batch_size)

        def finish(model, metrics: dict) -> None:
            write_artifacts(model, data, config, run_dir)
            metrics["data_source"] = data.source

        _, metrics = fit_keras(config, make_experiment, run_dir, verbose=verbose,
                               final_metrics=final_metrics, finish=finish,
                               measured_as=MEASURED_AS)
        return metrics

    def supports_population(self, config: MimicConfig) -> bool:
        """Keras-trained configs only: an exact (Newton) solve has no random start."""
        return not config.solves_exactly

    def train_population(self, configs: list[MimicConfig], data: movement.MovementData,
                         run_dirs: list[Path], *, verbose: int = 1) -> list:
        """Train configs that differ only in random_seed as one seed population: one model,
        one pipeline, one loop; one full run directory per member (tfmodels.population_fit).
        Returns each member's `MemberResult`."""
        import keras

        from tfmodels.mimic.population import build_population_model, member_model
        from tfmodels.population_fit import fit_population

        config = configs[0]

        def make_experiment(strategy) -> KerasExperiment:
            model = build_population_model(
                len(data.feature_names), seeds=[c.random_seed for c in configs],
                num_layers=config.num_layers, layer_size=config.layer_size,
                dropout=config.dropout, activation=config.activation,
                micro_batch=config.micro_batch, deterministic=config.deterministic)
            model.compile(optimizer=keras.optimizers.Adam(
                learning_rate(config, data.train_view), beta_1=config.beta_1,
                beta_2=config.beta_2), **compile_options(config, strategy))
            return _experiment(model, data, config)

        def final_metrics(model) -> list[dict]:
            logits = {name: predict_logits(model, split, config.batch_size)
                      for name, split in data.splits()}
            return [member_metrics(data, {name: value[:, k] for name, value in logits.items()})
                    for k in range(len(configs))]

        def export_member(model, k: int, run_dir: Path) -> None:
            solo = member_model(model, k)
            with io.atomic_path(run_dir / "model.keras") as tmp:
                solo.save(tmp)
            write_artifacts(solo, data, configs[k], run_dir)

        _, results = fit_population(configs, make_experiment, run_dirs,
                                    final_metrics=final_metrics, export_member=export_member,
                                    verbose=verbose)
        for result in results:
            if result.failed is None:
                result.metrics["data_source"] = data.source
                result.metrics["measured_as"].update(MEASURED_AS)
                io.write_json(result.run_dir / "metrics.json", result.metrics)
        return results


MEASURED_AS = dict(
    gmp_val="exp(-mean NLL of the selected choice) over full validation choice sets",
    gmp_val_moving="stay-put choices removed, renormalised, decisions that moved",
    gmp_random="every valid choice equally likely",
    true_gmp_val="simulator's own probabilities of the selections (the ceiling)",
    log_density_val="mean over decisions of log(P(selected cell) / its area in km²): "
                    "comparable across cell sizes and with other tools' densities",
    log_density_null_val="the same for a uniform density over the candidate area "
                         "(log of 1 / the decision's total candidate area in km²)",
    log_density_test="as log_density_val on the test split (split=time), scored once per "
                     "model after training")


def train_exact(config: MimicConfig, data, run_dir: Path, *, verbose: int = 1) -> dict:
    """Linear models: the exact Newton solve (`tfmodels.mimic.exact`) → a normal run
    directory, with standard errors in coefficients.csv."""
    from tfmodels.mimic import exact, inference

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    io.write_json(run_dir / "config.json", config.to_dict())
    fit = exact.solve_linear(config, data, varies_within_decisions(data.train_view),
                             log=print if verbose else None)
    model, solution = fit.model, fit.solution
    io.write_csv(run_dir / "history.csv", solution.history)
    metrics = {"solver": "newton", "iterations": int(solution.history["iteration"].iloc[-1]),
               "converged": solution.converged, "seconds": solution.seconds,
               "grad_norm": float(solution.history["grad_norm"].iloc[-1]),
               "train_loss_true": float(solution.history["nll"].iloc[-1]),
               "val_loss": fit.val_loss, "measured_as": dict(exact.MEASURED_AS)}
    metrics.update(evaluate_choices(model, data, config.batch_size))
    with io.atomic_path(run_dir / "model.keras") as tmp:
        model.save(tmp)
    write_artifacts(model, data, config, run_dir)  # scorer, features (+ plain coefs)
    covariance = inference.model_covariance(solution.hessian, solution.identified)
    clusters, cluster_note = inference.clusters_of(data.train_view)
    clustered = inference.cluster_covariance(solution.hessian, fit.scores, clusters,
                                             solution.identified)
    table = inference.coefficient_table(list(data.feature_names), solution.beta, covariance,
                                        solution.identified, clustered)
    io.write_csv(run_dir / "coefficients.csv", table)  # replaces the plain table
    metrics["data_source"] = data.source
    metrics["measured_as"]["se_cluster"] += f"; clusters: {cluster_note}"
    io.write_json(run_dir / "metrics.json", metrics)
    if not solution.converged:
        print(f"newton stopped after {metrics['iterations']} steps without converging (max "
              f"|grad| {metrics['grad_norm']:.2e} > gradient_tol {config.gradient_tol:g}); "
              f"raise --set max_iterations=... or gradient_tol=...")
    return metrics


def _experiment(model, data, config: MimicConfig) -> KerasExperiment:
    """Datasets for one fit: the training order is seeded by split_seed, never by
    random_seed, so every random start (solo or population member) sees the same batches."""
    from pipelines.movement.datasets import steps_per_epoch

    make = movement.make_dataset
    return KerasExperiment(
        model=model,
        train=make(data.train_view, batch_size=config.batch_size, shuffle=True,
                   seed=config.split_seed, repeat=True),
        steps_per_epoch=steps_per_epoch(data.train_view, config.batch_size),
        train_eval=make(data.train_view, batch_size=config.batch_size, shuffle=False, seed=0),
        val=make(data.val_view, batch_size=config.batch_size, shuffle=False, seed=0))


def member_metrics(data, logits: dict) -> dict:
    """GMP and log-density metrics from logits [decisions, C] on every split's full sets."""
    out = {}
    for name, split in data.splits():
        out.update(choice_metrics(logits[name], split.mask, split.selected, split.distance_km,
                                  name, area_km2=split.area_km2))
    out["gmp_random"] = out["gmp_random_val"]
    if data.true_gmp_val is not None:
        out["true_gmp_val"] = data.true_gmp_val
        out["true_gmp_train"] = data.true_gmp_train
    return out


def learning_rate(config: MimicConfig, train_view):
    """The configured rate, or a cosine decay over all of the run's optimizer steps."""
    from pipelines.movement.datasets import steps_per_epoch
    from tfmodels.schedules import learning_rate as scheduled

    steps = config.epochs * steps_per_epoch(train_view, config.batch_size)
    return scheduled(config.learning_rate, config.lr_decay, steps)


def predict_logits(model, choice_sets, batch_size: int) -> np.ndarray:
    dataset = movement.make_dataset(choice_sets, batch_size=batch_size, shuffle=False, seed=0)
    return model.predict(dataset.map(lambda x, y: x), verbose=0)


def evaluate_choices(model, data, batch_size: int) -> dict:
    """GMP family of metrics on the full train and validation choice sets."""
    return member_metrics(data, {name: predict_logits(model, split, batch_size)
                                 for name, split in data.splits()})


def write_artifacts(model, data, config: MimicConfig, run_dir: Path) -> None:
    """Scorer for batch inference, feature statistics and, for linear models, coefficients."""
    from tfmodels.mimic.model import choice_scorer, linear_coefficients

    scorer = choice_scorer(model)
    with io.atomic_path(run_dir / "scorer.keras") as tmp:
        scorer.save(tmp)
    io.write_json(run_dir / "features.json", {"feature_names": list(data.feature_names),
                                              "stats": data.stats})
    if config.num_layers == 0:
        coefficients = linear_coefficients(model, list(data.feature_names))
        frame = pd.DataFrame({"feature": list(coefficients),
                              "coefficient": list(coefficients.values()),
                              "identified": varies_within_decisions(data.train)})
        io.write_csv(run_dir / "coefficients.csv", frame)


def varies_within_decisions(choice_sets) -> list[bool]:
    """Per feature: does it differ between the choices of at least one decision?

    A conditional logit only sees differences between choices, so a feature that is constant
    within every decision (time of year) gets no gradient: its linear coefficient is its
    initial value, not an estimate. `coefficients.csv` says so in its `identified` column.
    """
    mask = choice_sets.mask.astype(bool)[..., None]
    high = np.where(mask, choice_sets.features, -np.inf).max(axis=1)
    low = np.where(mask, choice_sets.features, np.inf).min(axis=1)
    return [bool(v) for v in ((high - low) > 1e-6).any(axis=0)]


FAMILY = MimicFamily()
