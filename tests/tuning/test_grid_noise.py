"""The grid summary's comparison with the best configuration, on hand-made tables whose
answer is known, and grid.png's reference lines."""
import numpy as np
import pandas as pd
import pytest

from tuning import noise, report, results

BASE = [1.00, 1.01, 1.02, 1.03, 1.04]


def _table(configs: dict) -> pd.DataFrame:
    rows = [{"layer_size": size, "random_seed": seed, "status": "COMPLETED",
             "best_val_loss": value, "val_loss": value}
            for size, values in configs.items() for seed, value in enumerate(values)]
    return pd.DataFrame(rows)


def test_a_far_configuration_is_worse_a_close_one_is_indistinguishable():
    table = _table({24: BASE, 32: [v + 0.5 for v in BASE], 48: [v + 0.001 for v in BASE]})
    summary = results.summarise(table, ["layer_size", "random_seed"], "val_loss")
    by = summary.set_index("layer_size")
    assert by.loc[24, "vs_best"] == "best" and by.loc[24, "diff_median_vs_best"] == 0
    # 32: every value 0.5 above the best's; the medians of resampled seeds stay inside
    # [1.00, 1.04] and [1.50, 1.54], so the whole interval lies in [0.46, 0.54]
    assert by.loc[32, "diff_median_vs_best"] == pytest.approx(0.5)
    assert 0.46 <= by.loc[32, "diff_low"] <= by.loc[32, "diff_high"] <= 0.54
    assert by.loc[32, "vs_best"] == "worse"
    # 48: 0.001 above, inside the seeds' 0.04 range: the interval straddles 0
    assert by.loc[48, "diff_median_vs_best"] == pytest.approx(0.001)
    assert by.loc[48, "diff_low"] < 0 < by.loc[48, "diff_high"]
    assert by.loc[48, "vs_best"] == "indistinguishable"
    assert list(summary["layer_size"]) == [24, 48, 32]  # ordered by median


def test_the_interval_is_deterministic_and_a_90_percent_percentile_interval():
    values, best = np.array([3.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0])
    first = noise.median_difference_interval(values, best)
    assert first == noise.median_difference_interval(values, best)
    # the best is constant, so the interval is the 5th-95th percentile of resampled medians
    # of {1, 2, 3}: those are 1 with probability 7/27, so both tails land on 1 and 3
    assert first == (2.0, 1.0, 3.0)


def test_direction_max_signs_a_worse_configuration_positive():
    groups = {"a": np.array([0.9, 0.95, 1.0]), "b": np.array([0.2, 0.25, 0.3])}
    table = noise.versus_best(groups, "max").set_index("key")
    assert table.loc["a", "vs_best"] == "best"
    assert table.loc["b", "diff_median_vs_best"] == pytest.approx(0.7)
    assert table.loc["b", "vs_best"] == "worse"


def test_the_printed_table_names_the_configurations_tied_with_the_best():
    table = _table({24: BASE, 32: [v + 0.5 for v in BASE], 48: [v + 0.001 for v in BASE]})
    summary = results.summarise(table, ["layer_size", "random_seed"], "val_loss")
    lines = noise.describe(summary, ["layer_size"], "best_val_loss")
    assert len(lines) == 1 + 3 + 1
    assert "90 % bootstrap interval over seeds (2000 resamples)" in lines[0]
    assert lines[-1] == ("indistinguishable from the best (layer_size=24) at this seed noise "
                         "(interval contains 0): layer_size=48")


def test_seed_spread_is_the_sample_standard_deviation():
    table = pd.DataFrame({"levels": [1, 1, 1, 2], "random_seed": [0, 1, 2, 0],
                          "status": "COMPLETED", "success": [0.85, 1.0, 1.0, 0.5]})
    spread = results.seed_spread(table, ["levels", "random_seed"], ["success"])
    spread = spread.set_index("levels")
    assert spread.loc[1, "success_sd"] == pytest.approx(np.sqrt(0.015 / 2))  # ddof=1
    assert np.isnan(spread.loc[2, "success_sd"])  # one seed has no spread


def test_grid_png_draws_the_null_and_the_truth_beside_gmp_val():
    table = _table({24: BASE, 32: [v + 0.5 for v in BASE]})
    table["gmp_val"] = np.exp(-table["val_loss"])
    table["gmp_random_val"], table["true_gmp_val"] = 0.043, 0.199
    fig = report.grid_figure(table, ["layer_size", "random_seed"], "best_val_loss", "t")
    loss_panel, gmp_panel = fig.axes
    assert not [line for line in loss_panel.get_lines() if line.get_linestyle() == "--"]
    lines = [line.get_xdata()[0] for line in gmp_panel.get_lines()
             if line.get_linestyle() == "--"]
    assert lines == [0.043, 0.199]
    without_truth = table.drop(columns="true_gmp_val")
    fig = report.grid_figure(without_truth, ["layer_size", "random_seed"], "best_val_loss", "t")
    assert [line.get_xdata()[0] for line in fig.axes[1].get_lines()
            if line.get_linestyle() == "--"] == [0.043]
