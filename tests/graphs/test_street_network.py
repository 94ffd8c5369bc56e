"""The indexes `StreetNetwork.from_graph` builds for fast queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from graphs import GraphError, StreetNetwork

if TYPE_CHECKING:
    from collections.abc import Callable

    import networkx as nx


def test_node_numbering_is_consistent(sindal_drive_net: StreetNetwork) -> None:
    """node_ids and index_of are inverse, cover all graph nodes, and size the csr matrix."""
    net = sindal_drive_net
    assert net.node_ids.dtype == np.int64
    assert set(net.node_ids.tolist()) == set(net.graph.nodes)
    assert all(net.node_ids[i] == node for node, i in net.index_of.items())
    assert net.csr.shape == (len(net.graph), len(net.graph))
    assert net.mode == "drive"


def test_csr_holds_fastest_parallel_edge(tiny_net: StreetNetwork) -> None:
    """Of parallel edges 1->2 (60 s and 40 s) the matrix keeps 40 s; one-way 3->2 is absent."""
    net = tiny_net
    csr = net.csr.toarray()
    assert csr[net.index_of[1], net.index_of[2]] == 40.0
    assert csr[net.index_of[2], net.index_of[1]] == 60.0
    assert csr[net.index_of[3], net.index_of[2]] == 0.0
    assert net.csr.nnz == 5


def test_edges_are_projected_to_utm(sindal_drive_net: StreetNetwork) -> None:
    """Edge geometries are in Sindal's UTM zone (32N), aligned with edge_u/edge_v."""
    net = sindal_drive_net
    assert net.crs_m.to_epsg() == 32632
    assert len(net.edge_u) == len(net.edge_v) == len(net.edge_geoms_m) == len(net.edges_m)
    assert len(net.edges_m) == net.graph.number_of_edges()
    x_m, _ = net.to_metric.transform(10.2, 57.47)
    assert 500_000 < x_m < 800_000


def test_indices_rejects_unknown_node(sindal_drive_net: StreetNetwork) -> None:
    """Mapping an id that is not a graph node raises GraphError naming the id."""
    with pytest.raises(GraphError, match="Node 42 is not in the street graph"):
        sindal_drive_net.indices([42])


def test_graph_without_edges_is_refused(
    tiny_graph_factory: Callable[[], nx.MultiDiGraph],
) -> None:
    """An edgeless graph cannot be indexed."""
    G = tiny_graph_factory()
    G.remove_edges_from(list(G.edges()))
    with pytest.raises(GraphError, match="no edges"):
        StreetNetwork.from_graph(G)


def test_edge_without_travel_time_is_refused(
    tiny_graph_factory: Callable[[], nx.MultiDiGraph],
) -> None:
    """A graph whose edges lack travel_time (not from load_graph) is refused."""
    G = tiny_graph_factory()
    del G.edges[2, 4, 0]["travel_time"]
    with pytest.raises(GraphError, match="has no travel_time"):
        StreetNetwork.from_graph(G)
