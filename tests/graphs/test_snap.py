"""Snapping coordinates to street nodes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from graphs import GraphError, StreetNetwork, snap_points


def test_point_on_node_snaps_to_it(sindal_drive_net: StreetNetwork) -> None:
    """Points exactly on graph nodes snap to those nodes, about 0 m away, in input order."""
    G = sindal_drive_net.graph
    nodes = np.random.default_rng(7).choice(sindal_drive_net.node_ids, 25, replace=False)
    lats = [G.nodes[n]["y"] for n in nodes]
    lons = [G.nodes[n]["x"] for n in nodes]
    snapped = snap_points(sindal_drive_net, lats, lons)
    assert snapped.nodes.dtype == np.int64
    np.testing.assert_array_equal(snapped.nodes, nodes)
    assert snapped.distance_m.max() < 0.01


def test_point_far_outside_is_far(sindal_drive_net: StreetNetwork) -> None:
    """A point 1 km north of the street network's bounding box snaps, reporting over 500 m."""
    net = sindal_drive_net
    min_x, _, max_x, max_y = shapely.total_bounds(net.edge_geoms_m)
    lon, lat = net.to_metric.transform((min_x + max_x) / 2, max_y + 1000, direction="INVERSE")
    snapped = snap_points(net, [lat], [lon])
    assert snapped.nodes[0] in net.index_of
    assert snapped.distance_m[0] > 500
    assert snapped.distance_m[0] >= 999.9


def test_point_snaps_to_nearer_end_along_edge(sindal_walk_net: StreetNetwork) -> None:
    """A point 10% along a long edge goes to its start node, one 90% along to its end node."""
    net = sindal_walk_net
    lengths_m = shapely.length(net.edge_geoms_m)
    i = int(np.argmax(lengths_m))
    assert net.edge_u[i] != net.edge_v[i]
    line = net.edge_geoms_m[i]
    points_m = shapely.line_interpolate_point(line, [0.1, 0.9], normalized=True)
    to_lonlat = net.to_metric.transform
    lons, lats = to_lonlat(shapely.get_x(points_m), shapely.get_y(points_m), direction="INVERSE")
    snapped = snap_points(net, lats, lons)
    assert snapped.nodes.tolist() == [net.edge_u[i], net.edge_v[i]]
    assert snapped.distance_m.max() < 0.01


def test_empty_input_gives_empty_result(sindal_drive_net: StreetNetwork) -> None:
    """No points in, no nodes out."""
    snapped = snap_points(sindal_drive_net, [], [])
    assert snapped.nodes.shape == (0,)
    assert snapped.distance_m.shape == (0,)


@pytest.mark.parametrize(
    ("lats", "lons"),
    [([57.47, 57.48], [10.2]), ([float("nan")], [10.2]), ([91.0], [10.2]), ([57.47], [200.0])],
)
def test_invalid_points_are_refused(
    sindal_drive_net: StreetNetwork, lats: list[float], lons: list[float]
) -> None:
    """Mismatched lengths and non-finite or out-of-range coordinates raise GraphError."""
    with pytest.raises(GraphError):
        snap_points(sindal_drive_net, lats, lons)


def test_error_message_holds_no_coordinates(sindal_drive_net: StreetNetwork) -> None:
    """Errors about bad points never echo the coordinates (they may be hotspots)."""
    with pytest.raises(GraphError) as info:
        snap_points(sindal_drive_net, [57.123456, 95.0], [10.2, 10.654321])
    assert "57.123456" not in str(info.value)
    assert "10.654321" not in str(info.value)
