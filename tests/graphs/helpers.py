"""Helpers shared by the street-point tests: random locations and an independent model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import shapely

if TYPE_CHECKING:
    from graphs import StreetNetwork, StreetPoints


def points_near_streets(
    net: StreetNetwork, count: int, *, seed: int, spread_m: float = 20.0
) -> tuple[list[float], list[float]]:
    """
    Random locations scattered around random points of random edges, like addresses.

    Each location is a uniform point of a uniformly chosen edge, moved by a normal
    offset of `spread_m` metres in x and y. Returns latitudes and longitudes.
    """
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(net.edge_geoms_m), count)
    on_street = shapely.line_interpolate_point(
        net.edge_geoms_m[rows], rng.uniform(0, 1, count), normalized=True
    )
    x_m = shapely.get_x(on_street) + rng.normal(0, spread_m, count)
    y_m = shapely.get_y(on_street) + rng.normal(0, spread_m, count)
    lons, lats = net.to_metric.transform(x_m, y_m, direction="INVERSE")
    return [float(lat) for lat in lats], [float(lon) for lon in lons]


def metric_points(net: StreetNetwork, lats: Any, lons: Any) -> Any:
    """Shapely points in the network's metric CRS for latitudes and longitudes."""
    x_m, y_m = net.to_metric.transform(np.asarray(lons), np.asarray(lats))
    return shapely.points(x_m, y_m)


def split_graph(net: StreetNetwork, points: StreetPoints) -> nx.MultiDiGraph:
    """
    Copy the graph with every street point inserted as a real node ``("p", i)``.

    Each edge carrying points is replaced by a chain u -> p... -> v in order of
    fraction (and the reverse chain for its reverse twin), with proportional
    travel_time and length. A point lying exactly on an end node is joined to it
    both ways at zero cost: it is the same place. Shortest paths between the point
    nodes are then an independent model of the street-point matrix.
    """
    G = nx.MultiDiGraph(net.graph)
    by_edge: dict[int, list[int]] = {}
    for i, row in enumerate(points.edge_row.tolist()):
        by_edge.setdefault(row, []).append(i)
    for members in by_edge.values():
        first = members[0]
        u, v = int(points.edge_u[first]), int(points.edge_v[first])
        key, reverse_key = int(points.edge_key[first]), int(points.reverse_key[first])
        members.sort(key=lambda i: float(points.fraction[i]))
        chain: list[Any] = [u, *(("p", i) for i in members), v]
        fractions = [0.0, *(float(points.fraction[i]) for i in members), 1.0]
        steps = list(zip(chain, chain[1:], fractions, fractions[1:], strict=False))
        edge = G.edges[u, v, key]
        G.remove_edge(u, v, key)
        for a, b, f_a, f_b in steps:
            share = f_b - f_a
            G.add_edge(a, b, travel_time=share * edge["travel_time"], length=share * edge["length"])
        if reverse_key >= 0:
            back = G.edges[v, u, reverse_key]
            G.remove_edge(v, u, reverse_key)
            for a, b, f_a, f_b in steps:
                share = f_b - f_a
                G.add_edge(
                    b, a, travel_time=share * back["travel_time"], length=share * back["length"]
                )
        for i in members:
            for fraction, node in ((0.0, u), (1.0, v)):
                if float(points.fraction[i]) == fraction:
                    G.add_edge(("p", i), node, travel_time=0.0, length=0.0)
                    G.add_edge(node, ("p", i), travel_time=0.0, length=0.0)
    return G


def node_matrix(net: StreetNetwork, nodes: Any) -> Any:
    """`graphs.street_travel_matrix` between street points placed exactly on ``nodes``
    (each snaps to the node's own place, so travel is the node-to-node travel)."""
    from graphs import snap_to_streets, street_travel_matrix

    G = net.graph
    ids = [int(n) for n in nodes]
    points = snap_to_streets(net, [G.nodes[n]["y"] for n in ids], [G.nodes[n]["x"] for n in ids])
    return street_travel_matrix(net, points)
