"""`lr_decay`: the shared schedule helper both Keras families build their optimizer with."""
import pytest

from tfmodels.schedules import learning_rate


def test_none_keeps_the_rate_and_cosine_ends_at_a_thousandth():
    assert learning_rate(0.01, "none", 100) == 0.01
    schedule = learning_rate(0.01, "cosine", 100)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(50)) == pytest.approx(0.01 * (0.5 * 0.999 + 0.001), rel=1e-4)
    assert float(schedule(100)) == pytest.approx(1e-5, rel=1e-3)
    with pytest.raises(ValueError, match="unknown lr_decay 'step'"):
        learning_rate(0.01, "step", 100)
