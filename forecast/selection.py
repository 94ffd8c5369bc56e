"""From a risk surface to hotspot discs.

Two rules, both on the grid's nodes (cell centres):

- ``"union"`` (the product's rule): greedy maximum coverage. Each step takes the node whose
  disc holds the most risk not yet inside an earlier disc, then removes that risk, so a
  new disc overlaps earlier ones only where that still pays. Greedy gets within 1 - 1/e of
  the best union and in practice much closer. Among nodes whose discs hold the same risk
  (a small cluster fits in many discs), the one with the risk nearest its centre wins, so
  a centre sits in the middle of what it covers rather than at its edge.
- ``"peaks"`` (the usual hotspot-map rule, for baselines): the nodes of highest risk per
  cell, each at least two radii from every node taken before (discs never overlap).

Privacy rule (both rules): a hotspot must not point at one victim's door. A centre is a
node of the area's grid (cell centres on multiples of the cell size from the projection
centre), never a record's position as such; and when every record inside a disc lies
within ``SAME_SPOT_M`` of one spot (one address or building, however many burglaries it
had), the centre must be at least ``min_offset_m`` from each of those records. Nodes that
break the rule are skipped and the next best node is taken, which still covers the spot
when ``min_offset_m`` is less than the radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .grid import Grid
    from .projection import FloatArray

CENTRALITY = 1e-3
"""Tie-breaker of the union rule: among nodes whose discs hold the same risk, prefer the one
with that risk nearest its centre (the bonus is at most 0.1 % of the disc's risk)."""

SAME_SPOT_M = 10.0
"""Records closer than this to their common centre count as one spot."""

Rule = Literal["union", "peaks"]


@dataclass(frozen=True, slots=True)
class Disc:
    """A chosen disc centre on the grid.

    Attributes
    ----------
    row, col
        The grid node.
    x_m, y_m
        Its position in metres.
    gain
        Risk inside the disc not already inside an earlier disc (``"union"``), or the
        node's own cell value (``"peaks"``), when it was chosen.
    """

    row: int
    col: int
    x_m: float
    y_m: float
    gain: float


class _PrivacyRule:
    """Checks the privacy rule for nodes against the records' positions."""

    def __init__(
        self, x_m: FloatArray, y_m: FloatArray, radius_m: float, min_offset_m: float
    ) -> None:
        self._xy = np.column_stack([x_m, y_m])
        self._tree = cKDTree(self._xy) if len(self._xy) else None
        self._radius_m = radius_m
        self._min_offset_m = min_offset_m

    def allows(self, x_m: float, y_m: float) -> bool:
        if self._tree is None or self._min_offset_m <= 0:
            return True
        inside = self._tree.query_ball_point((x_m, y_m), self._radius_m)
        if not inside:
            return True
        points = self._xy[inside]
        spread = np.hypot(*(points - points.mean(axis=0)).T).max()
        if spread > SAME_SPOT_M:
            return True
        return bool(np.hypot(points[:, 0] - x_m, points[:, 1] - y_m).min() >= self._min_offset_m)


def select_discs(
    values: FloatArray,
    grid: Grid,
    *,
    count: int,
    radius_m: float,
    record_x_m: FloatArray,
    record_y_m: FloatArray,
    rule: Rule = "union",
    min_offset_m: float = 50.0,
    min_gain_share: float = 0.0,
) -> list[Disc]:
    """Choose up to ``count`` disc centres on ``grid`` from risk ``values``.

    Parameters
    ----------
    values
        Risk per cell (non-negative), shape ``grid.shape``.
    grid
        The grid the values live on.
    count
        How many discs at most (fewer when the risk runs out).
    radius_m
        Disc radius in metres.
    record_x_m, record_y_m
        Positions of the records, for the privacy rule.
    rule
        ``"union"`` or ``"peaks"`` (see the module docstring).
    min_offset_m
        Least distance from a lone spot's records to a centre; 0 turns the rule off.
    min_gain_share
        Stop when the best remaining gain is not above this share of the first disc's
        (the surface has run out); discs always gain more than 0.

    Returns
    -------
    list of Disc
        In the order chosen.

    Raises
    ------
    ValueError
        If the shapes disagree or ``count`` or ``radius_m`` is not positive.
    """
    if values.shape != grid.shape:
        msg = f"Risk values of shape {values.shape} do not fit a grid of {grid.shape}."
        raise ValueError(msg)
    if count < 1 or not radius_m > 0:
        msg = "count must be at least 1 and radius_m larger than 0."
        raise ValueError(msg)
    privacy = _PrivacyRule(record_x_m, record_y_m, radius_m, min_offset_m)
    if rule == "union":
        return _greedy_union(values, grid, count, radius_m, privacy, min_gain_share)
    return _peaks(values, grid, count, radius_m, privacy, min_gain_share)


def _centred_weights(footprint: NDArray[np.bool_]) -> FloatArray:
    """The disc footprint plus a tie-breaker: ``CENTRALITY`` x (1 - (d / r)^2) inside it."""
    reach = footprint.shape[0] // 2
    offsets = np.arange(-reach, reach + 1, dtype=float)
    dy, dx = np.meshgrid(offsets, offsets, indexing="ij")
    closeness = 1.0 - (dx * dx + dy * dy) / max(float(reach * reach), 1.0)
    return np.where(footprint, 1.0 + CENTRALITY * np.clip(closeness, 0.0, None), 0.0)


def _greedy_union(
    values: FloatArray,
    grid: Grid,
    count: int,
    radius_m: float,
    privacy: _PrivacyRule,
    min_gain_share: float,
) -> list[Disc]:
    footprint = grid.disc_footprint(radius_m)
    weights = _centred_weights(footprint)
    reach = footprint.shape[0] // 2
    remaining = np.array(values, dtype=float)
    score = ndimage.correlate(remaining, weights, mode="constant")
    banned = np.zeros(grid.shape, dtype=bool)
    chosen: list[Disc] = []
    while len(chosen) < count:
        row, col = divmod(int(np.argmax(score)), grid.nx)
        rows = slice(max(row - reach, 0), min(row + reach + 1, grid.ny))
        cols = slice(max(col - reach, 0), min(col + reach + 1, grid.nx))
        cut = footprint[
            rows.start - row + reach : rows.stop - row + reach,
            cols.start - col + reach : cols.stop - col + reach,
        ]
        gain = float(remaining[rows, cols][cut].sum())
        if not gain > (min_gain_share * chosen[0].gain if chosen else 0.0):
            break
        xs, ys = grid.node_xy(np.array([row]), np.array([col]))
        x, y = float(xs[0]), float(ys[0])
        if not privacy.allows(x, y):
            banned[row, col] = True
            score[row, col] = -math.inf
            continue
        chosen.append(Disc(row, col, x, y, gain))
        remaining[rows, cols][cut] = 0.0
        # Only nodes within two radii see the removed risk: recompute their scores.
        r0, r1 = max(row - 3 * reach, 0), min(row + 3 * reach + 1, grid.ny)
        c0, c1 = max(col - 3 * reach, 0), min(col + 3 * reach + 1, grid.nx)
        local = ndimage.correlate(remaining[r0:r1, c0:c1], weights, mode="constant")
        a0, a1 = max(row - 2 * reach, 0), min(row + 2 * reach + 1, grid.ny)
        b0, b1 = max(col - 2 * reach, 0), min(col + 2 * reach + 1, grid.nx)
        score[a0:a1, b0:b1] = local[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0]
        score[a0:a1, b0:b1][banned[a0:a1, b0:b1]] = -math.inf
    return chosen


def _peaks(
    values: FloatArray,
    grid: Grid,
    count: int,
    radius_m: float,
    privacy: _PrivacyRule,
    min_gain_share: float,
) -> list[Disc]:
    blocked = np.zeros(grid.shape, dtype=bool)
    block = grid.disc_footprint(2.0 * radius_m - 1e-6)
    reach = block.shape[0] // 2
    flat_values = values.ravel()
    candidates = np.flatnonzero(flat_values > 0.0)
    order = candidates[np.argsort(-flat_values[candidates], kind="stable")]
    chosen: list[Disc] = []
    for flat in order:
        row, col = divmod(int(flat), grid.nx)
        if blocked[row, col]:
            continue
        xs, ys = grid.node_xy(np.array([row]), np.array([col]))
        x, y = float(xs[0]), float(ys[0])
        if chosen and not flat_values[flat] > min_gain_share * chosen[0].gain:
            break
        if not privacy.allows(x, y):
            continue
        chosen.append(Disc(row, col, x, y, float(flat_values[flat])))
        if len(chosen) == count:
            break
        rows = slice(max(row - reach, 0), min(row + reach + 1, grid.ny))
        cols = slice(max(col - reach, 0), min(col + reach + 1, grid.nx))
        cut = block[
            rows.start - row + reach : rows.stop - row + reach,
            cols.start - col + reach : cols.stop - col + reach,
        ]
        blocked[rows, cols] |= cut
    return chosen


def disc_sum(values: FloatArray, grid: Grid, disc: Disc, radius_m: float) -> float:
    """Sum of ``values`` over the cells of a disc (overlaps with other discs included)."""
    footprint = grid.disc_footprint(radius_m)
    reach = footprint.shape[0] // 2
    row, col = disc.row, disc.col
    rows = slice(max(row - reach, 0), min(row + reach + 1, grid.ny))
    cols = slice(max(col - reach, 0), min(col + reach + 1, grid.nx))
    cut = footprint[
        rows.start - row + reach : rows.stop - row + reach,
        cols.start - col + reach : cols.stop - col + reach,
    ]
    return float(values[rows, cols][cut].sum())
