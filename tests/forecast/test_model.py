"""The risk surface: what it sums to, and how its two parts behave."""

from __future__ import annotations

import numpy as np
import pytest

from forecast import DEFAULT_PARAMS, RiskParams, risk_surface
from forecast.history import history_at
from forecast.model import LITERATURE_PARAMS, near_repeat_weights

from .conftest import AS_OF, CPH, at


def _history(records: list, **kwargs: float):  # type: ignore[no-untyped-def, type-arg]
    return history_at(records, as_of=AS_OF, tz=CPH, history_days=kwargs.get("history_days", 365))


def test_surface_sums_to_the_recent_weekly_count() -> None:
    """With 24 burglaries in the last 8 weeks (3 a week), the week's surface sums to 3."""
    records = [at(f"r{k}", 200.0 * (k % 6), 150.0 * (k // 6), 1 + 2.3 * k) for k in range(24)]
    records += [at(f"old{k}", -500, 300, 100 + k) for k in range(10)]
    surface = risk_surface(_history(records), DEFAULT_PARAMS)
    assert surface.expected_total == pytest.approx(3.0)
    assert surface.total.sum() == pytest.approx(3.0, rel=1e-3)
    assert surface.total.shape == surface.grid.shape


def test_thin_recent_data_use_the_long_term_rate() -> None:
    """Two burglaries in the last 8 weeks, 52 over the year: the week expects the long-term
    rate, 52 over the 359.5 days back to the oldest record's middle (noon of its day)."""
    ages = [3, 10, *range(66, 360, 6), 360]
    assert len(ages) == 52
    records = [at(f"r{k}", 100.0 * (k % 9), 0, age) for k, age in enumerate(ages)]
    surface = risk_surface(_history(records), DEFAULT_PARAMS)
    assert surface.expected_total == pytest.approx(52 / 359.5 * 7)


def test_near_repeat_part_fades_with_age_and_vanishes_without_strength() -> None:
    """A burglary 3 days old brings more near-repeat risk than one 60 days old; strength 0
    leaves only the long-term part."""
    weights = near_repeat_weights(np.array([3.0, 60.0]), LITERATURE_PARAMS, 7.0)
    assert weights[0] > 5 * weights[1] > 0
    calm = RiskParams(0.1, 400.0, 365.0, 0.0, 28.0, 250.0)
    surface = risk_surface(_history([at("a", 0, 0, 3)]), calm)
    assert surface.near_repeat.sum() == 0
    assert surface.long_term.sum() > 0


def test_fine_part_keeps_risk_at_the_spot() -> None:
    """With all long-term risk on the 10 m kernel, the cell of the record holds most of it."""
    spot = RiskParams(1.0, 400.0, 365.0, 0.0, 28.0, 250.0)
    surface = risk_surface(_history([at("a", 0, 0, 30)]), spot)
    assert surface.total.max() / surface.total.sum() > 0.5


def test_empty_history_and_bad_parameters_are_refused() -> None:
    """No record, a non-positive horizon, or parameters out of range raise ValueError."""
    with pytest.raises(ValueError, match="at least one record"):
        risk_surface(_history([at("a", 0, 0, -3)]), DEFAULT_PARAMS)
    with pytest.raises(ValueError, match="horizon_days"):
        risk_surface(_history([at("a", 0, 0, 3)]), DEFAULT_PARAMS, horizon_days=0)
    with pytest.raises(ValueError, match="fine_share"):
        RiskParams(1.5, 400.0, 365.0, 0.1, 28.0, 250.0)
    with pytest.raises(ValueError, match="near_repeat_strength"):
        RiskParams(0.1, 400.0, 365.0, -0.1, 28.0, 250.0)
    with pytest.raises(ValueError, match="near_repeat_days must be a positive number"):
        RiskParams(0.1, 400.0, 365.0, 0.1, 0.0, 250.0)
