"""The risk model: long-term concentration plus a near-repeat boost, as a surface of
expected burglaries over the next ``horizon_days``.

For a moment ``as_of`` and records known then (ages ``a_i`` in days, positions ``s_i``)::

    E(s) = M * [rho * F(s) + (1 - rho) * B(s)]  +  theta * sum_i v_i * K_sigma(s - s_i)

- ``B`` (long term, broad): Gaussian kernel density of all records, bandwidth ``eta``,
  each weighted ``u_i = exp(-a_i / tau_b)`` so old records fade slowly; ``F`` (long term,
  fine) is the same with a 10 m kernel: burglaries recur at the same block face or
  building. ``F`` and ``B`` are densities (they integrate to 1); ``M`` is the mean number
  of burglaries per horizon in the history.
- The near-repeat part is the self-exciting term of a Hawkes (ETAS-type) process: each
  burglary adds ``theta`` expected burglaries in total, spread in time as
  ``exp(-t / tau_n) / tau_n`` and in space as a Gaussian of ``sigma`` metres; ``v_i`` is the
  share of that which falls in the next ``horizon_days``:
  ``exp(-a_i / tau_n) * (1 - exp(-horizon / tau_n))``.

The surface is finally scaled so it sums to the expected count of the horizon: the mean
count of the last 8 weeks, or of the whole history when those weeks hold fewer than
``MIN_RECENT_INCIDENTS`` records. Parameters come from
``forecast.fit`` (fitted on the history) or are given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .grid import Grid

if TYPE_CHECKING:
    from .history import History
    from .projection import FloatArray

RECENT_DAYS = 56.0
"""What "recent" means in counts and explanations: the last 8 weeks."""

MIN_RECENT_INCIDENTS = 20
"""Fewer records than this in the last 8 weeks (about 2.5 a week over the whole area) is
"few recent records": the expected count then comes from the whole history, and the
explanations say the forecast leans on the long-term pattern."""


@dataclass(frozen=True, slots=True)
class RiskParams:
    """Parameters of the risk model (see the module docstring for the formula).

    Parameters
    ----------
    fine_share
        ``rho``: share of the long-term part kept at the records' own spots (0 to 1).
    long_term_bandwidth_m
        ``eta``: bandwidth of the broad long-term density, metres.
    long_term_memory_days
        ``tau_b``: a record's long-term weight falls by a factor e every this many days.
    near_repeat_strength
        ``theta``: expected further burglaries nearby that one burglary brings, in total.
    near_repeat_days
        ``tau_n``: mean delay of those burglaries, days.
    near_repeat_bandwidth_m
        ``sigma``: their spatial spread (Gaussian standard deviation), metres.
    fine_bandwidth_m
        Bandwidth of the fine long-term density, metres (fixed, not fitted).

    Raises
    ------
    ValueError
        If a value is out of range.
    """

    fine_share: float
    long_term_bandwidth_m: float
    long_term_memory_days: float
    near_repeat_strength: float
    near_repeat_days: float
    near_repeat_bandwidth_m: float
    fine_bandwidth_m: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.fine_share <= 1.0:
            msg = f"fine_share must lie in 0..1, got {self.fine_share}."
            raise ValueError(msg)
        if not self.near_repeat_strength >= 0.0:
            msg = f"near_repeat_strength must not be negative, got {self.near_repeat_strength}."
            raise ValueError(msg)
        for name in (
            "long_term_bandwidth_m",
            "long_term_memory_days",
            "near_repeat_days",
            "near_repeat_bandwidth_m",
            "fine_bandwidth_m",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0.0):
                msg = f"{name} must be a positive number, got {value}."
                raise ValueError(msg)


LITERATURE_PARAMS = RiskParams(
    fine_share=0.1,
    long_term_bandwidth_m=400.0,
    long_term_memory_days=365.0,
    near_repeat_strength=0.2,
    near_repeat_days=28.0,
    near_repeat_bandwidth_m=250.0,
)
"""The parameters before pooling (the prior's centre until issue 21), from the literature:
raised risk within a few hundred metres for a few weeks (Johnson et al. 2007: about 200 m,
at least two weeks; other studies 300-400 m, one to two months); long term broad (400 m)
and slow (a year). Kept to centre the prior of the pooled fit that gave
``DEFAULT_PARAMS``."""

DEFAULT_PARAMS = RiskParams(
    fine_share=0.16,
    long_term_bandwidth_m=670.0,
    long_term_memory_days=365.0,
    near_repeat_strength=1.3,
    near_repeat_days=54.0,
    near_repeat_bandwidth_m=240.0,
)
"""The pooled prior: the centre a town-sized area's fit is shrunk towards (a city's moves
towards ``LITERATURE_PARAMS``; ``forecast.fit.prior_for``), and the parameters used when
an area has nothing to fit on.

Fitted with ``forecast.fit.fit_pooled_params`` on town-sized pieces of real records (the
36 squares of 5 km that cut the Chicago 2016 extract, each forecast from its own records
only; 12 weekly origins before 2016-04-04, 2,228 burglaries scored), the long-term memory
pinned at a year because three months of history cannot tell it apart; rounded. See
``docs/forecast.md`` and ``bench/hotspots_towns.py``: nothing from the test weeks after
2016-04-04 went into it."""


def rate_per_horizon(count: int, span_days: float, horizon_days: float) -> float:
    """Mean count per horizon: ``count`` records over ``span_days`` (at least one horizon)."""
    return count / max(span_days, horizon_days) * horizon_days


def long_term_weights(age_days: FloatArray, params: RiskParams) -> FloatArray:
    """``u_i``: each record's weight in the long-term densities."""
    return np.exp(-age_days / params.long_term_memory_days)


def near_repeat_weights(
    age_days: FloatArray, params: RiskParams, horizon_days: float
) -> FloatArray:
    """``theta * v_i``: expected burglaries each record brings nearby within the horizon."""
    tau = params.near_repeat_days
    return params.near_repeat_strength * np.exp(-age_days / tau) * -math.expm1(-horizon_days / tau)


@dataclass(frozen=True, slots=True, eq=False)
class RiskSurface:
    """Expected burglaries per grid cell over the horizon, split by cause.

    Attributes
    ----------
    grid
        Where the values live.
    long_term, near_repeat
        The two parts, shape ``grid.shape``; their sum is the forecast.
    horizon_days
        The forecast's length.
    expected_total
        What the surface sums to (before losses beyond the grid's edge).
    """

    grid: Grid
    long_term: FloatArray
    near_repeat: FloatArray
    horizon_days: float
    expected_total: float

    @property
    def total(self) -> FloatArray:
        """Expected burglaries per cell."""
        return self.long_term + self.near_repeat


def risk_surface(
    history: History,
    params: RiskParams,
    *,
    horizon_days: float = 7.0,
    cell_m: float = 25.0,
    margin_m: float = 0.0,
) -> RiskSurface:
    """The forecast surface at ``history.as_of``.

    Parameters
    ----------
    history
        Records known at the forecast moment (at least one).
    params
        Model parameters.
    horizon_days
        Length of the forecast period.
    cell_m
        Grid cell size in metres.
    margin_m
        Extra room around the records beyond three kernel widths.

    Returns
    -------
    RiskSurface

    Raises
    ------
    ValueError
        If the history is empty or the horizon is not positive.
    """
    if len(history) == 0:
        msg = "A risk surface needs at least one record."
        raise ValueError(msg)
    if not horizon_days > 0:
        msg = f"horizon_days must be positive, got {horizon_days}."
        raise ValueError(msg)
    reach = 3.0 * max(params.long_term_bandwidth_m, params.near_repeat_bandwidth_m)
    grid = Grid.covering(history.x_m, history.y_m, cell_m=cell_m, margin_m=reach + margin_m)
    x, y, age = history.x_m, history.y_m, history.age_days
    u = long_term_weights(age, params)
    fine = grid.smooth(x, y, u, bandwidth_m=params.fine_bandwidth_m)
    broad = grid.smooth(x, y, u, bandwidth_m=params.long_term_bandwidth_m)
    mean = rate_per_horizon(len(history), history.span_days, horizon_days)
    long_term = mean * (params.fine_share * fine + (1.0 - params.fine_share) * broad) / u.sum()
    near = grid.smooth(
        x,
        y,
        near_repeat_weights(age, params, horizon_days),
        bandwidth_m=params.near_repeat_bandwidth_m,
    )
    recent = int(np.count_nonzero(age <= RECENT_DAYS))
    if recent >= MIN_RECENT_INCIDENTS:
        expected = rate_per_horizon(recent, min(history.span_days, RECENT_DAYS), horizon_days)
    else:
        expected = mean
    scale = expected / max(
        mean + float(near_repeat_weights(age, params, horizon_days).sum()), 1e-300
    )
    return RiskSurface(grid, long_term * scale, near * scale, horizon_days, expected)
