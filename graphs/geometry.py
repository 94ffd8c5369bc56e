"""Street-following geometry of routes, for maps and GeoJSON."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from graphs.errors import UnreachableError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from graphs.network import StreetNetwork

__all__ = ["PathGeometry", "route_geometry"]


@dataclass(frozen=True, slots=True)
class PathGeometry:
    """The street path of one leg of a route.

    Attributes
    ----------
    coords
        ``(lon, lat)`` pairs (RFC 7946 order) along the streets, from the
        leg's start node to its end node.
    distance_m
        Length of the path in metres.
    travel_s
        Travel time along the path in seconds (not rounded).
    """

    coords: list[tuple[float, float]]
    distance_m: float
    travel_s: float


def route_geometry(net: StreetNetwork, nodes: Sequence[int]) -> list[PathGeometry]:
    """
    Trace the fastest street path of each leg of a route.

    The paths use the same weights as `graphs.matrix.travel_time_matrix`, so
    a leg's ``travel_s`` rounds to the matrix entry.

    Parameters
    ----------
    net
        The indexed street network.
    nodes
        The route's OSM node ids in visiting order.

    Returns
    -------
    legs
        One geometry per consecutive pair of nodes (none for fewer than two
        nodes). A leg from a node to itself is that single point.

    Raises
    ------
    GraphError
        If a node id is not in the graph.
    UnreachableError
        If some leg has no path (a `GraphError` too).
    """
    idx = net.indices(nodes)
    if idx.size < 2:
        return []
    sources = np.unique(idx[:-1])
    _, predecessors = dijkstra(net.csr, directed=True, indices=sources, return_predecessors=True)
    row_of = {int(source): row for row, source in enumerate(sources)}
    return [
        _leg_geometry(net, predecessors[row_of[int(start)]], int(start), int(end))
        for start, end in itertools.pairwise(idx)
    ]


def _leg_geometry(
    net: StreetNetwork, predecessors: npt.NDArray[np.int32], start: int, end: int
) -> PathGeometry:
    """Follow the predecessor tree from `end` back to `start` and join edges."""
    path = [end]
    while path[-1] != start:
        previous = int(predecessors[path[-1]])
        if previous < 0:
            msg = (
                f"No street path leads from node {net.node_ids[start]} to node {net.node_ids[end]}."
            )
            raise UnreachableError(msg)
        path.append(previous)
    path.reverse()

    G = net.graph
    first = G.nodes[int(net.node_ids[start])]
    coords: list[tuple[float, float]] = [(float(first["x"]), float(first["y"]))]
    distance_m = 0.0
    travel_s = 0.0
    for a, b in itertools.pairwise(path):
        u, v = int(net.node_ids[a]), int(net.node_ids[b])
        edge = min(G[u][v].values(), key=lambda data: data["travel_time"])
        coords.extend(_edge_coords(G, u, v, edge)[1:])
        distance_m += float(edge["length"])
        travel_s += float(edge["travel_time"])
    return PathGeometry(coords=coords, distance_m=distance_m, travel_s=travel_s)


def _edge_coords(G: Any, u: int, v: int, edge: dict[str, Any]) -> list[tuple[float, float]]:
    """Return an edge's ``(lon, lat)`` points in the direction ``u -> v``."""
    start = (float(G.nodes[u]["x"]), float(G.nodes[u]["y"]))
    geometry = edge.get("geometry")
    if geometry is None:
        return [start, (float(G.nodes[v]["x"]), float(G.nodes[v]["y"]))]
    coords = [(float(x), float(y)) for x, y in geometry.coords]
    if coords[0] != start and coords[-1] == start:
        coords.reverse()
    return coords
