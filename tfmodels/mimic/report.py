"""Diagnose a trained mimic run: `python -m tfmodels.mimic.report RUN_DIR`.

    python -m tfmodels.mimic.report runs/mimic_v3 [--data tracks.csv] [--out DIR]
        [--group-by COL ...] [--choices "normed_distance > 0" ...] [--baseline RUN]

RUN_DIR is a run directory (tfmodels.fit) or a grid directory (tuning.grid: its best
configuration, tables from the best seed, response curves from every seed). Writes
DIR/report.html — self-contained, figures embedded, readable offline — and DIR/NAME.csv for
every table and figure. The original study's way of digging into a log-odds model, in one
page:
GMP and NLL against the null and a distance-only model, D-NLP, GMP per group of decisions
and on subsets of choices, calibration of the stay-put share, p_c sensitivity, the
contrast-bin error table, response curves and maps of sample choice sets.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from tflab import io
from tflab.cli import ArgumentParser, check_out_dir, int_at_least
from tflab.errors import UserError, main_guard
from tfmodels.mimic.diagnose import baseline, runs, scored, tables
from tfmodels.mimic.diagnose.html import Section, page


def score_choices(run_dir: Path, config, metrics: dict, args) -> pd.DataFrame:
    """The run's scored choices, with the distance-only model and the truth beside them."""
    from tfmodels.mimic import score

    data = args.data or _training_data(metrics)
    choices = score.score(run_dir, data, args.covariates, keep_all=True)
    scored.add_truth(choices)
    tables.check_requests(choices, args.group_by, args.choices)  # before any baseline fit
    if args.no_baseline or baseline.is_distance_only(config):
        return choices
    if args.baseline:
        other = baseline.check_baseline(Path(args.baseline), config)
    else:
        from tfmodels.families import get_family

        other = baseline.distance_only_run(config, _training_data(metrics),
                                           Path(args.out) / "distance_only",
                                           get_family(config.family))
    distance = score.score(other, data, args.covariates)
    if len(distance) != len(choices) or (distance["choice"].to_numpy()
                                         != choices["choice"].to_numpy()).any():
        raise UserError(f"the distance-only run {other} scores different choices than the "
                        f"run; fit it on the same data")
    choices[scored.LOGODDS[scored.DISTANCE]] = distance["logodds"].to_numpy()
    return choices


def _training_data(metrics: dict) -> str | None:
    source = str(metrics.get("data_source", ""))
    return None if not source or source.startswith("simulator:") else source


def sections(t: dict, figures: dict, config, min_pairs: int) -> list[Section]:
    overall = Section("GMP and NLL against the null and a distance-only model", [
        "GMP = exp(mean log P(selected)) over each split's decisions, full choice sets; "
        "mean NLL = −mean log P(selected); D-NLP = mean over individuals of each individual's "
        "mean NLL (an animal with many fixes counts once). Null: every valid choice equally "
        "likely. Distance-only: a conditional logit on normed_distance and stay_put, same "
        "data and split. Simulator truth: the simulator's own probabilities (the ceiling)."])
    overall.table(t["overall"], "overall.csv")
    overall.line("Checks: the report's numbers beside metrics.json, and each grouping's "
                 "count-weighted geometric mean of group GMPs beside the overall GMP.")
    overall.table(t["checks"], "checks.csv")
    overall.table(t["recombine"], "recombine.csv")
    groups = Section("GMP per group of decisions", [
        "Per individual, month, stay vs move, selected-distance bin (× max_km; 0 = stayed) "
        "and any --group-by column, with the decision count and the null's GMP beside "
        "each: where the model helps and where it does not."])
    groups.figure(figures.get("per_individual"), "groups.csv (group_by = individual)",
                  "per-individual GMP")
    for by, part in t["groups"].groupby("group_by", sort=False):
        groups.table(part, f"groups.csv (group_by = {by})",
                     max_rows=30 if by == "individual" else 60)
    subsets = Section("GMP on subsets of choices", [
        "Choices outside the condition are dropped, each decision's odds renormalised over "
        "the rest, and only decisions whose selection meets the condition are scored "
        "(distance_km > 0 is the moving GMP: what the model knows when distance "
        "cannot cheat). gmp_null = 1 / choices left."])
    subsets.table(t["subsets"], "subsets.csv")
    calib = Section("Calibration of staying put and of choice probabilities", [
        "Observed stay-put share vs the mean predicted probability of the origin cell, "
        "overall and per month; reliability: choices binned by predicted probability, "
        "observed selection rate per bin (on the diagonal = calibrated)."])
    calib.figure(figures.get("calibration"), "stay_share.csv, reliability.csv",
                 "calibration")
    calib.table(t["stay_share"][t["stay_share"]["month"] == "all"], "stay_share.csv")
    calib.table(t["reliability"], "reliability.csv")
    pc = Section("p_c sensitivity of contrasts", [
        f"Trained on contrast pairs (this run: training_view={config.training_view}), a "
        f"stay-put share p appears as p_c = pM / (pM + 1 − p) with M alternatives per "
        f"decision (M = min(choices − 1, {config.alternatives_per_decision})): a large error "
        f"in p is a small error in p_c. p_c_in_pairs: share of the contrast pairs holding the "
        f"origin cell that it wins (observed) or the model's mean probability of it winning."])
    pc.table(t["pc_sensitivity"], "pc_sensitivity.csv")
    bins = Section("Contrast-bin error table", [
        f"Contrast pairs sampled as training samples them; per (this choice's distance bin × "
        f"other choice's bin, × max_km), the observed rate at which this choice wins vs the "
        f"model's mean probability of it winning; bins with ≥ {min_pairs} pairs."])
    shown = t["contrast_bins"]
    split = "val" if (shown["split"] == "val").any() else "train"
    bins.figure(figures.get("contrast_bins"), f"contrast_bins.csv ({split})",
                "contrast errors")
    bins.table(shown[(shown["split"] == split) & (shown["bin_a"] < shown["bin_b"])],
               f"contrast_bins.csv ({split}, bin_a < bin_b: the mirror rows are 1 − these)")
    curves = Section("Response curves", [
        "The model's log-odds against one feature, every other feature at its median over "
        "the training choices, minus the log-odds at the medians (log-RSS); one line per "
        "seed of the configuration, so seed spread is visible. A feature that is the same "
        "for every choice of a decision (time of year) shifts all of them alike and changes "
        "no probability: its curve shows only how it interacts with the others."])
    curves.figure(figures.get("curves"), "response_curves.csv", "response curves")
    curves.table(t["curve_medians"], "curve_medians.csv")
    maps = Section("Maps of sample decisions", [
        "Cells (H3 hexagons, or raster pixels) of a few validation decisions' choice sets "
        "coloured by the model's "
        "probability (log scale); the selected cell outlined red, the origin a black dot."])
    maps.figure(figures.get("maps"), "map_choices.csv", "decision maps")
    density = Section("Log density per km², per split and local hour", [
        "Mean over decisions of log(P(selected cell) / its area in km²), each model beside "
        "the uniform null over the candidate area (log_density_null_area): units that do "
        "not depend on the cell size, so runs on other grids and other tools compare. Local "
        f"hour on the {config.timezone} clock; 'all' = every decision of the split."])
    density.table(t["log_density"], "log_density.csv", max_rows=80)
    shown_sections = [overall, groups, subsets, calib, pc, bins, curves, maps]
    return shown_sections + ([density] if len(t["log_density"]) else [])


def draw(t: dict, choices: pd.DataFrame, decisions: list[int]) -> dict[str, bytes]:
    from tfmodels.mimic.diagnose import figures

    out = {"per_individual": figures.per_individual(t["groups"]),
           "calibration": figures.calibration(t["stay_share"], t["reliability"]),
           "contrast_bins": figures.contrast_errors(
               t["contrast_bins"], "val" if (t["contrast_bins"]["split"] == "val").any()
               else "train"),  # the split the section's table shows
           "curves": figures.response_curves(t["response_curves"]),
           "maps": figures.decision_maps(choices, decisions)}
    return {name: png for name, png in out.items() if png is not None}


def build_report(args) -> Path:
    from tfmodels.mimic.diagnose.curves import median_table, response_curves
    from tfmodels.mimic.score import read_run

    chosen = runs.resolve_runs(args.run_dir)
    config, _ = read_run(chosen.primary)
    if args.baseline and not args.no_baseline:  # a wrong baseline costs no scoring pass
        baseline.check_baseline(Path(args.baseline), config)
    metrics = io.read_json(chosen.primary / "metrics.json")
    choices = score_choices(chosen.primary, config, metrics, args)
    t = tables.build_tables(choices, config, metrics, group_by=args.group_by,
                            subsets=args.choices or [tables.DEFAULT_SUBSET],
                            min_pairs=args.min_pairs)
    feature_columns = [c for c in choices.columns if c.startswith("feature:")]
    training = choices[choices["split"] == "train"]
    inputs = (training if len(training) else choices)[feature_columns]
    inputs.columns = [c[len("feature:"):] for c in feature_columns]
    t["response_curves"] = response_curves(chosen.seeds, inputs)
    t["curve_medians"] = median_table(inputs)
    sample = tables.sample_decisions(t["decisions"].set_index("decision"), args.maps,
                                     args.seed)
    t["map_choices"] = choices[choices["decision"].isin(sample)][
        [c for c in ("individual", "decision", "time", "choice", "selected", "distance_km",
                     "lat", "lon", "x", "y", "area_km2", "probability") if c in choices]]
    figures = draw(t, t["map_choices"], sample)
    for name, table in t.items():
        io.write_csv(args.out / f"{name}.csv", table)
    for name, png in figures.items():
        with io.atomic_path(args.out / f"{name}.png") as tmp:
            tmp.write_bytes(png)
    header = [chosen.description,
              f"data: {metrics.get('data_source', '?')}; feature set {config.feature_set}, "
              f"{config.num_layers} × {config.layer_size} MLP, training_view "
              f"{config.training_view}",
              "every table is saved beside this page as NAME.csv"]
    text = page(f"mimic diagnosis: {config.name}", header,
                sections(t, figures, config, args.min_pairs))
    io.write_text(args.out / "report.html", text)
    print_summary(t)
    return args.out / "report.html"


def print_summary(t: dict) -> None:
    print("GMP = exp(mean log P(selected)) over full choice sets, per split:")
    for _, row in t["overall"].iterrows():
        print(f"  {row['split']:>5} {row['model']:<16} gmp {row['gmp']:.4f}  mean nll "
              f"{row['mean_nll']:.4f}  d-nlp {row['d_nlp']:.4f}  ({row['decisions']} "
              f"decisions)")
    worst = max([0.0, *t["checks"]["abs_difference"], *t["recombine"]["abs_difference"]])
    print(f"checks: report vs metrics.json and recombined group GMPs agree to {worst:.2g}")


CLI_HELP = """Diagnose a trained mimic run in one self-contained HTML page.

reads:  RUN_DIR (a mimic run directory, or a grid directory: its best configuration by
        median objective over seeds, tables from the best seed, curves from every seed) and
        the data it was trained on (or --data); fits a distance-only model unless
        --baseline / --no-baseline
writes: --out (default RUN_DIR/report): report.html (figures embedded, opens offline), one
        CSV per table and figure, the figures as PNG, distance_only/ (the baseline run)
prints: GMP, mean NLL and D-NLP per split for the run, the null, the distance-only model
        and the simulator's truth, and how closely the checks agree
"""

CLI_EXAMPLE = """example:
  python -m tfmodels.mimic.report runs/mimic_v3 --group-by log_npp \\
      --choices "normed_distance > 0 and heading_cos > 0"
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m tfmodels.mimic.report",
                            description=CLI_HELP, epilog=CLI_EXAMPLE)
    parser.add_argument("run_dir", type=Path, help="a mimic run directory or grid directory")
    parser.add_argument("--data", default=None, help="tracks or choice table to diagnose on "
                        "(default: the data the run was trained on)")
    parser.add_argument("--covariates", default=None, help="covariate table for --data tracks")
    parser.add_argument("--out", default=None, help="output directory (default RUN_DIR/report)")
    parser.add_argument("--group-by", action="append", default=[], metavar="COL",
                        help="another column to group decisions by (repeatable)")
    parser.add_argument("--choices", action="append", default=[], metavar="EXPR",
                        help="a choice subset, e.g. 'normed_distance > 0 and heading_cos > 0' "
                             "(repeatable; default: distance_km > 0)")
    parser.add_argument("--baseline", default=None, help="a distance-only run to reuse "
                        "instead of fitting one")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the distance-only model")
    parser.add_argument("--min-pairs", type=int_at_least(1), default=1000,
                        help="contrast-bin table: keep bins with at least this many pairs")
    parser.add_argument("--maps", type=int_at_least(1), default=4, help="sample decisions to map")
    parser.add_argument("--seed", type=int_at_least(0), default=0,
                        help="seeds the choice of mapped decisions")
    return parser


@main_guard
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.out = check_out_dir(args.out or Path(args.run_dir) / "report")
    from pipelines.movement.expressions import tokenize

    for text in args.choices:  # syntax errors before any data or TensorFlow loads
        tokenize(text, "--choices")
    path = build_report(args)
    print(f"wrote {path} (+ one CSV per table and figure in {path.parent})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
