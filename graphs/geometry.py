"""Street-following geometry of routes, for maps and GeoJSON.

`street_route_geometry` joins street points (`graphs.snap.snap_to_streets`): each leg
starts exactly at its origin's street point, follows the partial street to the graph, the
fastest node path, and the partial street to its destination's street point, the way
`graphs.matrix.street_travel_matrix` counts it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from graphs.errors import UnreachableError
from graphs.legs import DIRECT, best_options, point_access, shortest_trees, tree_path
from graphs.snap import vertex_along_m

if TYPE_CHECKING:
    from graphs.legs import PointAccess
    from graphs.network import StreetNetwork
    from graphs.snap import StreetPoints

__all__ = ["PathGeometry", "street_route_geometry"]

Coords = list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class PathGeometry:
    """The street path of one leg of a route.

    Attributes
    ----------
    coords
        ``(lon, lat)`` pairs (RFC 7946 order) along the streets, from the
        leg's start node (or street point) to its end node (or street point).
    distance_m
        Length of the path in metres.
    travel_s
        Travel time along the path in seconds (not rounded).
    """

    coords: list[tuple[float, float]]
    distance_m: float
    travel_s: float


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


def street_route_geometry(net: StreetNetwork, points: StreetPoints) -> list[PathGeometry]:
    """
    Trace the fastest street way of each leg of a route between street points.

    Each leg chooses its way as `graphs.matrix.street_travel_matrix` does (same
    options and tie-breaking, from the same kind of Dijkstra source), so its
    ``travel_s`` rounds to the matrix entry. Partial streets are cut from the
    edge's own lon/lat vertices at the street points, so a leg starts exactly at
    its origin's ``(lon, lat)`` and ends exactly at its destination's.

    Parameters
    ----------
    net
        The network the points were snapped to.
    points
        The route's street points in visiting order (see `StreetPoints.take`).

    Returns
    -------
    legs
        One geometry per consecutive pair of points (none for fewer than two). A
        leg from a point to the same place is that single point, with zero
        distance and time.

    Raises
    ------
    UnreachableError
        If some leg has no way (a `GraphError` too).
    """
    count = len(points)
    if count < 2:
        return []
    access = point_access(net, points)
    origins = np.arange(count - 1)
    entries = access.entry_node[1:]
    trees = shortest_trees(
        net, points, access, count - 1, np.unique(entries[entries >= 0]), predecessors=True
    )
    travel_s, option = best_options(net, points, access, trees, origins, origins + 1)
    legs = []
    for i, seconds, chosen in zip(
        origins.tolist(), travel_s.tolist(), option.tolist(), strict=True
    ):
        if not np.isfinite(seconds):
            msg = f"No street path leads from route point {i} to route point {i + 1}."
            raise UnreachableError(msg)
        if chosen == DIRECT:
            coords, distance_m = _direct_leg(net, points, i, i + 1)
        else:
            entry_node = int(access.entry_node[i + 1, chosen - 1])
            path = tree_path(trees, i, entry_node, len(net.node_ids))
            coords, distance_m = _node_path_leg(net, points, access, path, i, i + 1, chosen - 1)
        legs.append(PathGeometry(coords=coords, distance_m=distance_m, travel_s=seconds))
    return legs


def _direct_leg(net: StreetNetwork, points: StreetPoints, i: int, j: int) -> tuple[Coords, float]:
    """The leg along the street both points lie on, with its length."""
    row = int(points.edge_row[i])
    f_i, f_j = float(points.fraction[i]), float(points.fraction[j])
    coords = _edge_part(net, row, f_i, f_j, _lonlat(points, i), _lonlat(points, j))
    if f_j >= f_i:
        return coords, (f_j - f_i) * float(net.edge_length_m[row])
    return coords, (f_i - f_j) * float(net.edge_length_m[int(points.reverse_row[i])])


def _node_path_leg(
    net: StreetNetwork,
    points: StreetPoints,
    access: PointAccess,
    path: list[int],
    i: int,
    j: int,
    q: int,
) -> tuple[Coords, float]:
    """
    The leg out of point i, along a node path, into point j by entry q.

    The path starts at the exit the Dijkstra run took (the column of point i's
    exits holding that node) and ends at the entry node.
    """
    p = int(np.flatnonzero(access.exit_node[i] == path[0])[0])
    G = net.graph
    exit_xy = _node_lonlat(G, int(net.node_ids[path[0]]))
    entry_xy = _node_lonlat(G, int(net.node_ids[path[-1]]))
    row_i, row_j = int(points.edge_row[i]), int(points.edge_row[j])
    coords = _edge_part(net, row_i, float(points.fraction[i]), 1.0 - p, _lonlat(points, i), exit_xy)
    distance_m = float(access.exit_m[i, p] + access.entry_m[j, q])
    for a, b in itertools.pairwise(path):
        u, v = int(net.node_ids[a]), int(net.node_ids[b])
        edge = min(G[u][v].values(), key=lambda data: (data["travel_time"], data["length"]))
        _extend(coords, _edge_coords(G, u, v, edge))
        distance_m += float(edge["length"])
    entry = _edge_part(
        net, row_j, float(q), float(points.fraction[j]), entry_xy, _lonlat(points, j)
    )
    _extend(coords, entry)
    return coords, distance_m


def _edge_part(
    net: StreetNetwork,
    row: int,
    from_fraction: float,
    to_fraction: float,
    start: tuple[float, float],
    end: tuple[float, float],
) -> Coords:
    """
    Cut an edge's lon/lat polyline between two metric fractions, either direction.

    The cut points are given (street points or end nodes); the edge's vertices
    strictly between them fill in, in travel order.
    """
    along_m = vertex_along_m(net, row)
    low_m, high_m = sorted((from_fraction * along_m[-1], to_fraction * along_m[-1]))
    inner = shapely.get_coordinates(net.edge_geoms_lonlat[row])[
        (along_m > low_m) & (along_m < high_m)
    ]
    if to_fraction < from_fraction:
        inner = inner[::-1]
    coords: Coords = [start]
    _extend(coords, [(float(x), float(y)) for x, y in inner])
    _extend(coords, [end])
    return coords


def _extend(coords: Coords, more: Coords) -> None:
    """Append points, skipping any that repeats the last one."""
    for point in more:
        if point != coords[-1]:
            coords.append(point)


def _lonlat(points: StreetPoints, i: int) -> tuple[float, float]:
    """The street point of point i as ``(lon, lat)``."""
    return float(points.lon[i]), float(points.lat[i])


def _node_lonlat(G: Any, node: int) -> tuple[float, float]:
    """A node's ``(lon, lat)``."""
    return float(G.nodes[node]["x"]), float(G.nodes[node]["y"])
