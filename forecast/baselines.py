"""Baseline risk surfaces from the crime-forecasting literature, on the same grid code.

They serve comparisons (``bench/hotspots.py``): a method is only better than these if it
beats them through the same disc selection and the same test.

- ``kde_surface``: Gaussian kernel density of the records in a recent window (or all),
  one bandwidth, every record weighted alike.
- ``prospective_surface``: prospective hotspotting (Bowers, Johnson & Pease 2004): each
  record within ``reach_m`` and ``window_days`` adds ``1 / (1 + cells)`` x
  ``1 / (1 + weeks)`` to a cell, where ``cells`` is the distance from the record's cell in
  whole ``cell_size_m`` cells and ``weeks`` its age in whole weeks.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.signal import fftconvolve

from .grid import Grid

if TYPE_CHECKING:
    from .history import History
    from .projection import FloatArray


def _grid(history: History, cell_m: float, margin_m: float) -> Grid:
    if len(history) == 0:
        msg = "A baseline surface needs at least one record."
        raise ValueError(msg)
    return Grid.covering(history.x_m, history.y_m, cell_m=cell_m, margin_m=margin_m)


def kde_surface(
    history: History,
    *,
    bandwidth_m: float = 100.0,
    window_days: float | None = None,
    cell_m: float = 25.0,
    margin_m: float = 0.0,
) -> tuple[Grid, FloatArray]:
    """Gaussian kernel density of the records younger than ``window_days`` (all if None).

    Parameters
    ----------
    history
        Records known at the forecast moment (at least one).
    bandwidth_m
        Kernel standard deviation, metres.
    window_days
        Only records whose middle is at most this old; None for all.
    cell_m
        Grid cell size, metres.
    margin_m
        Extra room beyond four bandwidths, metres.

    Returns
    -------
    tuple
        The grid and the density per cell (records per cell; sums to the records used).

    Raises
    ------
    ValueError
        If the history is empty.
    """
    grid = _grid(history, cell_m, 4.0 * bandwidth_m + margin_m)
    weights = np.ones(len(history))
    if window_days is not None:
        weights[history.age_days > window_days] = 0.0
    return grid, grid.smooth(history.x_m, history.y_m, weights, bandwidth_m=bandwidth_m)


def prospective_surface(
    history: History,
    *,
    reach_m: float = 400.0,
    window_days: float = 56.0,
    cell_size_m: float = 50.0,
    cell_m: float = 25.0,
    margin_m: float = 0.0,
) -> tuple[Grid, FloatArray]:
    """Prospective hotspotting (Bowers, Johnson & Pease 2004) on the forecast grid.

    Parameters
    ----------
    history
        Records known at the forecast moment (at least one).
    reach_m
        Records further than this from a cell add nothing, metres.
    window_days
        Records older than this add nothing.
    cell_size_m
        The distance unit of the ``1 / (1 + cells)`` weight, metres (Bowers et al.'s cells).
    cell_m
        Grid cell size on which the surface is evaluated, metres.
    margin_m
        Extra room beyond ``reach_m``, metres.

    Returns
    -------
    tuple
        The grid and the risk score per cell.

    Raises
    ------
    ValueError
        If the history is empty.
    """
    grid = _grid(history, cell_m, reach_m + cell_m + margin_m)
    weeks = np.floor(history.age_days / 7.0)
    weights = np.where(history.age_days <= window_days, 1.0 / (1.0 + weeks), 0.0)
    binned = grid.counts(history.x_m, history.y_m, weights)
    reach = math.floor(reach_m / cell_m)
    offsets = np.arange(-reach, reach + 1) * cell_m
    dy, dx = np.meshgrid(offsets, offsets, indexing="ij")
    distance = np.hypot(dx, dy)
    kernel = np.where(distance <= reach_m, 1.0 / (1.0 + np.floor(distance / cell_size_m)), 0.0)
    risk = np.asarray(fftconvolve(binned, kernel, mode="same"), dtype=float)
    risk[risk < 1e-9 * max(float(risk.max()), 1e-300)] = 0.0  # FFT round-off, not risk
    return grid, risk
