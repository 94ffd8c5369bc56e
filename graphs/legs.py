"""The fastest way between two street points, shared by matrices and route geometry.

A street point (see `graphs.snap.StreetPoints`) joins the node graph through the ends of
the directed edges carrying it. It is left towards ``v`` along its edge and, on a two-way
street, towards ``u`` along the reverse twin; it is entered from ``u`` along its edge and,
on a two-way street, from ``v``. A point lying exactly on an end node is also left and
entered there at no cost, even on a one-way street. The way from point ``i`` to point
``j`` is the fastest of three options:

0. direct, along the street they share: ahead of ``i`` on the edge, or behind it on a
   two-way street (a point to itself is this option, at 0 s);
1, 2. leave ``i`` by the better of its exits, take the fastest node path, and enter
   ``j`` by entry 0 (from ``u``) or entry 1 (from ``v``).

The node paths come from one scipy Dijkstra call over a set of sources chosen to keep the
runs few. A point whose exits are sources anyway (other points lie on its street or share
its end nodes) uses the runs from its exit nodes, adding its partial street to each. A
point alone on its street instead gets a virtual node added to the graph, joined to its
exits by its partial streets (scipy keeps explicit zero weights as edges): one run where
its exits would need two. For 300 Liechtenstein addresses on the drive graph this makes
202 runs, where node snapping had 165 distinct nodes, runs from every exit node would be
249 and a virtual node per point 300; for 300 scattered points 299 runs, against 280, 515
and 300. Ties go to the lowest option and the lower exit, so the matrix and the route
geometry choose alike.
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
    "tree_path",
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
    """Fastest travel from the origin points to the nodes that enter destination points.

    Tables have one row per origin point (the first ``origins`` points) and one column
    per node of interest (`columns`). The Dijkstra runs behind them ("trees") start at
    exit nodes or at virtual nodes numbered from ``len(net.node_ids)`` on.

    Attributes
    ----------
    columns
        The node positions tabulated.
    column_of_node
        For each node position (virtual ones included), its column, or -1.
    travel_s
        ``(origins, columns)`` fastest seconds from the origin point to the node (inf:
        no path).
    start_m
        ``(origins, columns)`` metres from the origin point to the root of the tree
        holding that path (its partial street for an exit-node root; 0 for a virtual
        root, whose first edge is the partial street).
    tree
        ``(origins, columns)`` which tree holds that path (-1: none).
    roots
        The node position each tree starts from.
    predecessors
        ``(trees, nodes)`` predecessor positions (negative at the root and where no
        path leads), or an empty ``(0, nodes)`` array if not asked for.
    graph_m
        The lengths of the graph the trees ran on (virtual edges included).
    """

    columns: npt.NDArray[np.intp]
    column_of_node: npt.NDArray[np.intp]
    travel_s: npt.NDArray[np.float64]
    start_m: npt.NDArray[np.float64]
    tree: npt.NDArray[np.intp]
    roots: npt.NDArray[np.intp]
    predecessors: npt.NDArray[np.int32]
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
    two_way = points.two_way
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
    points: StreetPoints,
    access: PointAccess,
    origins: int,
    columns: npt.NDArray[np.intp],
    *,
    predecessors: bool,
) -> ShortestTrees:
    """
    Find the fastest travel from the first `origins` points to some nodes.

    Sources are chosen as the module docstring describes; one scipy Dijkstra call runs
    from all of them.

    Parameters
    ----------
    net
        The indexed street network.
    points
        The street points.
    access
        Their exits and entries.
    origins
        How many points, from the first, legs start from (at least one).
    columns
        Node positions to tabulate (the entry nodes of the destinations).
    predecessors
        Whether to keep the predecessor trees (for paths and their lengths).

    Returns
    -------
    trees
        Per-origin tables over the columns, and the trees behind them.
    """
    nodes = len(net.node_ids)
    exits = access.exit_node[:origins]
    virtual = _lone_points(points, exits, nodes)
    shared_exits = exits[~virtual]
    exit_sources = np.unique(shared_exits[shared_exits >= 0])
    lone = np.flatnonzero(virtual)
    graph_s, graph_m = _with_virtual_nodes(net, access, lone)
    roots = np.concatenate([exit_sources, nodes + np.arange(len(lone))]).astype(np.intp)
    size = graph_s.shape[0]
    column_of_node = np.full(size, -1, dtype=np.intp)
    column_of_node[columns] = np.arange(len(columns))
    if predecessors:
        travel_s, pred = dijkstra(graph_s, directed=True, indices=roots, return_predecessors=True)
    else:
        travel_s = dijkstra(graph_s, directed=True, indices=roots)
        pred = np.empty((0, size), dtype=np.int32)

    # Each origin's candidate trees: its exit nodes' (plus the partial street), or its own.
    tree_of_root = np.full(size, -1, dtype=np.intp)
    tree_of_root[roots] = np.arange(len(roots))
    candidate = np.where(exits >= 0, tree_of_root[np.maximum(exits, 0)], -1)
    lead_s = access.exit_s[:origins].copy()
    lead_m = access.exit_m[:origins].copy()
    candidate[lone, 0] = len(exit_sources) + np.arange(len(lone))
    candidate[lone, 1] = -1
    lead_s[lone], lead_m[lone] = 0.0, 0.0
    best_s = np.full((origins, len(columns)), np.inf)
    start_m = np.zeros(best_s.shape)
    tree = np.full(best_s.shape, -1, dtype=np.intp)
    for p in (0, 1):
        has = candidate[:, p] >= 0
        via_s = np.full(best_s.shape, np.inf)
        via_s[has] = lead_s[has, p, None] + travel_s[np.ix_(candidate[has, p], columns)]
        better = via_s < best_s
        best_s = np.where(better, via_s, best_s)
        start_m = np.where(better, lead_m[:, p, None], start_m)
        tree = np.where(better, candidate[:, p, None], tree)
    return ShortestTrees(columns, column_of_node, best_s, start_m, tree, roots, pred, graph_m)


def _lone_points(
    points: StreetPoints, exits: npt.NDArray[np.intp], nodes: int
) -> npt.NDArray[np.bool_]:
    """
    Mark the origin points that get a virtual node: alone on a two-way street.

    A point shares its exit nodes' runs when its street carries at least as many origin
    points as it has exits, or when one of its exits is another point's source anyway.
    """
    count = len(exits)
    rows, street = np.unique(points.edge_row[:count], return_inverse=True)
    per_street = np.bincount(street, minlength=len(rows))[street]
    exit_count = (exits >= 0).sum(axis=1)
    alone: npt.NDArray[np.bool_] = per_street < exit_count
    sources = exits[~alone]
    is_source = np.zeros(nodes, dtype=bool)
    is_source[sources[sources >= 0]] = True
    touches = np.any(is_source[np.maximum(exits, 0)] & (exits >= 0), axis=1)
    lone: npt.NDArray[np.bool_] = alone & ~touches
    return lone


def _with_virtual_nodes(
    net: StreetNetwork, access: PointAccess, lone: npt.NDArray[np.intp]
) -> tuple[csr_array, csr_array]:
    """The time and length graphs plus one virtual node per lone point, joined to its exits."""
    if len(lone) == 0:
        return net.csr, net.csr_length_m
    nodes = len(net.node_ids)
    size = nodes + len(lone)
    exits = access.exit_node[lone]
    present = exits >= 0
    virtual = np.broadcast_to(nodes + np.arange(len(lone))[:, None], exits.shape)[present]
    graphs = []
    for base, lead in ((net.csr, access.exit_s), (net.csr_length_m, access.exit_m)):
        coo = base.tocoo()
        graphs.append(
            csr_array(
                (
                    np.concatenate([coo.data, lead[lone][present]]),
                    (np.concatenate([coo.row, virtual]), np.concatenate([coo.col, exits[present]])),
                ),
                shape=(size, size),
            )
        )
    return graphs[0], graphs[1]


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
        Travel from (at least) every ``i`` point to every entry node of the ``j`` points.
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
        cost = _via_nodes(access.entry_node, access.entry_s, trees, trees.travel_s, i, j, q)
        better = cost < best
        best = np.where(better, cost, best)
        option[better] = 1 + q
    return best, option


def option_distances_m(
    net: StreetNetwork,
    points: StreetPoints,
    access: PointAccess,
    trees: ShortestTrees,
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
    trees
        The trees the options were chosen on, with predecessors.
    i, j
        Origin and destination positions, broadcast together.
    option
        The options `best_options` chose (shape of ``i`` and ``j`` broadcast).

    Returns
    -------
    distance_m
        Metres along each chosen way (inf where no option works).
    """
    lengths_m = _column_lengths_m(trees)
    distance_m = _direct_value(net, points, i, j, net.edge_length_m)
    for q in (0, 1):
        metres = _via_nodes(access.entry_node, access.entry_m, trees, lengths_m, i, j, q)
        distance_m = np.where(option == 1 + q, metres, distance_m)
    return distance_m


def tree_path(trees: ShortestTrees, origin: int, node: int, nodes: int) -> list[int]:
    """
    Give the node path the trees hold from an origin point's exit to a node.

    Parameters
    ----------
    trees
        Trees with predecessors that reach `node` from `origin`.
    origin
        The origin point's position.
    node
        The node position (one of the columns) the path ends at.
    nodes
        The number of graph nodes; positions from there on are virtual.

    Returns
    -------
    path
        Graph node positions from the exit node the origin left by to `node`.
    """
    tree = int(trees.tree[origin, trees.column_of_node[node]])
    predecessors = trees.predecessors[tree]
    root = int(trees.roots[tree])
    path = [node]
    while path[-1] != root:
        path.append(int(predecessors[path[-1]]))
    path.reverse()
    return path[1:] if root >= nodes else path


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


def _via_nodes(
    entry_node: npt.NDArray[np.intp],
    entry_value: npt.NDArray[np.float64],
    trees: ShortestTrees,
    table: npt.NDArray[np.float64],
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
    q: int,
) -> npt.NDArray[np.float64]:
    """Table value from origin ``i`` to entry ``q`` of ``j``, plus the entry; inf if none."""
    node = entry_node[j, q]
    column = trees.column_of_node[np.maximum(node, 0)]
    value = table[i, np.maximum(column, 0)] + entry_value[j, q]
    return np.where((node >= 0) & (column >= 0), value, np.inf)


def _column_lengths_m(trees: ShortestTrees) -> npt.NDArray[np.float64]:
    """
    Metres of each origin's fastest path to each column node.

    The trees' path lengths come from pointer jumping over the predecessor arrays: every
    node adds its ancestor's sum and jumps to the ancestor's ancestor, so ``log2(depth)``
    vectorised rounds suffice.
    """
    if trees.predecessors.shape[0] != len(trees.roots):
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
            break
        lengths_m = lengths_m + np.take_along_axis(lengths_m, ancestor, axis=1)
        ancestor = next_ancestor
    found = trees.tree >= 0
    along_m = lengths_m[np.maximum(trees.tree, 0), trees.columns[None, :]]
    return np.where(found, trees.start_m + along_m, np.inf)


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
