"""From a surface to discs: the union rule, the peaks rule and the privacy rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from forecast.grid import Grid
from forecast.selection import disc_sum, select_discs

GRID = Grid(0.0, 0.0, 25.0, 80, 40)
"""2 km east by 1 km north, 25 m cells."""

NONE = np.empty(0)


def _blobs() -> np.ndarray:
    """A big blob of 10 at (500, 500) spread over 100 m, and a small one of 4 at (1500, 500)."""
    big = GRID.smooth(np.array([500.0]), np.array([500.0]), np.array([10.0]), bandwidth_m=100)
    small = GRID.smooth(np.array([1500.0]), np.array([500.0]), np.array([4.0]), bandwidth_m=30)
    return big + small


def test_union_rule_does_not_stack_discs_on_one_blob() -> None:
    """The second disc goes to the small blob, not next to the first on the big one, because
    what the first disc already holds does not count twice."""
    first, second = select_discs(
        _blobs(), GRID, count=2, radius_m=150, record_x_m=NONE, record_y_m=NONE
    )
    assert (first.x_m, first.y_m) == (512.5, 512.5)
    assert abs(second.x_m - 1500) <= 25
    assert abs(second.y_m - 500) <= 25
    assert first.gain > second.gain > 3.5


def test_union_rule_overlaps_only_when_it_pays() -> None:
    """On one broad blob, discs may touch, but each counts only risk not yet covered, and
    the gains never rise (beyond the 0.1 % the centring tie-breaker may trade)."""
    values = GRID.smooth(np.array([1000.0]), np.array([500.0]), np.array([10.0]), bandwidth_m=300)
    discs = select_discs(values, GRID, count=5, radius_m=150, record_x_m=NONE, record_y_m=NONE)
    gains = [d.gain for d in discs]
    assert all(later <= earlier * 1.001 for earlier, later in itertools.pairwise(gains))
    covered = np.zeros(GRID.shape, dtype=bool)
    footprint = GRID.disc_footprint(150)
    for disc in discs:
        mask = np.zeros(GRID.shape, dtype=bool)
        mask[disc.row - 6 : disc.row + 7, disc.col - 6 : disc.col + 7] = footprint
        assert values[mask & ~covered].sum() == pytest.approx(disc.gain)
        covered |= mask


def test_peaks_rule_keeps_discs_apart() -> None:
    """The peaks rule takes the highest cells, never two centres closer than two radii."""
    discs = select_discs(
        _blobs(), GRID, count=4, radius_m=150, record_x_m=NONE, record_y_m=NONE, rule="peaks"
    )
    assert len(discs) == 4
    xy = np.array([(d.x_m, d.y_m) for d in discs])
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert gaps[~np.eye(4, dtype=bool)].min() >= 300


def test_privacy_rule_moves_a_centre_off_a_lone_spot() -> None:
    """All risk at one record's cell: the centre goes at least 50 m from it and still covers
    it; with the rule off it sits on the record's cell."""
    x, y = np.array([1000.0]), np.array([500.0])
    values = GRID.smooth(x, y, np.ones(1), bandwidth_m=10)
    (free,) = select_discs(
        values, GRID, count=1, radius_m=150, record_x_m=x, record_y_m=y, min_offset_m=0
    )
    assert np.hypot(free.x_m - 1000, free.y_m - 500) < 25
    (kept,) = select_discs(values, GRID, count=1, radius_m=150, record_x_m=x, record_y_m=y)
    assert 50 <= np.hypot(kept.x_m - 1000, kept.y_m - 500) <= 150
    assert disc_sum(values, GRID, kept, 150) == pytest.approx(values.sum())


def test_privacy_rule_leaves_a_real_cluster_alone() -> None:
    """Records at two addresses 40 m apart are not one door: the centre may sit between them."""
    x, y = np.array([1000.0, 1040.0]), np.array([500.0, 500.0])
    values = GRID.smooth(x, y, np.ones(2), bandwidth_m=10)
    (disc,) = select_discs(values, GRID, count=1, radius_m=150, record_x_m=x, record_y_m=y)
    assert np.hypot(disc.x_m - 1020, disc.y_m - 500) < 30


def test_selection_stops_when_the_surface_runs_out() -> None:
    """Discs that would add nothing, or less than the asked share of the first, are not made."""
    values = np.zeros(GRID.shape)
    values[20, 20] = 1.0
    values[20, 60] = 0.05
    one = select_discs(
        values, GRID, count=5, radius_m=150, record_x_m=NONE, record_y_m=NONE, min_offset_m=0
    )
    assert len(one) == 2
    cut = select_discs(
        values, GRID, count=5, radius_m=150, record_x_m=NONE, record_y_m=NONE, min_gain_share=0.1
    )
    assert len(cut) == 1
    assert (
        select_discs(
            np.zeros(GRID.shape), GRID, count=3, radius_m=150, record_x_m=NONE, record_y_m=NONE
        )
        == []
    )


def test_bad_arguments_are_refused() -> None:
    """Values off the grid's shape, no discs or no radius raise ValueError."""
    with pytest.raises(ValueError, match="do not fit"):
        select_discs(
            np.zeros((3, 3)), GRID, count=1, radius_m=150, record_x_m=NONE, record_y_m=NONE
        )
    with pytest.raises(ValueError, match="count"):
        select_discs(
            np.zeros(GRID.shape), GRID, count=0, radius_m=150, record_x_m=NONE, record_y_m=NONE
        )
    with pytest.raises(ValueError, match="larger than 0 m"):
        Grid(0, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="at least one cell"):
        Grid(0, 0, 25, 0, 1)
