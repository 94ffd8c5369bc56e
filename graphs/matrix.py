"""Travel-time matrices between street points, in whole seconds.

`street_travel_matrix` and `street_matrices` (with distances) work between street points
(`graphs.snap.snap_to_streets`), counting the partial streets at both ends (see
`graphs.legs` for how a point joins the graph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from graphs.legs import best_options, option_distances_m, point_access, shortest_trees

if TYPE_CHECKING:
    import numpy.typing as npt

    from graphs.network import StreetNetwork
    from graphs.snap import StreetPoints

__all__ = [
    "UNREACHABLE_S",
    "StreetMatrices",
    "street_matrices",
    "street_travel_matrix",
]

# Stands for "no path" in a matrix, like PyVRP's MAX_VALUE: large enough that a
# solver never prefers it, small enough that sums of a few stay in int64.
UNREACHABLE_S: Final[int] = 10_000_000


@dataclass(frozen=True, slots=True)
class StreetMatrices:
    """Travel times and distances between street points, along the same fastest ways.

    Attributes
    ----------
    travel_s
        ``n x n`` int64: entry ``[i, j]`` is the fastest travel time in seconds,
        rounded, from point ``i`` to point ``j``; 0 on the diagonal and
        `UNREACHABLE_S` where no way leads.
    distance_m
        ``n x n`` float64: the length in metres of that fastest way (not the
        shortest way); 0 on the diagonal and inf where no way leads.
    """

    travel_s: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]


def street_travel_matrix(net: StreetNetwork, points: StreetPoints) -> npt.NDArray[np.int64]:
    """
    Compute fastest travel times between street points.

    Each entry is the fastest of: the partial street from point ``i`` to an end node
    of an edge carrying it (both ends on a two-way street, only ``v`` on a one-way
    street), the fastest node path, and the partial street from an end node into
    point ``j``; or the direct way along a street both points lie on, where its
    direction allows. One scipy Dijkstra call (see `graphs.legs` for its sources).

    Parameters
    ----------
    net
        The network the points were snapped to.
    points
        Street points from `graphs.snap.snap_to_streets`; duplicates are allowed.

    Returns
    -------
    matrix
        ``n x n`` int64 array of seconds, rounded: 0 on the diagonal (and between
        points at the same place) and `UNREACHABLE_S` where no way leads.
    """
    travel_s, _ = _all_pairs(net, points, distances=False)
    return _whole_seconds(travel_s)


def street_matrices(net: StreetNetwork, points: StreetPoints) -> StreetMatrices:
    """
    Compute fastest travel times between street points and the lengths of those ways.

    As `street_travel_matrix`, plus each way's length in metres (along the partial
    streets and the fastest node path). Costs more: the Dijkstra runs keep their
    predecessor trees, whose lengths are summed.

    Parameters
    ----------
    net
        The network the points were snapped to.
    points
        Street points from `graphs.snap.snap_to_streets`; duplicates are allowed.

    Returns
    -------
    matrices
        Travel times (int64 seconds) and distances (float64 metres).
    """
    travel_s, distance_m = _all_pairs(net, points, distances=True)
    np.fill_diagonal(distance_m, 0.0)
    return StreetMatrices(travel_s=_whole_seconds(travel_s), distance_m=distance_m)


def _all_pairs(
    net: StreetNetwork, points: StreetPoints, *, distances: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Exact seconds, and metres if asked (else an empty array), between all points."""
    count = len(points)
    if count == 0:
        return np.zeros((0, 0)), np.zeros((0, 0))
    access = point_access(net, points)
    entries = access.entry_node[access.entry_node >= 0]
    trees = shortest_trees(net, points, access, count, np.unique(entries), predecessors=distances)
    i, j = np.arange(count)[:, None], np.arange(count)[None, :]
    travel_s, option = best_options(net, points, access, trees, i, j)
    if not distances:
        return travel_s, np.zeros((0, 0))
    return travel_s, option_distances_m(net, points, access, trees, i, j, option)


def _whole_seconds(travel_s: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Round to int64 seconds; `UNREACHABLE_S` where infinite; 0 on the diagonal."""
    matrix = np.full(travel_s.shape, UNREACHABLE_S, dtype=np.int64)
    reachable = np.isfinite(travel_s)
    matrix[reachable] = np.rint(travel_s[reachable]).astype(np.int64)
    np.fill_diagonal(matrix, 0)
    return matrix
