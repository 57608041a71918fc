"""Subgoal spread sees a collapse (the same subgoal regardless of the state), and
the warning fires only when that collapse hides behind falling losses."""
import numpy as np

from tfmodels.rl.hac.diagnostics import collapse_warning, subgoal_spread

LOW, HIGH = np.array([-0.2, -0.2, 0.0]), np.array([0.2, 0.2, 0.35])


def test_spread_is_zero_for_one_repeated_subgoal_and_large_for_varied_ones():
    rng = np.random.default_rng(0)
    same = np.tile([0.1, 0.0, 0.2], (64, 1))
    varied = rng.uniform(LOW, HIGH, size=(64, 3))
    assert subgoal_spread(same, LOW, HIGH) == 0.0
    # uniform in a unit cube: mean pairwise distance ≈ 0.66
    assert 0.55 < subgoal_spread(varied, LOW, HIGH) < 0.75
    two = np.array([[-0.2, 0.0, 0.0], [0.2, 0.0, 0.0]])  # the full x range apart = 1 unit
    assert subgoal_spread(two, LOW, HIGH) == 1.0


def test_warning_only_for_collapse_while_both_losses_fall():
    before = {"critic_loss": 0.5, "actor_loss": 2.0}
    falling = {"critic_loss": 0.1, "actor_loss": 1.0}
    rising = {"critic_loss": 0.9, "actor_loss": 1.0}
    message = collapse_warning(1, 0.001, 0.02, falling, before)
    assert message.startswith("warning: level 1") and "0.5 -> 0.1" in message
    assert collapse_warning(1, 0.3, 0.02, falling, before) is None      # spread is healthy
    assert collapse_warning(1, 0.001, 0.02, rising, before) is None     # losses do show it
    assert collapse_warning(1, 0.001, 0.02, falling, None) is None      # nothing to compare
