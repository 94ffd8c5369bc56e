"""Travel-time matrices between street points lying on street nodes (the node-to-node
case of `graphs.street_travel_matrix`), against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphs import UNREACHABLE_S, StreetNetwork

from .helpers import node_matrix


def random_nodes(net: StreetNetwork, count: int, seed: int) -> list[int]:
    """Pick `count` distinct graph nodes with a fixed seed."""
    rng = np.random.default_rng(seed)
    return [int(n) for n in rng.choice(net.node_ids, count, replace=False)]


@pytest.mark.parametrize("net_name", ["sindal_drive_net", "sindal_walk_net"])
def test_matrix_equals_networkx_dijkstra(request: pytest.FixtureRequest, net_name: str) -> None:
    """Each entry is networkx's fastest travel_time between the nodes, rounded to seconds."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    nodes = random_nodes(net, 10, seed=2024)
    matrix = node_matrix(net, nodes)
    assert matrix.dtype == np.int64
    assert matrix.shape == (10, 10)
    for i, source in enumerate(nodes):
        travel_s = nx.single_source_dijkstra_path_length(net.graph, source, weight="travel_time")
        expected = [round(travel_s[target]) for target in nodes]
        assert matrix[i].tolist() == expected


def test_diagonal_is_zero_and_duplicates_repeat(sindal_drive_net: StreetNetwork) -> None:
    """The diagonal is 0; a node given twice gets identical rows and columns."""
    a, b, c = random_nodes(sindal_drive_net, 3, seed=5)
    nodes = np.array([a, b, a, c])
    matrix = node_matrix(sindal_drive_net, nodes.tolist())
    assert np.diagonal(matrix).tolist() == [0, 0, 0, 0]
    np.testing.assert_array_equal(matrix[0], matrix[2])
    np.testing.assert_array_equal(matrix[:, 0], matrix[:, 2])
    same_node = nodes[:, None] == nodes[None, :]
    assert (matrix[same_node] == 0).all()
    assert (matrix[~same_node] > 0).all()


def test_drive_matrix_is_directed(liechtenstein_drive: nx.MultiDiGraph) -> None:
    """One-way streets make some drive times differ by direction."""
    net = StreetNetwork.from_graph(liechtenstein_drive)
    matrix = node_matrix(net, random_nodes(net, 30, seed=11))
    assert (matrix != matrix.T).any()
    assert matrix.max() < UNREACHABLE_S


def test_walk_matrix_is_symmetric(sindal_walk_net: StreetNetwork) -> None:
    """Walking is bidirectional at one speed, so times are the same both ways (to rounding)."""
    matrix = node_matrix(sindal_walk_net, random_nodes(sindal_walk_net, 20, seed=3))
    assert np.abs(matrix - matrix.T).max() <= 1


def test_one_way_dead_end_is_unreachable(tiny_net: StreetNetwork) -> None:
    """Nothing can be reached from the one-way dead end 3; the fast parallel edge is used."""
    matrix = node_matrix(tiny_net, [1, 2, 3, 4])
    assert matrix.tolist() == [
        [0, 40, 70, 60],
        [60, 0, 30, 20],
        [UNREACHABLE_S, UNREACHABLE_S, 0, UNREACHABLE_S],
        [80, 20, 50, 0],
    ]


def test_no_nodes_gives_empty_matrix(sindal_drive_net: StreetNetwork) -> None:
    """An empty node list gives a 0 x 0 int64 matrix."""
    matrix = node_matrix(sindal_drive_net, [])
    assert matrix.shape == (0, 0)
    assert matrix.dtype == np.int64


@pytest.fixture(scope="module")
def sindal_drive_matrix(sindal_drive_net: StreetNetwork) -> np.ndarray:
    """Drive times between 40 fixed random Sindal nodes."""
    matrix: np.ndarray = node_matrix(sindal_drive_net, random_nodes(sindal_drive_net, 40, seed=99))
    return matrix


@settings(database=None, max_examples=300, deadline=None)
@given(triple=st.tuples(*[st.integers(min_value=0, max_value=39)] * 3))
def test_matrix_obeys_triangle_inequality(
    sindal_drive_matrix: np.ndarray, triple: tuple[int, int, int]
) -> None:
    """Going via a third node is never faster: m[i,k] <= m[i,j] + m[j,k] (+2 for rounding)."""
    i, j, k = triple
    m = sindal_drive_matrix
    assert m[i, k] <= m[i, j] + m[j, k] + 2
