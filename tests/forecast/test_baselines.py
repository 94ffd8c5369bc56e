"""Baseline surfaces: hand-checkable values."""

from __future__ import annotations

import pytest

from forecast.baselines import kde_surface, prospective_surface
from forecast.history import history_at

from .conftest import AS_OF, CPH, at


def test_kde_window_keeps_only_recent_records() -> None:
    """An 8-week KDE of one recent and one old record sums to 1; all history sums to 2."""
    history = history_at(
        [at("new", 0, 0, 5), at("old", 500, 0, 100)], as_of=AS_OF, tz=CPH, history_days=365
    )
    _, recent = kde_surface(history, window_days=56)
    _, everything = kde_surface(history)
    assert recent.sum() == pytest.approx(1.0)
    assert everything.sum() == pytest.approx(2.0)


def test_prospective_weights_follow_bowers_johnson_and_pease() -> None:
    """A record this week scores 1 in its own cell, 1/2 one 50 m cell away, 1/9 at 400 m;
    one 3 weeks old scores 1/4 at its cell; older than 8 weeks, nothing."""
    history = history_at([at("a", 0, 0, 2)], as_of=AS_OF, tz=CPH, history_days=365)
    grid, risk = prospective_surface(history)
    row, col = grid.cell_of(history.x_m, history.y_m)
    r, c = int(row[0]), int(col[0])
    assert risk[r, c] == pytest.approx(1.0)
    assert risk[r, c + 2] == pytest.approx(1 / 2)
    assert risk[r, c + 16] == pytest.approx(1 / 9)
    assert risk[r, c - 17] == 0
    older = history_at([at("b", 0, 0, 24)], as_of=AS_OF, tz=CPH, history_days=365)
    grid, risk = prospective_surface(older)
    row, col = grid.cell_of(older.x_m, older.y_m)
    assert risk[int(row[0]), int(col[0])] == pytest.approx(1 / 4)
    stale = history_at([at("c", 0, 0, 60)], as_of=AS_OF, tz=CPH, history_days=365)
    assert prospective_surface(stale)[1].sum() == 0
