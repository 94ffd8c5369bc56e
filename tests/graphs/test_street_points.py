"""Snapping locations to the nearest point of the nearest street (`snap_to_streets`)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from graphs import GraphError, StreetNetwork, StreetPoints, snap_to_streets

from .helpers import metric_points, points_near_streets


@pytest.mark.parametrize("net_name", ["sindal_drive_net", "sindal_walk_net"])
def test_street_point_is_the_nearest_point_of_the_network(
    request: pytest.FixtureRequest, net_name: str
) -> None:
    """The street point lies on its edge (< 0.5 m) and is the nearest point of any street."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    lats, lons = points_near_streets(net, 200, seed=8, spread_m=40)
    points = snap_to_streets(net, lats, lons)
    on_street = metric_points(net, points.lat, points.lon)
    assert shapely.distance(on_street, net.edge_geoms_m[points.edge_row]).max() < 0.5
    requested = metric_points(net, lats, lons)
    nearest_m = np.array([shapely.distance(p, net.edge_geoms_m).min() for p in requested])
    np.testing.assert_allclose(shapely.distance(requested, on_street), nearest_m, atol=0.5)


def test_snap_m_is_the_distance_to_the_street(sindal_drive_net: StreetNetwork) -> None:
    """snap_m is the metric distance from the location to its street (and its street point)."""
    net = sindal_drive_net
    lats, lons = points_near_streets(net, 100, seed=4, spread_m=60)
    points = snap_to_streets(net, lats, lons)
    requested = metric_points(net, lats, lons)
    np.testing.assert_allclose(
        points.snap_m, shapely.distance(requested, net.edge_geoms_m[points.edge_row]), atol=1e-6
    )
    on_street = metric_points(net, points.lat, points.lon)
    np.testing.assert_allclose(points.snap_m, shapely.distance(requested, on_street), atol=0.5)


def test_edge_fields_describe_the_carrying_edge(sindal_drive_net: StreetNetwork) -> None:
    """(u, v, key) is a graph edge; the parts before and after the point add up to the edge."""
    net = sindal_drive_net
    G = net.graph
    points = snap_to_streets(net, *points_near_streets(net, 100, seed=12))
    for i in range(len(points)):
        u, v, key = int(points.edge_u[i]), int(points.edge_v[i]), int(points.edge_key[i])
        edge = G.edges[u, v, key]
        row = int(points.edge_row[i])
        assert (net.edge_u[row], net.edge_v[row], net.edge_key[row]) == (u, v, key)
        length_m = float(points.u_to_point_m[i] + points.point_to_v_m[i])
        travel_s = float(points.u_to_point_s[i] + points.point_to_v_s[i])
        assert length_m == pytest.approx(edge["length"])
        assert travel_s == pytest.approx(edge["travel_time"])
        assert points.u_to_point_m[i] == pytest.approx(points.fraction[i] * edge["length"])
    assert ((points.fraction >= 0) & (points.fraction <= 1)).all()


def test_two_way_street_names_its_reverse_twin(sindal_walk_net: StreetNetwork) -> None:
    """On a two-way street reverse_key is the key of v -> u, whose geometry runs backwards."""
    net = sindal_walk_net
    points = snap_to_streets(net, *points_near_streets(net, 100, seed=21))
    assert points.two_way.all()
    for i in range(len(points)):
        u, v = int(points.edge_u[i]), int(points.edge_v[i])
        forward = net.edge_geoms_m[points.edge_row[i]]
        backward = net.edge_geoms_m[points.reverse_row[i]]
        assert net.graph.has_edge(v, u, int(points.reverse_key[i]))
        assert shapely.equals_exact(shapely.reverse(forward), backward, tolerance=0)


def test_both_directions_of_a_street_snap_to_the_same_edge(sindal_walk_net: StreetNetwork) -> None:
    """A location on a two-way street names the edge listed first, whichever twin is nearest."""
    net = sindal_walk_net
    twins = np.flatnonzero(net.edge_twin >= 0)
    first = twins[twins < net.edge_twin[twins]][:50]
    # 30 % along the first edge is 70 % along its twin: the same place.
    along_twin = shapely.line_interpolate_point(
        net.edge_geoms_m[net.edge_twin[first]], 0.7, normalized=True
    )
    lons, lats = net.to_metric.transform(
        shapely.get_x(along_twin), shapely.get_y(along_twin), direction="INVERSE"
    )
    points = snap_to_streets(net, lats, lons)
    np.testing.assert_array_equal(points.edge_row, first)
    np.testing.assert_allclose(points.fraction, 0.3, atol=1e-6)
    np.testing.assert_array_equal(points.reverse_row, net.edge_twin[first])


def test_one_way_street_has_no_reverse(liechtenstein_drive_net: StreetNetwork) -> None:
    """A location on a one-way street gets reverse_key -1: it is left only towards v."""
    net = liechtenstein_drive_net
    one_way = np.flatnonzero(net.edge_twin < 0)
    rows = one_way[np.argsort(-net.edge_length_m[one_way])][:20]
    middle = shapely.line_interpolate_point(net.edge_geoms_m[rows], 0.5, normalized=True)
    lons, lats = net.to_metric.transform(
        shapely.get_x(middle), shapely.get_y(middle), direction="INVERSE"
    )
    points = snap_to_streets(net, lats, lons)
    np.testing.assert_array_equal(points.edge_row, rows)
    assert (points.reverse_key == -1).all()
    assert not points.two_way.any()


def test_location_on_a_node_snaps_onto_it(sindal_drive_net: StreetNetwork) -> None:
    """A location exactly on a node gets fraction 0 or 1 and that node's coordinates exactly."""
    net = sindal_drive_net
    G = net.graph
    nodes = np.random.default_rng(7).choice(net.node_ids, 25, replace=False)
    lats = [G.nodes[n]["y"] for n in nodes]
    lons = [G.nodes[n]["x"] for n in nodes]
    points = snap_to_streets(net, lats, lons)
    at_node = np.where(points.fraction == 0.0, points.edge_u, points.edge_v)
    assert set(points.fraction.tolist()) <= {0.0, 1.0}
    np.testing.assert_array_equal(at_node, nodes)
    np.testing.assert_array_equal(points.lon, lons)
    np.testing.assert_array_equal(points.lat, lats)
    assert points.snap_m.max() < 0.01


def test_street_point_is_on_the_drawn_polyline(sindal_drive_net: StreetNetwork) -> None:
    """The street point lies on the edge's lon/lat polyline itself (interpolated in lon/lat)."""
    net = sindal_drive_net
    points = snap_to_streets(net, *points_near_streets(net, 100, seed=30))
    on_street = shapely.points(points.lon, points.lat)
    degrees = shapely.distance(on_street, net.edge_geoms_lonlat[points.edge_row])
    assert degrees.max() < 1e-9


def test_take_selects_and_repeats_points(sindal_drive_net: StreetNetwork) -> None:
    """take() picks points by position, in the order given, repeats included."""
    net = sindal_drive_net
    points = snap_to_streets(net, *points_near_streets(net, 5, seed=2))
    picked = points.take([4, 0, 4])
    assert len(picked) == 3
    np.testing.assert_array_equal(picked.edge_row, points.edge_row[[4, 0, 4]])
    np.testing.assert_array_equal(picked.lon, points.lon[[4, 0, 4]])


def test_mismatched_arrays_are_refused(sindal_drive_net: StreetNetwork) -> None:
    """StreetPoints checks itself: attributes of different lengths or bad fractions raise."""
    points = snap_to_streets(sindal_drive_net, *points_near_streets(sindal_drive_net, 3, seed=1))
    fields = {name: getattr(points, name) for name in StreetPoints.__dataclass_fields__}
    with pytest.raises(ValueError, match="one length"):
        StreetPoints(**{**fields, "lon": points.lon[:2]})
    with pytest.raises(ValueError, match="between 0 and 1"):
        StreetPoints(**{**fields, "fraction": points.fraction + 2})


def test_empty_input_gives_no_points(sindal_drive_net: StreetNetwork) -> None:
    """No locations in, no street points out."""
    points = snap_to_streets(sindal_drive_net, [], [])
    assert len(points) == 0
    assert points.edge_u.dtype == np.int64


@pytest.mark.parametrize(
    ("lats", "lons"),
    [([57.47, 57.48], [10.2]), ([float("nan")], [10.2]), ([91.0], [10.2]), ([57.47], [200.0])],
)
def test_invalid_locations_are_refused(
    sindal_drive_net: StreetNetwork, lats: list[float], lons: list[float]
) -> None:
    """Mismatched lengths and non-finite or out-of-range coordinates raise GraphError."""
    with pytest.raises(GraphError):
        snap_to_streets(sindal_drive_net, lats, lons)


def test_equally_near_edges_resolve_to_the_first_street(tiny_net: StreetNetwork) -> None:
    """Of three equally near edges (1 -> 2 twice, 2 -> 1) the first street wins: (1, 2, 0)."""
    lon, lat = (10.2000 + 10.2016) / 2, 57.4700 + 0.0001
    points = snap_to_streets(tiny_net, [lat], [lon])
    assert (points.edge_u[0], points.edge_v[0], points.edge_key[0]) == (1, 2, 0)
    assert points.reverse_key[0] == 0
    assert points.fraction[0] == pytest.approx(0.5)


def test_a_closed_street_is_driven_around(sindal_drive_net: StreetNetwork) -> None:
    """Closing the street between two points on it makes the trip longer (around it) or
    impossible, in both directions; the network given is left as it was."""
    import numpy as np

    from graphs import close_streets, snap_to_streets, street_travel_matrix

    rows = np.argsort(sindal_drive_net.edge_length_m)[::-1]
    row = int(next(r for r in rows if sindal_drive_net.edge_twin[r] >= 0))
    line = sindal_drive_net.edge_geoms_lonlat[row]
    (lon_a, lat_a), (lon_b, lat_b) = (
        line.interpolate(0.2, normalized=True).coords[0],
        line.interpolate(0.8, normalized=True).coords[0],
    )
    before = street_travel_matrix(
        sindal_drive_net, snap_to_streets(sindal_drive_net, [lat_a, lat_b], [lon_a, lon_b])
    )
    mid = line.interpolate(0.5, normalized=True)
    closed, points, names = close_streets(sindal_drive_net, [mid.y], [mid.x])
    assert len(names) == 1
    assert points.snap_m[0] < 1.0
    # Points on the closed street reach each other along it (their own stretch)...
    after = street_travel_matrix(closed, snap_to_streets(closed, [lat_a, lat_b], [lon_a, lon_b]))
    assert (after == before).all()
    assert closed.csr is not sindal_drive_net.csr
    u, v = int(sindal_drive_net.edge_u[row]), int(sindal_drive_net.edge_v[row])
    iu, iv = sindal_drive_net.index_of[u], sindal_drive_net.index_of[v]
    # ... but no path between other streets runs along it any more, either way.
    assert np.isinf(closed.csr[iu, iv])
    assert np.isinf(closed.csr[iv, iu])
    assert np.isfinite(sindal_drive_net.csr[iu, iv])
