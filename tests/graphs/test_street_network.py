"""The indexes `StreetNetwork.from_graph` builds for fast queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely

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


def test_csr_length_holds_the_fastest_edge_length(tiny_net: StreetNetwork) -> None:
    """csr_length_m has the length of the edge csr keeps (the fastest), at the same places."""
    net = tiny_net
    assert (net.csr_length_m != 0).sum() == net.csr.nnz
    assert net.csr_length_m[net.index_of[1], net.index_of[2]] == 100.0


def test_edge_arrays_align_with_the_edges(sindal_drive_net: StreetNetwork) -> None:
    """edge_key, edge_length_m and edge_travel_s are each row's graph edge attributes."""
    net = sindal_drive_net
    for row in range(0, len(net.edges_m), 37):
        u, v, key = int(net.edge_u[row]), int(net.edge_v[row]), int(net.edge_key[row])
        assert net.edges_m.index[row] == (u, v, key)
        data = net.graph.edges[u, v, key]
        assert net.edge_length_m[row] == data["length"]
        assert net.edge_travel_s[row] == data["travel_time"]


def test_every_walk_edge_has_its_reverse_twin(sindal_walk_net: StreetNetwork) -> None:
    """Walking is two-way: every edge pairs with v -> u of exactly reversed geometry."""
    net = sindal_walk_net
    twin = net.edge_twin
    assert (twin >= 0).all()
    np.testing.assert_array_equal(twin[twin], np.arange(len(twin)))
    np.testing.assert_array_equal(net.edge_u[twin], net.edge_v)
    reversed_geoms = shapely.reverse(net.edge_geoms_m)
    assert shapely.equals_exact(reversed_geoms, net.edge_geoms_m[twin], tolerance=0).all()


def test_one_way_drive_edges_have_no_twin(liechtenstein_drive_net: StreetNetwork) -> None:
    """Drive one-way edges (no v -> u edge at all) get twin -1; two-way edges pair up."""
    net = liechtenstein_drive_net
    G = net.graph
    no_reverse = np.array(
        [not G.has_edge(v, u) for u, v in zip(net.edge_u, net.edge_v, strict=True)]
    )
    assert no_reverse.any()
    assert (net.edge_twin[no_reverse] == -1).all()
    paired = net.edge_twin >= 0
    np.testing.assert_array_equal(net.edge_twin[net.edge_twin[paired]], np.flatnonzero(paired))


def test_parallel_edges_pair_at_most_once(tiny_net: StreetNetwork) -> None:
    """Of the two parallel 1 -> 2 edges only one pairs with the single 2 -> 1; 2 -> 3 has none."""
    net = tiny_net
    rows = {
        (int(u), int(v), int(k)): row
        for row, (u, v, k) in enumerate(zip(net.edge_u, net.edge_v, net.edge_key, strict=True))
    }
    back = rows[2, 1, 0]
    assert net.edge_twin[back] in {rows[1, 2, 0], rows[1, 2, 1]}
    assert sorted(net.edge_twin[[rows[1, 2, 0], rows[1, 2, 1]]].tolist())[0] == -1
    assert net.edge_twin[rows[2, 3, 0]] == -1
    assert net.edge_twin[rows[2, 4, 0]] == rows[4, 2, 0]


def test_lonlat_geometries_match_the_metric_ones(sindal_drive_net: StreetNetwork) -> None:
    """edge_geoms_lonlat has the metric geometries' vertices, one for one, in lon/lat."""
    net = sindal_drive_net
    counts_m = shapely.get_num_coordinates(net.edge_geoms_m)
    np.testing.assert_array_equal(shapely.get_num_coordinates(net.edge_geoms_lonlat), counts_m)
    x_m, y_m = net.to_metric.transform(*shapely.get_coordinates(net.edge_geoms_lonlat).T)
    np.testing.assert_allclose(
        np.c_[x_m, y_m], shapely.get_coordinates(net.edge_geoms_m), atol=1e-6
    )


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
