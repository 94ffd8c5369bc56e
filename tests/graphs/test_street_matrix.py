"""Travel-time and distance matrices between street points."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from graphs import (
    UNREACHABLE_S,
    StreetNetwork,
    StreetPoints,
    TravelMode,
    snap_to_streets,
    street_matrices,
    street_travel_matrix,
)
from graphs.legs import best_options, option_distances_m, point_access, shortest_trees

from .helpers import points_near_streets, split_graph

if TYPE_CHECKING:
    import numpy.typing as npt


def points_along(net: StreetNetwork, row: int, fractions: list[float]) -> StreetPoints:
    """Street points at metric fractions along one edge (given by its row)."""
    on_edge = shapely.line_interpolate_point(net.edge_geoms_m[row], fractions, normalized=True)
    lons, lats = net.to_metric.transform(
        shapely.get_x(on_edge), shapely.get_y(on_edge), direction="INVERSE"
    )
    return snap_to_streets(net, lats, lons)


@pytest.mark.parametrize("net_name", ["sindal_drive_net", "sindal_walk_net"])
def test_matrix_agrees_with_networkx_on_split_edges(
    request: pytest.FixtureRequest, net_name: str
) -> None:
    """Times (within 1 s) and lengths equal networkx's between points inserted as real nodes.

    The points mix the two kinds of Dijkstra sources (exit nodes and virtual nodes).
    """
    net: StreetNetwork = request.getfixturevalue(net_name)
    lats, lons = points_near_streets(net, 40, seed=2024, spread_m=30)
    # Four points on the longest street (their runs start at its end nodes) besides the
    # scattered ones (mostly alone on their street: runs from virtual nodes).
    row = int(np.argmax(net.edge_length_m))
    cluster = points_along(net, row, [0.1, 0.4, 0.6, 0.9])
    lats += [*cluster.lat.tolist(), *lats[:3]]
    lons += [*cluster.lon.tolist(), *lons[:3]]
    points = snap_to_streets(net, lats, lons)
    matrices = street_matrices(net, points)
    np.testing.assert_array_equal(matrices.travel_s, street_travel_matrix(net, points))
    G = split_graph(net, points)
    for i in range(len(points)):
        travel_s, paths = nx.single_source_dijkstra(G, ("p", i), weight="travel_time")
        expected_s = [travel_s[("p", j)] for j in range(len(points))]
        np.testing.assert_allclose(matrices.travel_s[i], expected_s, atol=1.0)
        expected_m = [path_length_m(G, paths[("p", j)]) for j in range(len(points))]
        np.testing.assert_allclose(matrices.distance_m[i], expected_m, atol=1.0)


def path_length_m(G: nx.MultiDiGraph, path: list[object]) -> float:
    """Length of a node path over the fastest parallel edges (the shorter on equal times)."""
    total = 0.0
    for a, b in itertools.pairwise(path):
        edge = min(G[a][b].values(), key=lambda data: (data["travel_time"], data["length"]))
        total += float(edge["length"])
    return total


def test_diagonal_and_duplicate_locations_are_zero(sindal_drive_net: StreetNetwork) -> None:
    """The diagonal is 0; a location given twice gets identical rows, columns and 0 between."""
    net = sindal_drive_net
    lats, lons = points_near_streets(net, 3, seed=5)
    points = snap_to_streets(
        net, [lats[0], lats[1], lats[0], lats[2]], [lons[0], lons[1], lons[0], lons[2]]
    )
    matrices = street_matrices(net, points)
    assert np.diagonal(matrices.travel_s).tolist() == [0, 0, 0, 0]
    assert matrices.travel_s[0, 2] == matrices.travel_s[2, 0] == 0
    assert matrices.distance_m[0, 2] == matrices.distance_m[2, 0] == 0
    np.testing.assert_array_equal(matrices.travel_s[0], matrices.travel_s[2])
    np.testing.assert_array_equal(matrices.travel_s[:, 0], matrices.travel_s[:, 2])
    assert matrices.travel_s.dtype == np.int64
    assert matrices.distance_m.dtype == np.float64


def test_two_way_street_is_along_the_street_both_ways(sindal_drive_net: StreetNetwork) -> None:
    """Two points on a long two-way street are the along-street time apart in both directions."""
    net = sindal_drive_net
    two_way = np.flatnonzero(net.edge_twin >= 0)
    row = int(two_way[np.argmax(net.edge_length_m[two_way])])
    points = points_along(net, row, [0.2, 0.7])
    assert (points.edge_row == min(row, net.edge_twin[row])).all()
    half_s = 0.5 * net.edge_travel_s[row]
    back_s = 0.5 * net.edge_travel_s[net.edge_twin[row]]
    matrices = street_matrices(net, points)
    assert matrices.travel_s.tolist() == [[0, round(half_s)], [round(back_s), 0]]
    half_m = 0.5 * net.edge_length_m[row]
    np.testing.assert_allclose(matrices.distance_m, [[0, half_m], [half_m, 0]], rtol=1e-6)


def test_one_way_street_goes_around_backwards(
    tiny_town_nets: dict[TravelMode, StreetNetwork],
) -> None:
    """On one-way Tvaervej (13 -> 3) the back trip drives round Ringvej: 43 s against 7 s."""
    net = tiny_town_nets["drive"]
    G = net.graph
    (row,) = [r for r in range(len(net.edge_u)) if (net.edge_u[r], net.edge_v[r]) == (13, 3)]
    assert net.edge_twin[row] == -1
    points = points_along(net, row, [0.25, 0.75])
    matrix = street_travel_matrix(net, points)
    street_m = G.edges[13, 3, 0]["length"]
    ahead_s = 0.5 * street_m / (50 / 3.6)
    ring_s = sum(G.edges[u, v, 0]["travel_time"] for u, v in [(3, 21), (21, 13)])
    around_s = 0.5 * street_m / (50 / 3.6) + ring_s
    assert matrix.tolist() == [[0, round(ahead_s)], [round(around_s), 0]]
    assert round(around_s) == 43


def test_one_way_streets_of_liechtenstein_are_longer_backwards(
    liechtenstein_drive_net: StreetNetwork,
) -> None:
    """On real one-way streets going back costs more than the along-street time forward."""
    net = liechtenstein_drive_net
    one_way = np.flatnonzero(net.edge_twin < 0)
    for row in one_way[np.argsort(-net.edge_length_m[one_way])][:10].tolist():
        points = points_along(net, row, [0.2, 0.8])
        matrix = street_travel_matrix(net, points)
        assert matrix[0, 1] == round(0.6 * net.edge_travel_s[row])
        assert matrix[1, 0] > matrix[0, 1]


def test_one_way_dead_end_is_unreachable(tiny_net: StreetNetwork) -> None:
    """From a point on the one-way dead end 2 -> 3 nothing behind it can be reached."""
    lats = [57.4700 + 0.0001] * 2
    lons = [10.2008, 10.2024]  # on the 1-2 street, on the one-way 2 -> 3
    points = snap_to_streets(tiny_net, lats, lons)
    assert points.reverse_key.tolist() == [0, -1]
    matrices = street_matrices(tiny_net, points)
    assert matrices.travel_s[1, 0] == UNREACHABLE_S
    assert matrices.distance_m[1, 0] == np.inf
    # 1-2 is entered at its midpoint: 30 s (half the 60 s edge) to 2, then 15 s of 2 -> 3.
    assert matrices.travel_s[0, 1] == 45


def test_no_points_give_empty_matrices(sindal_drive_net: StreetNetwork) -> None:
    """No street points give 0 x 0 matrices of the right types."""
    points = snap_to_streets(sindal_drive_net, [], [])
    assert street_travel_matrix(sindal_drive_net, points).shape == (0, 0)
    matrices = street_matrices(sindal_drive_net, points)
    assert matrices.travel_s.shape == matrices.distance_m.shape == (0, 0)
    assert matrices.travel_s.dtype == np.int64


@pytest.fixture(scope="module")
def liechtenstein_street_matrix(liechtenstein_drive_net: StreetNetwork) -> npt.NDArray[np.int64]:
    """Drive times between 40 fixed random Liechtenstein street points."""
    net = liechtenstein_drive_net
    return street_travel_matrix(net, snap_to_streets(net, *points_near_streets(net, 40, seed=77)))


@settings(database=None, max_examples=300, deadline=None)
@given(triple=st.tuples(*[st.integers(min_value=0, max_value=39)] * 3))
def test_street_matrix_obeys_triangle_inequality(
    liechtenstein_street_matrix: npt.NDArray[np.int64], triple: tuple[int, int, int]
) -> None:
    """Going via a third point is never faster: m[i,k] <= m[i,j] + m[j,k] (+2 for rounding)."""
    i, j, k = triple
    m = liechtenstein_street_matrix
    assert m[i, k] <= m[i, j] + m[j, k] + 2


def test_distances_need_predecessor_trees(sindal_drive_net: StreetNetwork) -> None:
    """Path lengths cannot be summed over Dijkstra runs made without predecessors."""
    net = sindal_drive_net
    points = snap_to_streets(net, *points_near_streets(net, 3, seed=6))
    access = point_access(net, points)
    columns = np.unique(access.entry_node[access.entry_node >= 0])
    trees = shortest_trees(net, points, access, 3, columns, predecessors=False)
    i, j = np.arange(3)[:, None], np.arange(3)[None, :]
    _, option = best_options(net, points, access, trees, i, j)
    with pytest.raises(ValueError, match="need the Dijkstra predecessors"):
        option_distances_m(net, points, access, trees, i, j, option)
