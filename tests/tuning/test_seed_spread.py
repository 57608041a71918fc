"""The grid's seed statistics: sample sd (ddof = 1) with its n, failures counted apart."""
import numpy as np
import pandas as pd

from tuning.results import seed_spread


def test_seed_spread_is_the_sample_sd_and_counts_seeds_that_have_a_value():
    table = pd.DataFrame({
        "levels": [1, 1, 1, 2, 2, 2], "random_seed": [0, 1, 2, 0, 1, 2],
        "status": ["COMPLETED"] * 6,
        "test_success_rate": [0.2, 0.4, 0.9, 0.1, 0.1, 0.1],
        "episodes_to_90": [None, None, 40.0, None, None, None]})
    spread = seed_spread(table, ["random_seed", "levels"],
                         ["test_success_rate", "episodes_to_90"]).set_index("levels")
    assert spread.loc[1, "test_success_rate_n"] == 3
    np.testing.assert_allclose(spread.loc[1, "test_success_rate_sd"],
                               np.sqrt(((0.2 - 0.5) ** 2 + 0.1 ** 2 + 0.4 ** 2) / 2))
    assert abs(spread.loc[2, "test_success_rate_sd"]) < 1e-12  # three equal values
    assert spread.loc[1, "episodes_to_90_n"] == 1 and spread.loc[1, "episodes_to_90_mean"] == 40
    assert np.isnan(spread.loc[1, "episodes_to_90_sd"])  # one value has no sample sd
    assert spread.loc[2, "episodes_to_90_n"] == 0
