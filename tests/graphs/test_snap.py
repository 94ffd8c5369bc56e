"""Snapping coordinates to the streets: where a location lands, how far off it lies, and
what is refused."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from graphs import GraphError, StreetNetwork, snap_to_streets


def test_point_on_node_lands_on_it(sindal_drive_net: StreetNetwork) -> None:
    """Points exactly on graph nodes land on a street at that node, about 0 m away, in
    input order."""
    G = sindal_drive_net.graph
    nodes = np.random.default_rng(7).choice(sindal_drive_net.node_ids, 25, replace=False)
    lats = [G.nodes[n]["y"] for n in nodes]
    lons = [G.nodes[n]["x"] for n in nodes]
    points = snap_to_streets(sindal_drive_net, lats, lons)
    assert points.snap_m.max() < 0.01
    at_node = np.where(points.u_to_point_m < points.point_to_v_m, points.edge_u, points.edge_v)
    np.testing.assert_array_equal(at_node, nodes)


def test_point_far_outside_is_far(sindal_drive_net: StreetNetwork) -> None:
    """A point 1 km north of the street network's bounding box still lands on a street, and
    says it lies at least 1 km off."""
    net = sindal_drive_net
    min_x, _, max_x, max_y = shapely.total_bounds(net.edge_geoms_m)
    lon, lat = net.to_metric.transform((min_x + max_x) / 2, max_y + 1000, direction="INVERSE")
    points = snap_to_streets(net, [lat], [lon])
    assert points.edge_u[0] in net.index_of
    assert points.snap_m[0] >= 999.9


def test_empty_input_gives_empty_result(sindal_drive_net: StreetNetwork) -> None:
    """No points in, no street points out."""
    points = snap_to_streets(sindal_drive_net, [], [])
    assert points.snap_m.shape == (0,)
    assert len(points) == 0


@pytest.mark.parametrize(
    ("lats", "lons"),
    [([57.47, 57.48], [10.2]), ([float("nan")], [10.2]), ([91.0], [10.2]), ([57.47], [200.0])],
)
def test_invalid_points_are_refused(
    sindal_drive_net: StreetNetwork, lats: list[float], lons: list[float]
) -> None:
    """Mismatched lengths and non-finite or out-of-range coordinates raise GraphError."""
    with pytest.raises(GraphError):
        snap_to_streets(sindal_drive_net, lats, lons)


def test_error_message_holds_no_coordinates(sindal_drive_net: StreetNetwork) -> None:
    """Errors about bad points never echo the coordinates (they may be hotspots)."""
    with pytest.raises(GraphError) as info:
        snap_to_streets(sindal_drive_net, [57.123456, 95.0], [10.2, 10.654321])
    assert "57.123456" not in str(info.value)
    assert "10.654321" not in str(info.value)
