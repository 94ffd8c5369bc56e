"""The fastest way between two street points, shared by matrices and route geometry.

A street point (see `graphs.snap.StreetPoints`) joins the node graph through the ends of
the directed edges carrying it. It is left towards ``v`` along its edge and, on a two-way
street, towards ``u`` along the reverse twin; it is entered from ``u`` along its edge and,
on a two-way street, from ``v``. A point lying exactly on an end node is also left and
entered there at no cost, even on a one-way street. The way from point ``i`` to point
``j`` is the fastest of three options:

0. direct, along the street they share: ahead of ``i`` on the edge, or behind it on a
   two-way street (a point to itself is this option, at 0 s);
1, 2. leave ``i`` by its better exit, take the fastest node path, and enter ``j`` by
   entry 0 (from ``u``) or entry 1 (from ``v``).

The node paths come from one scipy Dijkstra run per origin point, started at a virtual
node added to the graph for that point, with an edge to each of its exits weighted by
the partial street (scipy keeps explicit zero weights as edges). That costs about what
the node-based matrix costs (one run per snapped node); one run per distinct exit node,
with the partial streets added afterwards, measured about twice that, since most points
have two exits. Ties go to the lowest option, so the matrix and the route geometry
choose alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    import numpy.typing as npt

    from graphs.network import StreetNetwork
    from graphs.snap import StreetPoints

__all__ = [
    "DIRECT",
    "PointAccess",
    "ShortestTrees",
    "best_options",
    "option_distances_m",
    "point_access",
    "shortest_trees",
    "tree_lengths_m",
]

DIRECT: Final = 0


@dataclass(frozen=True, slots=True)
class PointAccess:
    """Where each street point leaves and joins the node graph, and at what cost.

    Every array has shape ``(points, 2)``; column 0 is along the point's own edge, column 1
    along its reverse twin (or the end node the point lies on). A missing exit or entry
    has node -1 and infinite cost.

    Attributes
    ----------
    exit_node, entry_node
        Node positions (into ``net.node_ids``) where the point is left / entered from.
    exit_s, entry_s
        Seconds from the point to its exit node / from the entry node to the point.
    exit_m, entry_m
        The same in metres.
    """

    exit_node: npt.NDArray[np.intp]
    exit_s: npt.NDArray[np.float64]
    exit_m: npt.NDArray[np.float64]
    entry_node: npt.NDArray[np.intp]
    entry_s: npt.NDArray[np.float64]
    entry_m: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ShortestTrees:
    """scipy Dijkstra results from the virtual nodes of the first origin points.

    Row ``k`` holds the run from virtual node ``nodes + k`` of point ``k``. Node
    positions below ``nodes`` are graph nodes (positions in ``net.node_ids``).

    Attributes
    ----------
    travel_s
        ``(origins, nodes + origins)`` fastest travel times in seconds (inf: no path).
    predecessors
        ``(origins, nodes + origins)`` predecessor positions (negative at the source
        and where no path leads), or an empty ``(0, nodes + origins)`` array if not
        asked for.
    graph_s, graph_m
        The graph with the virtual nodes, as sparse travel times and lengths.
    """

    travel_s: npt.NDArray[np.float64]
    predecessors: npt.NDArray[np.int32]
    graph_s: csr_array
    graph_m: csr_array


def point_access(net: StreetNetwork, points: StreetPoints) -> PointAccess:
    """
    Work out the exits and entries of street points (see the module docstring).

    Parameters
    ----------
    net
        The network the points were snapped to.
    points
        The street points.

    Returns
    -------
    access
        Their exits and entries with costs.
    """
    u = _node_positions(net, points.edge_u)
    v = _node_positions(net, points.edge_v)
    two_way = points.reverse_row >= 0
    reverse = np.maximum(points.reverse_row, 0)
    back_s = np.where(two_way, net.edge_travel_s[reverse], 0.0)
    back_m = np.where(two_way, net.edge_length_m[reverse], 0.0)
    f = points.fraction
    # Column 1: along the reverse twin, or free where the point lies on the end node.
    exit_back = two_way | (f == 0.0)
    entry_back = two_way | (f == 1.0)
    to_u_s, to_u_m = f * back_s, f * back_m
    from_v_s, from_v_m = (1.0 - f) * back_s, (1.0 - f) * back_m
    # On a self-loop both columns lead to the same node: keep only the cheaper one.
    loop = u == v
    exit_back &= ~(loop & (to_u_s >= points.point_to_v_s))
    entry_back &= ~(loop & (from_v_s >= points.u_to_point_s))
    exit_ahead = ~(loop & exit_back)
    entry_ahead = ~(loop & entry_back)
    return PointAccess(
        exit_node=np.stack([np.where(exit_ahead, v, -1), np.where(exit_back, u, -1)], axis=1),
        exit_s=_costs(exit_ahead, points.point_to_v_s, exit_back, to_u_s),
        exit_m=_costs(exit_ahead, points.point_to_v_m, exit_back, to_u_m),
        entry_node=np.stack([np.where(entry_ahead, u, -1), np.where(entry_back, v, -1)], axis=1),
        entry_s=_costs(entry_ahead, points.u_to_point_s, entry_back, from_v_s),
        entry_m=_costs(entry_ahead, points.u_to_point_m, entry_back, from_v_m),
    )


def _costs(
    ahead: npt.NDArray[np.bool_],
    ahead_cost: npt.NDArray[np.float64],
    back: npt.NDArray[np.bool_],
    back_cost: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Stack the two columns of costs, inf where the exit or entry is missing."""
    return np.stack(
        [np.where(ahead, ahead_cost, np.inf), np.where(back, back_cost, np.inf)], axis=1
    )


def _node_positions(net: StreetNetwork, nodes: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """Map OSM node ids to positions in ``net.node_ids``."""
    return net.indices(nodes.tolist()) if len(nodes) else np.empty(0, dtype=np.intp)


def shortest_trees(
    net: StreetNetwork,
    access: PointAccess,
    origins: int,
    *,
    predecessors: bool,
) -> ShortestTrees:
    """
    Run one scipy Dijkstra from each of the first `origins` points.

    Each point gets a virtual node with an edge to each of its exits, weighted by
    the partial street (seconds, and metres in the length graph).

    Parameters
    ----------
    net
        The indexed street network.
    access
        The points' exits and entries.
    origins
        How many points, from the first, legs start from.
    predecessors
        Whether to keep the predecessor trees (for paths and their lengths).

    Returns
    -------
    trees
        The travel times (and predecessors) from every origin point.
    """
    nodes = len(net.node_ids)
    size = nodes + origins
    exits = access.exit_node[:origins]
    present = exits >= 0
    virtual = np.broadcast_to(nodes + np.arange(origins)[:, None], exits.shape)
    base = net.csr.tocoo()
    base_m = net.csr_length_m.tocoo()
    rows = np.concatenate([base.row, virtual[present]])
    cols = np.concatenate([base.col, exits[present]])
    graph_s = csr_array(
        (np.concatenate([base.data, access.exit_s[:origins][present]]), (rows, cols)),
        shape=(size, size),
    )
    rows_m = np.concatenate([base_m.row, virtual[present]])
    cols_m = np.concatenate([base_m.col, exits[present]])
    graph_m = csr_array(
        (np.concatenate([base_m.data, access.exit_m[:origins][present]]), (rows_m, cols_m)),
        shape=(size, size),
    )
    sources = np.arange(nodes, size)
    no_predecessors = np.empty((0, size), dtype=np.int32)
    if origins == 0:
        return ShortestTrees(np.empty((0, size)), no_predecessors, graph_s, graph_m)
    if predecessors:
        travel_s, pred = dijkstra(graph_s, directed=True, indices=sources, return_predecessors=True)
        return ShortestTrees(travel_s, pred, graph_s, graph_m)
    travel_s = dijkstra(graph_s, directed=True, indices=sources)
    return ShortestTrees(travel_s, no_predecessors, graph_s, graph_m)


def best_options(
    net: StreetNetwork,
    points: StreetPoints,
    access: PointAccess,
    trees: ShortestTrees,
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    """
    Find the fastest option from points ``i`` to points ``j`` (broadcast together).

    Parameters
    ----------
    net
        The indexed street network.
    points
        The street points.
    access
        Their exits and entries.
    trees
        Dijkstra results from (at least) every ``i`` point.
    i, j
        Origin and destination positions; any shapes that broadcast together.

    Returns
    -------
    travel_s
        The fastest travel time in seconds (inf where no option works).
    option
        Which option gives it (see the module docstring).
    """
    best = _direct_value(net, points, i, j, net.edge_travel_s)
    option = np.zeros(best.shape, dtype=np.int8)
    for q in (0, 1):
        cost = _via_nodes_value(access.entry_node, access.entry_s, trees.travel_s, i, j, q)
        better = cost < best
        best = np.where(better, cost, best)
        option[better] = 1 + q
    return best, option


def option_distances_m(
    net: StreetNetwork,
    points: StreetPoints,
    access: PointAccess,
    lengths_m: npt.NDArray[np.float64],
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
    option: npt.NDArray[np.int8],
) -> npt.NDArray[np.float64]:
    """
    Give the length in metres of the chosen options from ``i`` to ``j``.

    Parameters
    ----------
    net
        The indexed street network.
    points
        The street points.
    access
        Their exits and entries.
    lengths_m
        `tree_lengths_m` of the trees the options were chosen on.
    i, j
        Origin and destination positions, broadcast together.
    option
        The options `best_options` chose (shape of ``i`` and ``j`` broadcast).

    Returns
    -------
    distance_m
        Metres along each chosen way (inf where no option works).
    """
    distance_m = _direct_value(net, points, i, j, net.edge_length_m)
    for q in (0, 1):
        metres = _via_nodes_value(access.entry_node, access.entry_m, lengths_m, i, j, q)
        distance_m = np.where(option == 1 + q, metres, distance_m)
    return distance_m


def _direct_value(
    net: StreetNetwork,
    points: StreetPoints,
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
    per_edge: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Seconds (or metres) along the shared street from ``i`` to ``j``; inf if none."""
    row_i, row_j = points.edge_row[i], points.edge_row[j]
    f_i, f_j = points.fraction[i], points.fraction[j]
    reverse = points.reverse_row[i]
    ahead = (f_j - f_i) * per_edge[row_i]
    behind = np.where(reverse >= 0, (f_i - f_j) * per_edge[np.maximum(reverse, 0)], np.inf)
    direct = np.where(f_j >= f_i, ahead, behind)
    return np.where(row_i == row_j, direct, np.inf)


def _via_nodes_value(
    entry_node: npt.NDArray[np.intp],
    entry_value: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
    q: int,
) -> npt.NDArray[np.float64]:
    """Tree value from origin ``i`` to entry ``q`` of ``j``, plus the entry; inf if none."""
    node = entry_node[j, q]
    return np.where(node >= 0, table[i, np.maximum(node, 0)] + entry_value[j, q], np.inf)


def tree_lengths_m(net: StreetNetwork, trees: ShortestTrees) -> npt.NDArray[np.float64]:
    """
    Measure each node's distance in metres along the fastest-path trees.

    Pointer jumping over the predecessor arrays: every node adds its ancestor's sum
    and jumps to the ancestor's ancestor, so ``log2(depth)`` vectorised rounds suffice.

    Parameters
    ----------
    net
        The indexed street network.
    trees
        Dijkstra results with predecessors.

    Returns
    -------
    lengths_m
        ``(sources, nodes)`` metres along the fastest path (0 at the source and
        where no path leads; check `ShortestTrees.travel_s` for those).

    Raises
    ------
    ValueError
        If the trees were computed without predecessors.
    """
    if trees.predecessors.shape != trees.travel_s.shape:
        msg = "Path lengths need the Dijkstra predecessors."
        raise ValueError(msg)
    pred = trees.predecessors.astype(np.intp)
    has_pred = pred >= 0
    nodes = np.broadcast_to(np.arange(pred.shape[1]), pred.shape)
    ancestor = np.where(has_pred, pred, nodes)
    lengths_m = np.zeros(pred.shape)
    lengths_m[has_pred] = _edge_lengths_m(trees.graph_m, pred[has_pred], nodes[has_pred])
    while True:
        next_ancestor = np.take_along_axis(ancestor, ancestor, axis=1)
        if np.array_equal(next_ancestor, ancestor):
            return lengths_m
        lengths_m = lengths_m + np.take_along_axis(lengths_m, ancestor, axis=1)
        ancestor = next_ancestor


def _edge_lengths_m(
    graph_m: csr_array, tails: npt.NDArray[np.intp], heads: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """Look up the lengths a sparse length graph holds for edges tail -> head."""
    coo = graph_m.tocoo()
    size = graph_m.shape[1]
    keys = coo.row.astype(np.int64) * size + coo.col
    order = np.argsort(keys)
    wanted = tails.astype(np.int64) * size + heads
    return np.asarray(coo.data[order][np.searchsorted(keys[order], wanted)], dtype=np.float64)
