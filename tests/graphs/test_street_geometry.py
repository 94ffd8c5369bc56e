"""Street-following geometry of route legs between street points."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import osmnx as ox
import pytest
import shapely

from graphs import (
    GraphError,
    StreetNetwork,
    TravelMode,
    UnreachableError,
    snap_to_streets,
    street_matrices,
    street_route_geometry,
    way_filter,
)
from graphs.load import graph_from_ways

from .helpers import metric_points, points_near_streets

if TYPE_CHECKING:
    from pathlib import Path

TINY_TOWN_DX, TINY_TOWN_DY = 0.00167, 0.0009  # about 100 m each (see data/tiny_town.osm)


def polyline_m(coords: list[tuple[float, float]]) -> float:
    """Great-circle length of a lon/lat polyline, as osmnx measures edge lengths."""
    if len(coords) < 2:
        return 0.0
    lons, lats = np.array(coords).T
    return float(ox.distance.great_circle(lats[:-1], lons[:-1], lats[1:], lons[1:]).sum())


def passes(coords: list[tuple[float, float]], lonlat: tuple[float, float]) -> bool:
    """True if a polyline has a vertex at the given lon/lat (to 1e-9 degrees)."""
    return bool((np.abs(np.array(coords) - lonlat).max(axis=1) < 1e-9).any())


@pytest.mark.parametrize(
    "net_name", ["sindal_drive_net", "sindal_walk_net", "liechtenstein_drive_net"]
)
def test_legs_run_between_street_points_as_the_matrix_counts(
    request: pytest.FixtureRequest, net_name: str
) -> None:
    """Legs start and end at their street points; travel_s and distance_m match the matrices."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    points = snap_to_streets(net, *points_near_streets(net, 12, seed=17, spread_m=30))
    matrices = street_matrices(net, points)
    order = [3, 0, 7, 7, 11, 2, 9, 1, 4, 10, 6, 5, 8, 3]
    legs = street_route_geometry(net, points.take(order))
    assert len(legs) == len(order) - 1
    for leg, (i, j) in zip(legs, itertools.pairwise(order), strict=True):
        assert leg.coords[0] == (points.lon[i], points.lat[i])
        assert leg.coords[-1] == (points.lon[j], points.lat[j])
        assert round(leg.travel_s) == matrices.travel_s[i, j]
        assert leg.distance_m == pytest.approx(matrices.distance_m[i, j], abs=1e-6)
        ends = metric_points(
            net, np.array(leg.coords)[[0, -1], 1], np.array(leg.coords)[[0, -1], 0]
        )
        street = metric_points(net, points.lat[[i, j]], points.lon[[i, j]])
        assert shapely.distance(ends, street).max() < 0.5


@pytest.mark.parametrize("net_name", ["sindal_drive_net", "sindal_walk_net"])
def test_coords_follow_the_streets(request: pytest.FixtureRequest, net_name: str) -> None:
    """Each leg's polyline is as long as its distance_m: no jumps, partial streets cut right."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    points = snap_to_streets(net, *points_near_streets(net, 10, seed=41, spread_m=30))
    for leg in street_route_geometry(net, points):
        assert polyline_m(leg.coords) == pytest.approx(leg.distance_m, rel=1e-3, abs=1.0)


def test_leg_to_the_same_place_is_one_point(sindal_drive_net: StreetNetwork) -> None:
    """A leg from a point to itself (or to a duplicate location) is one point, 0 m and 0 s."""
    net = sindal_drive_net
    lats, lons = points_near_streets(net, 1, seed=3)
    points = snap_to_streets(net, lats * 3, lons * 3)
    legs = street_route_geometry(net, points.take([0, 0, 1, 2]))
    for leg in legs:
        assert leg.coords == [(points.lon[0], points.lat[0])]
        assert leg.distance_m == 0
        assert leg.travel_s == 0


def test_leg_backwards_along_a_two_way_street(sindal_walk_net: StreetNetwork) -> None:
    """Going back along a two-way street takes its vertices in reverse, half the edge long."""
    net = sindal_walk_net
    vertices = shapely.get_num_coordinates(net.edge_geoms_m)
    row = int(np.flatnonzero(vertices >= 4)[np.argmax(net.edge_length_m[vertices >= 4])])
    row = min(row, int(net.edge_twin[row]))
    on_edge = shapely.line_interpolate_point(net.edge_geoms_m[row], [0.8, 0.3], normalized=True)
    lons, lats = net.to_metric.transform(
        shapely.get_x(on_edge), shapely.get_y(on_edge), direction="INVERSE"
    )
    points = snap_to_streets(net, lats, lons)
    (leg,) = street_route_geometry(net, points)
    assert leg.distance_m == pytest.approx(0.5 * net.edge_length_m[row])
    inner = leg.coords[1:-1]
    assert inner
    edge_coords = [tuple(xy) for xy in shapely.get_coordinates(net.edge_geoms_lonlat[row])]
    assert inner == [xy for xy in reversed(edge_coords) if xy in inner]


def test_walk_takes_the_shared_foot_and_cycle_path(
    tiny_town_nets: dict[TravelMode, StreetNetwork], tiny_town_file: Path
) -> None:
    """Walking from Agade to Bvej uses the cycleway with foot=designated: 300 m, not 500."""
    lon0, lat0 = 10.2000, 57.4700
    # Halfway along the west blocks of both streets, 8 m off the street (a house).
    lats = [lat0 - 0.00007, lat0 + 2 * TINY_TOWN_DY + 0.00007]
    lons = [lon0 + 0.5 * TINY_TOWN_DX] * 2
    walk = tiny_town_nets["walk"]
    points = snap_to_streets(walk, lats, lons)
    assert points.snap_m.max() < 10
    (leg,) = street_route_geometry(walk, points)
    path_middle = (lon0 + TINY_TOWN_DX, lat0 + TINY_TOWN_DY)  # node 31, on the path only
    assert passes(leg.coords, path_middle)
    assert leg.distance_m == pytest.approx(300, abs=1.5)
    assert round(leg.travel_s) == street_matrices(walk, points).travel_s[0, 1]
    assert leg.travel_s == pytest.approx(leg.distance_m / (5 / 3.6))
    # osmnx's plain walk filter drops every cycleway: the walk goes by Tvaervej, 500 m.
    plain = StreetNetwork.from_graph(
        graph_from_ways(tiny_town_file, mode="walk", keep=way_filter("walk"))
    )
    (plain_leg,) = street_route_geometry(plain, snap_to_streets(plain, lats, lons))
    assert plain_leg.distance_m == pytest.approx(500, abs=2.5)
    # Cars have no path: they go round Ringvej, three times as far.
    drive = tiny_town_nets["drive"]
    (car_leg,) = street_route_geometry(drive, snap_to_streets(drive, lats, lons))
    assert not passes(car_leg.coords, path_middle)
    assert car_leg.distance_m == pytest.approx(900, abs=3)


def test_unreachable_leg_raises(tiny_net: StreetNetwork) -> None:
    """A leg out of the one-way dead end raises UnreachableError, which is a GraphError."""
    points = snap_to_streets(tiny_net, [57.4701, 57.4701], [10.2008, 10.2024])
    assert street_route_geometry(tiny_net, points)[0].travel_s == pytest.approx(45)
    with pytest.raises(UnreachableError, match="No street path leads from route point 0"):
        street_route_geometry(tiny_net, points.take([1, 0]))
    assert issubclass(UnreachableError, GraphError)


def test_short_routes_have_no_legs(sindal_drive_net: StreetNetwork) -> None:
    """Routes of zero or one point have no legs."""
    points = snap_to_streets(sindal_drive_net, *points_near_streets(sindal_drive_net, 1, seed=1))
    assert street_route_geometry(sindal_drive_net, points.take([])) == []
    assert street_route_geometry(sindal_drive_net, points) == []


def test_loaded_edge_geometries_run_from_u_to_v(sindal_drive_net: StreetNetwork) -> None:
    """osmnx edge geometries start at the edge's u node, as route geometry relies on."""
    G = sindal_drive_net.graph
    for u, v, geometry in G.edges(data="geometry"):
        if geometry is not None:
            assert geometry.coords[0] == (G.nodes[u]["x"], G.nodes[u]["y"])
            assert geometry.coords[-1] == (G.nodes[v]["x"], G.nodes[v]["y"])
