"""Travel-time matrices between street nodes, in whole seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from graphs.network import StreetNetwork

__all__ = ["UNREACHABLE_S", "travel_time_matrix"]

# Stands for "no path" in a matrix, like PyVRP's MAX_VALUE: large enough that a
# solver never prefers it, small enough that sums of a few stay in int64.
UNREACHABLE_S: Final[int] = 10_000_000


def travel_time_matrix(net: StreetNetwork, nodes: Sequence[int]) -> npt.NDArray[np.int64]:
    """
    Compute fastest travel times between street nodes.

    One scipy Dijkstra run per distinct source node, over the fastest of any
    parallel edges.

    Parameters
    ----------
    net
        The indexed street network.
    nodes
        OSM node ids; duplicates are allowed.

    Returns
    -------
    matrix
        ``n x n`` int64 array: entry ``[i, j]`` is the travel time in seconds,
        rounded, from ``nodes[i]`` to ``nodes[j]``; 0 on the diagonal and
        `UNREACHABLE_S` where no path exists.

    Raises
    ------
    GraphError
        If a node id is not in the graph.
    """
    idx = net.indices(nodes)
    if idx.size == 0:
        return np.zeros((0, 0), dtype=np.int64)
    sources, source_row = np.unique(idx, return_inverse=True)
    travel_s = dijkstra(net.csr, directed=True, indices=sources)[:, idx][source_row]
    matrix = np.full(travel_s.shape, UNREACHABLE_S, dtype=np.int64)
    reachable = np.isfinite(travel_s)
    matrix[reachable] = np.rint(travel_s[reachable]).astype(np.int64)
    np.fill_diagonal(matrix, 0)
    return matrix
