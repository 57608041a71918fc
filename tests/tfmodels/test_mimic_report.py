"""The mimic diagnosis report on a tiny simulated run: its numbers must match the run's."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from pipelines.movement.expressions import evaluate_condition
from tests.cli import run_cli
from tfmodels.mimic import report
from tfmodels.mimic.diagnose.curves import response_curves
from tfmodels.mimic.diagnose.runs import resolve_runs
from tflab.errors import UserError

SECTIONS = ("GMP and NLL against the null", "GMP per group of decisions",
            "GMP on subsets of choices", "Calibration of staying put",
            "p_c sensitivity", "Contrast-bin error table", "Response curves",
            "Maps of sample decisions")


@pytest.fixture(scope="module")
def run_dir(tiny_mimic_run):
    return tiny_mimic_run


@pytest.fixture(scope="module")
def report_dir(run_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = report.main([str(run_dir), "--out", str(out), "--min-pairs", "1",
                        "--choices", "distance_km > 0", "--choices",
                        "normed_distance > 0 and heading_cos > 0", "--group-by", "log_npp"])
    assert code == 0
    return out


def _csv(report_dir, name):
    return pd.read_csv(report_dir / f"{name}.csv")


def test_report_page_has_every_section_and_embedded_figures(report_dir):
    page = (report_dir / "report.html").read_text()
    for title in SECTIONS:
        assert title in page
    assert page.count("data:image/png;base64,") == 5  # individuals, calib, bins, curves, maps
    assert "src=\"http" not in page and "href=\"http" not in page  # nothing to fetch
    for name in ("overall", "groups", "recombine", "subsets", "stay_share", "reliability",
                 "pc_sensitivity", "contrast_bins", "response_curves", "map_choices"):
        assert len(_csv(report_dir, name)) > 0, name


def test_overall_gmp_equals_the_runs_metrics(run_dir, report_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    overall = _csv(report_dir, "overall")
    mine = overall[overall["model"] == "this run"].set_index("split")
    for split in ("train", "val"):
        assert mine.loc[split, "gmp"] == pytest.approx(metrics[f"gmp_{split}"], rel=1e-6)
        assert mine.loc[split, "mean_nll"] == pytest.approx(metrics[f"nll_decision_{split}"],
                                                            rel=1e-6)
    truth = overall[overall["model"] == "simulator truth"].set_index("split")
    assert truth.loc["val", "gmp"] == pytest.approx(metrics["true_gmp_val"], rel=1e-6)
    moving = _csv(report_dir, "subsets")
    moving = moving[moving["choices"] == "distance_km > 0"].set_index("split")
    assert moving.loc["val", "gmp_model"] == pytest.approx(metrics["gmp_val_moving"], rel=1e-6)
    assert {"null (uniform)", "distance-only"} <= set(overall["model"])


def test_group_gmps_recombine_to_the_overall_gmp(report_dir):
    groups = _csv(report_dir, "groups")
    overall = _csv(report_dir, "overall").query("model == 'this run'").set_index("split")
    assert {"individual", "month", "stayed", "distance_bin", "log_npp"} <= set(
        groups["group_by"])
    for (split, by), part in groups.groupby(["split", "group_by"]):
        n = part["decisions"].to_numpy(float)
        recombined = np.exp((n * np.log(part["gmp_model"])).sum() / n.sum())
        assert recombined == pytest.approx(overall.loc[split, "gmp"], rel=1e-9), by
        assert n.sum() == overall.loc[split, "decisions"]
    assert (_csv(report_dir, "recombine")["abs_difference"] < 1e-9).all()


def test_response_curves_have_a_line_per_feature_and_pc_follows_the_formula(report_dir):
    curves = _csv(report_dir, "response_curves")
    assert set(curves["feature"]) == {"normed_distance", "stay_put", "heading_sin",
                                      "heading_cos", "log_mlt", "log_npp", "cos_time",
                                      "sin_time"}
    pc = _csv(report_dir, "pc_sensitivity")
    p, m = pc["p_stay"], pc["M"]
    np.testing.assert_allclose(pc["p_c_formula"], p * m / (p * m + 1 - p))


def test_pc_table_matches_a_hand_counted_tiny_table():
    """Four decisions (3 stayed) and five contrast pairs, counted by hand."""
    from tfmodels.mimic.diagnose.calibration import pc_table

    decisions = pd.DataFrame({"split": "train", "n_choices": [3, 3, 5, 5],
                              "stayed": [1, 1, 1, 0],
                              "p_stay_model": [0.5, 0.6, 0.7, 0.2],
                              "p_stay_null": [0.1, 0.1, 0.1, 0.1]})
    pairs = pd.DataFrame({"split": "train",
                          "selected_km": [0.0, 0.0, 10.0, 10.0, 0.0],
                          "alternative_km": [10.0, 20.0, 0.0, 20.0, 30.0],
                          "p_selected_model": [0.9, 0.6, 0.3, 0.5, 0.4]})
    table = pc_table(decisions, pairs, alternatives=2).set_index("source")
    assert list(table.index) == ["observed", "model"]  # the null model has no row
    # M = mean(min(n_choices - 1, 2)) = 2; pairs holding the origin: 1, 2, 3, 5 (not 4)
    assert (table["M"] == 2).all() and (table["pairs_with_stay"] == 4).all()
    # observed p = 3/4: p_c = (3/4 * 2) / (3/4 * 2 + 1/4) = 6/7; staying won pairs 1, 2, 5
    assert table.loc["observed", "p_stay"] == 0.75
    assert table.loc["observed", "p_c_formula"] == pytest.approx(6 / 7)
    assert table.loc["observed", "p_c_in_pairs"] == pytest.approx(3 / 4)
    # model p = mean(0.5, 0.6, 0.7, 0.2) = 1/2: p_c = 1 / 1.5 = 2/3; its probability that
    # staying wins pairs 1, 2, 3, 5: 0.9, 0.6, 1 - 0.3, 0.4, mean 0.65
    assert table.loc["model", "p_stay"] == pytest.approx(0.5)
    assert table.loc["model", "p_c_formula"] == pytest.approx(2 / 3)
    assert table.loc["model", "p_c_in_pairs"] == pytest.approx(0.65)


def test_unknown_columns_are_one_line_exit_2(run_dir, tmp_path, capsys):
    for argv, expected in ((["--choices", "foo > 1"], "unknown column 'foo'"),
                           (["--group-by", "nonsense"], "--group-by 'nonsense'")):
        code = report.main([str(run_dir), "--out", str(tmp_path / "r"), *argv])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and expected in err[0], err
    assert not (tmp_path / "r" / "report.html").exists()


def test_code_in_a_subset_expression_is_refused_before_anything_runs(tmp_path):
    result = run_cli("tfmodels.mimic.report", str(tmp_path), "--choices",
                     "__import__('os').system('touch x')", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tflab: error: --choices: unexpected character \"'\" at position 11; the language "
        "has column names, numbers, + - * /, comparisons and and/or/not"]


@pytest.mark.parametrize("text, expected", [
    ("d > 0", [False, True, True]),
    ("d > 0 and not h < 0", [False, False, True]),
    ("(d * 10 >= 4) | h == 0", [True, True, True]),
    ("-h >= 0 or d / 2 > 0.39", [True, True, True]),
])
def test_condition_language(text, expected):
    table = pd.DataFrame({"d": [0.0, 0.4, 0.8], "h": [0.0, -1.0, 1.0]})
    assert evaluate_condition(text, table).tolist() == expected


@pytest.mark.parametrize("text", ["d", "d > ", "d.real > 0", "open(1) > 0", "d > 0 and 3",
                                  "d >> 1", "", "(d > 0"])
def test_condition_language_refuses_anything_else(text):
    with pytest.raises(UserError):
        evaluate_condition(text, pd.DataFrame({"d": [0.0, 1.0]}))


@pytest.mark.parametrize("populations", [False, True])
def test_a_grid_reports_its_best_configuration_with_every_seed(run_dir, tmp_path, populations):
    """Lowest median objective over seeds wins; its seeds are listed best first. Grids with
    seed populations keep each member in trials/trial_ID/seed_K (results.csv `run`)."""
    grid, rows = tmp_path / "grid", []
    trials = [(2, 0, 1.0), (2, 1, 1.2), (3, 0, 0.9), (3, 1, 1.5), (3, 2, None)]
    for number, (layers, seed, loss) in enumerate(trials):
        trial = f"{number:02d}"
        run = f"trial_{layers}/seed_{seed}" if populations else f"trial_{trial}"
        trial_dir = grid / "trials" / run
        shutil.copytree(run_dir, trial_dir)
        config = json.loads((trial_dir / "config.json").read_text())
        config.update(random_seed=seed, num_layers=layers,
                      grid={"num_layers": [2, 3], "random_seed": [0, 1, 2]})
        (trial_dir / "config.json").write_text(json.dumps(config))
        rows.append({"trial": str(layers) if populations else trial, "run": run, "status": "COMPLETED" if loss else "FAILED",
                     "num_layers": layers, "random_seed": seed, "best_val_loss": loss})
    pd.DataFrame(rows).to_csv(grid / "results.csv", index=False)
    chosen = resolve_runs(grid)  # medians: 2 layers 1.1, 3 layers 1.2 (failed trial ignored)
    best = ["trial_2/seed_0", "trial_2/seed_1"] if populations else ["trial_00", "trial_01"]
    assert chosen.primary == grid / "trials" / best[0]
    assert chosen.seeds == [grid / "trials" / name for name in best]
    assert "num_layers=2" in chosen.description
    features = pd.DataFrame({"a": np.linspace(0, 1, 8)}).reindex(
        columns=json.loads((run_dir / "features.json").read_text())["feature_names"],
        fill_value=0.5).astype(np.float32)
    curves = response_curves(chosen.seeds, features, points=5)
    assert sorted(curves["seed"].unique()) == [0, 1]
