"""The indexes `StreetNetwork.from_graph` builds for fast queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from graphs import GraphError, StreetNetwork
from graphs.network import utm_crs

if TYPE_CHECKING:
    from collections.abc import Callable

    import networkx as nx
    import numpy.typing as npt


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
    """Edge geometries are in Sindal's UTM zone (32N), one per edge, aligned with edge_u/edge_v."""
    net = sindal_drive_net
    assert net.crs_m.to_epsg() == 32632
    edge_arrays = [
        net.edge_u,
        net.edge_v,
        net.edge_key,
        net.edge_length_m,
        net.edge_travel_s,
        net.edge_twin,
        net.edge_geoms_m,
        net.edge_geoms_lonlat,
    ]
    assert {len(array) for array in edge_arrays} == {net.graph.number_of_edges()}
    x_m, _ = net.to_metric.transform(10.2, 57.47)
    assert 500_000 < x_m < 800_000


def test_csr_length_holds_the_fastest_edge_length(tiny_net: StreetNetwork) -> None:
    """csr_length_m has the length of the edge csr keeps (the fastest), at the same places."""
    net = tiny_net
    assert (net.csr_length_m != 0).sum() == net.csr.nnz
    assert net.csr_length_m[net.index_of[1], net.index_of[2]] == 100.0


def test_edge_arrays_align_with_the_edges(sindal_drive_net: StreetNetwork) -> None:
    """Rows follow G.edges(keys=True); edge_length_m and edge_travel_s are their attributes."""
    net = sindal_drive_net
    rows = list(zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_key.tolist(), strict=True))
    assert rows == list(net.graph.edges(keys=True))
    for row in range(0, len(rows), 37):
        data = net.graph.edges[rows[row]]
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


@pytest.mark.parametrize(
    "graph_name", ["sindal_drive", "sindal_walk", "liechtenstein_drive", "liechtenstein_bike"]
)
def test_arrays_equal_osmnx_and_geopandas(request: pytest.FixtureRequest, graph_name: str) -> None:
    """The edge arrays, UTM zone and projected geometries equal what osmnx and geopandas give.

    from_graph once used ``ox.convert.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True)``,
    ``estimate_utm_crs()`` and ``to_crs``; it now builds the same rows (same order, so
    edge rows keep their meaning) with shapely and pyproj, coordinate for coordinate.
    """
    import osmnx as ox

    G: nx.MultiDiGraph = request.getfixturevalue(graph_name)
    net = StreetNetwork.from_graph(G)
    edges = ox.convert.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True)
    crs_m = edges.estimate_utm_crs()
    edges_m = edges[["geometry"]].to_crs(crs_m)

    assert net.crs_m == crs_m
    for level, array in (("u", net.edge_u), ("v", net.edge_v), ("key", net.edge_key)):
        np.testing.assert_array_equal(array, edges.index.get_level_values(level).to_numpy())
    np.testing.assert_array_equal(net.edge_length_m, edges["length"].to_numpy())
    np.testing.assert_array_equal(net.edge_travel_s, edges["travel_time"].to_numpy())
    for ours, theirs in (
        (net.edge_geoms_lonlat, edges.geometry.to_numpy()),
        (net.edge_geoms_m, edges_m.geometry.to_numpy()),
    ):
        np.testing.assert_array_equal(
            shapely.get_num_coordinates(ours), shapely.get_num_coordinates(theirs)
        )
        np.testing.assert_array_equal(
            shapely.get_coordinates(ours), shapely.get_coordinates(theirs)
        )
    assert any("geometry" not in data for _, _, data in G.edges(data=True))  # straight edges too


def test_graph_without_crs_is_refused(tiny_graph_factory: Callable[[], nx.MultiDiGraph]) -> None:
    """A graph that does not say its CRS cannot be projected, so it is refused."""
    G = tiny_graph_factory()
    del G.graph["crs"]
    with pytest.raises(GraphError, match="has no crs"):
        StreetNetwork.from_graph(G)


def test_projected_graph_is_refused(tiny_graph_factory: Callable[[], nx.MultiDiGraph]) -> None:
    """A graph in a projected CRS is refused: lon/lat geometry and snapping rely on lon/lat."""
    G = tiny_graph_factory()
    G.graph["crs"] = "EPSG:32632"
    with pytest.raises(GraphError, match="must be in lon/lat"):
        StreetNetwork.from_graph(G)


def geopandas_utm_crs(lon: float, lat: float) -> CRS | None:
    """The UTM CRS geopandas' estimate_utm_crs picks for a centre point (None: it fails)."""
    zones = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    return CRS.from_epsg(zones[0].code) if zones else None


def check_utm_crs(lon: float, lat: float) -> None:
    """utm_crs gives geopandas' zone, or GraphError where geopandas finds none."""
    expected = geopandas_utm_crs(lon, lat)
    if expected is None:
        with pytest.raises(GraphError, match="No UTM zone"):
            utm_crs(lon, lat)
    else:
        assert utm_crs(lon, lat) == expected


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (10.2, 57.47),  # Sindal
        (9.55, 47.15),  # Liechtenstein
        (12.0, 57.0),  # on the border of zones 32 and 33: the western one
        (6.0, 0.0),  # four zones meet: the western, northern one
        (10.2, 0.0),
        (-180.0, 10.0),
        (180.0, 10.0),
        (10.0, 84.0),
        (10.0, 84.1),  # north of every zone
        (10.0, -80.0),
        (10.0, -80.5),  # south of every zone
        (-0.0, -0.0),
        (1e-85, 0.0),  # east of the border, though (lon + 180) / 6 rounds onto it
        (-1e-85, -1e-300),
    ],
)
def test_utm_zone_at_borders_matches_geopandas(lon: float, lat: float) -> None:
    """On zone borders, the equator and the polar limits the zone is the one geopandas picks."""
    check_utm_crs(lon, lat)


@settings(database=None, max_examples=60, deadline=None)
@given(
    lon=st.floats(min_value=-180, max_value=180),
    lat=st.floats(min_value=-85, max_value=85),
)
def test_utm_zone_matches_geopandas(lon: float, lat: float) -> None:
    """Anywhere on Earth, utm_crs picks geopandas' UTM zone (pyproj's first match by code).

    Except where EPSG's zone 29N reaches past 84 N (to 84.01 N), in the Arctic Ocean.
    """
    assume(not (84 < lat <= 84.01 and -12.01 <= lon <= -6))
    check_utm_crs(lon, lat)


def wkb_twins(net: StreetNetwork) -> npt.NDArray[np.intp]:
    """
    The reverse twins by the first, plain rule: in row order, an unpaired edge takes the
    first unpaired edge whose (u, v, WKB) is its own (v, u, reversed WKB).
    """
    forward = shapely.to_wkb(net.edge_geoms_m)
    backward = shapely.to_wkb(shapely.reverse(net.edge_geoms_m))
    ends = list(zip(net.edge_u.tolist(), net.edge_v.tolist(), strict=True))
    waiting: dict[tuple[int, int, bytes], list[int]] = {}
    for row, ((u, v), wkb) in enumerate(zip(ends, forward, strict=True)):
        waiting.setdefault((u, v, wkb), []).append(row)
    twin = np.full(len(ends), -1, dtype=np.intp)
    for row, ((u, v), wkb) in enumerate(zip(ends, backward, strict=True)):
        if twin[row] < 0:
            candidates = waiting.get((v, u, wkb), [])
            match = next((other for other in candidates if other != row and twin[other] < 0), -1)
            if match >= 0:
                twin[row], twin[match] = match, row
    return twin


@pytest.mark.parametrize(
    "net_name", ["tiny_net", "sindal_walk_net", "sindal_drive_net", "liechtenstein_drive_net"]
)
def test_twins_follow_the_plain_rule(request: pytest.FixtureRequest, net_name: str) -> None:
    """The sorted, vectorised twin pairing equals the plain row-by-row WKB matching."""
    net: StreetNetwork = request.getfixturevalue(net_name)
    np.testing.assert_array_equal(net.edge_twin, wkb_twins(net))
