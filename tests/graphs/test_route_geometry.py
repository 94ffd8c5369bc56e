"""Street-following geometry of route legs."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from graphs import GraphError, StreetNetwork, UnreachableError, route_geometry, travel_time_matrix


def random_route(net: StreetNetwork, count: int, seed: int) -> list[int]:
    """A route through `count` distinct random nodes, fixed by the seed."""
    rng = np.random.default_rng(seed)
    return [int(n) for n in rng.choice(net.node_ids, count, replace=False)]


def path_length_m(G: nx.MultiDiGraph, path: list[int]) -> float:
    """Sum the lengths of the fastest parallel edges along a node path."""
    total = 0.0
    for u, v in itertools.pairwise(path):
        edge = min(G[u][v].values(), key=lambda data: data["travel_time"])
        total += edge["length"]
    return total


@pytest.mark.parametrize("net_name", ["sindal_drive_net", "sindal_walk_net"])
def test_legs_run_from_start_to_end_node(request: pytest.FixtureRequest, net_name: str) -> None:
    """Each leg starts at its start node's (x, y) and ends at its end node's, lon first."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    route = random_route(net, 8, seed=17)
    legs = route_geometry(net, route)
    assert len(legs) == 7
    for leg, (u, v) in zip(legs, itertools.pairwise(route), strict=True):
        assert leg.coords[0] == (net.graph.nodes[u]["x"], net.graph.nodes[u]["y"])
        assert leg.coords[-1] == (net.graph.nodes[v]["x"], net.graph.nodes[v]["y"])


@pytest.mark.parametrize("net_name", ["sindal_drive_net", "sindal_walk_net"])
def test_leg_distance_matches_networkx_fastest_path(
    request: pytest.FixtureRequest, net_name: str
) -> None:
    """A leg's distance_m is the length of networkx's fastest path, within 1 m."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    route = random_route(net, 8, seed=23)
    for leg, (u, v) in zip(route_geometry(net, route), itertools.pairwise(route), strict=True):
        path = nx.shortest_path(net.graph, u, v, weight="travel_time")
        assert leg.distance_m == pytest.approx(path_length_m(net.graph, path), abs=1.0)


def test_leg_travel_time_matches_matrix(sindal_drive_net: StreetNetwork) -> None:
    """A leg's travel_s equals the travel-time matrix entry for its pair, within 1 s."""
    route = random_route(sindal_drive_net, 10, seed=31)
    matrix = travel_time_matrix(sindal_drive_net, route)
    legs = route_geometry(sindal_drive_net, route)
    for i, leg in enumerate(legs):
        assert abs(leg.travel_s - matrix[i, i + 1]) <= 1


def test_coords_follow_the_streets(sindal_walk_net: StreetNetwork) -> None:
    """The polyline's own length equals distance_m: no jumps, edge geometry runs the right way."""
    route = random_route(sindal_walk_net, 6, seed=41)
    for leg in route_geometry(sindal_walk_net, route):
        lons, lats = np.array(leg.coords).T
        polyline_m = ox.distance.great_circle(lats[:-1], lons[:-1], lats[1:], lons[1:]).sum()
        assert polyline_m == pytest.approx(leg.distance_m, rel=1e-3, abs=1.0)


def test_loaded_edge_geometries_run_from_u_to_v(sindal_drive_net: StreetNetwork) -> None:
    """osmnx edge geometries start at the edge's u node, as route_geometry relies on."""
    G = sindal_drive_net.graph
    for u, v, geometry in G.edges(data="geometry"):
        if geometry is not None:
            assert geometry.coords[0] == (G.nodes[u]["x"], G.nodes[u]["y"])
            assert geometry.coords[-1] == (G.nodes[v]["x"], G.nodes[v]["y"])


def test_leg_to_same_node_is_one_point(sindal_drive_net: StreetNetwork) -> None:
    """A leg from a node to itself is that node's single point with zero distance and time."""
    node = int(sindal_drive_net.node_ids[0])
    (leg,) = route_geometry(sindal_drive_net, [node, node])
    data = sindal_drive_net.graph.nodes[node]
    assert leg.coords == [(data["x"], data["y"])]
    assert leg.distance_m == 0
    assert leg.travel_s == 0


def test_tiny_route_uses_fast_edge_and_straight_segments(tiny_net: StreetNetwork) -> None:
    """On the hand-built graph 1 -> 4 goes 1, 2, 4 by the 40 s edge, as straight segments."""
    (leg,) = route_geometry(tiny_net, [1, 4])
    assert leg.coords == [(10.2000, 57.4700), (10.2016, 57.4700), (10.2016, 57.4709)]
    assert leg.distance_m == 200.0
    assert leg.travel_s == 60.0


def test_unreachable_leg_raises(tiny_net: StreetNetwork) -> None:
    """A leg out of the one-way dead end raises UnreachableError, which is a GraphError."""
    with pytest.raises(UnreachableError, match="No street path leads from node 3 to node 1"):
        route_geometry(tiny_net, [1, 3, 1])
    assert issubclass(UnreachableError, GraphError)


def test_short_routes_have_no_legs(sindal_drive_net: StreetNetwork) -> None:
    """Routes of zero or one node have no legs."""
    assert route_geometry(sindal_drive_net, []) == []
    assert route_geometry(sindal_drive_net, [int(sindal_drive_net.node_ids[0])]) == []


def test_unknown_node_raises(sindal_drive_net: StreetNetwork) -> None:
    """A route through an id that is not a graph node raises GraphError."""
    with pytest.raises(GraphError, match="Node 7 is not in the street graph"):
        route_geometry(sindal_drive_net, [int(sindal_drive_net.node_ids[0]), 7])
