"""A loaded street graph with the indexes fast queries need.

`StreetNetwork.from_graph` builds, once per graph, what snapping, matrices and
route geometry share: a compact integer numbering of the nodes, sparse
travel-time and length matrices for scipy's shortest-path routines, a metric
spatial index of the edges, and each two-way edge's reverse twin.

The edges are numbered in the graph's own order (``G.edges(keys=True)``), as
osmnx's ``graph_to_gdfs`` numbers them, and projected to the UTM zone geopandas'
``estimate_utm_crs`` picks, but with shapely and pyproj alone: indexing a cached
graph imports neither osmnx nor geopandas, pandas or matplotlib.

osmnx stores a two-way street as two directed edges ``u -> v`` and ``v -> u``
whose geometries are each other reversed; a one-way street has only one. The
twin of an edge is the edge of the opposite direction with exactly the reversed
geometry (parallel edges between the same nodes with other geometries are other
streets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_array

from graphs.errors import GraphError
from graphs.load import TRAVEL_MODES, TravelMode

if TYPE_CHECKING:
    from collections.abc import Sequence

    import networkx as nx
    import numpy.typing as npt

__all__ = ["StreetNetwork", "utm_crs"]


@dataclass(frozen=True, eq=False)
class StreetNetwork:
    """A street graph plus the indexes for snapping and shortest paths.

    Build it with `StreetNetwork.from_graph`; treat it and its graph as
    read-only, since the indexes are not updated.

    Attributes
    ----------
    graph
        The street graph (from `graphs.load.load_graph`).
    mode
        The graph's travel mode, or None if the graph does not record one.
    node_ids
        OSM node ids (int64); position ``i`` is node ``i`` of `csr`.
    index_of
        OSM node id to its position in `node_ids`.
    csr
        Sparse ``n x n`` matrix of edge travel times in seconds, the fastest
        of any parallel edges, for ``scipy.sparse.csgraph``.
    csr_length_m
        Sparse ``n x n`` matrix of the lengths in metres of the edges `csr`
        holds (the fastest parallel edge, not the shortest).
    edge_u, edge_v
        OSM ids of each edge's start and end node. Every ``edge_*`` array has
        one entry per edge, in the order of ``graph.edges(keys=True)``; an
        edge's position in them is its row.
    edge_key
        Each edge's key among parallel edges.
    edge_length_m, edge_travel_s
        Each edge's ``length`` (m) and ``travel_time`` (s).
    edge_twin
        Row of each edge's reverse twin (the same street in the other
        direction), or -1 for a one-way edge.
    edge_geoms_m
        The edge geometries projected to `crs_m`, running from ``u`` to ``v``;
        an edge without a ``geometry`` attribute is the straight line between
        its nodes.
    edge_geoms_lonlat
        The same geometries in lon/lat, vertex for vertex (the graph's own
        ``geometry`` objects where edges have one).
    edge_tree
        Spatial index over `edge_geoms_m`.
    crs_m
        The metric CRS of the projected geometries: the WGS 84 UTM zone of
        the centre of the edges' bounding box.
    to_metric
        Transformer from lon/lat (EPSG:4326, x=lon first) to `crs_m`.
    """

    graph: nx.MultiDiGraph
    mode: TravelMode | None
    node_ids: npt.NDArray[np.int64]
    index_of: dict[int, int]
    csr: csr_array
    csr_length_m: csr_array
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_key: npt.NDArray[np.int64]
    edge_length_m: npt.NDArray[np.float64]
    edge_travel_s: npt.NDArray[np.float64]
    edge_twin: npt.NDArray[np.intp]
    edge_geoms_m: npt.NDArray[np.object_]
    edge_geoms_lonlat: npt.NDArray[np.object_]
    edge_tree: shapely.STRtree
    crs_m: CRS
    to_metric: Transformer

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> StreetNetwork:
        """
        Index a street graph for fast queries.

        Parameters
        ----------
        G
            A graph with ``crs`` (unprojected, as osmnx makes it), node
            ``x``/``y``, and ``length`` (m) and ``travel_time`` (s) on every
            edge.

        Returns
        -------
        net
            The graph and its indexes.

        Raises
        ------
        GraphError
            If the graph has no edges, its ``crs`` is missing or not a lon/lat
            one, or an edge lacks ``travel_time`` or ``length``.
        """
        node_ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
        index_of = {int(node): i for i, node in enumerate(node_ids)}
        edges = _edge_table(G, index_of)
        if edges.u.size == 0:
            msg = "The street graph has no edges."
            raise GraphError(msg)
        graph_crs = _lonlat_crs(G)
        csr, csr_length_m = _edge_csrs(edges, len(node_ids))

        crs_m = _utm_crs(edges.geoms_lonlat)
        to_metric = Transformer.from_crs("EPSG:4326", crs_m, always_xy=True)
        graph_to_metric = (
            to_metric
            if graph_crs == CRS.from_epsg(4326)
            else Transformer.from_crs(graph_crs, crs_m, always_xy=True)
        )
        edge_geoms_m = shapely.transform(
            edges.geoms_lonlat, graph_to_metric.transform, interleaved=False
        )
        mode = G.graph.get("mode")
        return cls(
            graph=G,
            mode=mode if mode in TRAVEL_MODES else None,
            node_ids=node_ids,
            index_of=index_of,
            csr=csr,
            csr_length_m=csr_length_m,
            edge_u=edges.u,
            edge_v=edges.v,
            edge_key=edges.key,
            edge_length_m=edges.length_m,
            edge_travel_s=edges.travel_s,
            edge_twin=_reverse_twins(edges.u_index, edges.v_index, edge_geoms_m, len(node_ids)),
            edge_geoms_m=edge_geoms_m,
            edge_geoms_lonlat=edges.geoms_lonlat,
            edge_tree=shapely.STRtree(edge_geoms_m),
            crs_m=crs_m,
            to_metric=to_metric,
        )

    def indices(self, nodes: Sequence[int]) -> npt.NDArray[np.intp]:
        """
        Map OSM node ids to their positions in `node_ids` and `csr`.

        Parameters
        ----------
        nodes
            OSM node ids; duplicates are allowed.

        Returns
        -------
        indices
            One position per given id, in order.

        Raises
        ------
        GraphError
            If an id is not a node of the graph.
        """
        try:
            return np.fromiter(
                (self.index_of[int(node)] for node in nodes), dtype=np.intp, count=len(nodes)
            )
        except KeyError as exc:
            msg = f"Node {exc.args[0]} is not in the street graph."
            raise GraphError(msg) from None


@dataclass(frozen=True, slots=True)
class _EdgeTable:
    """The edges in the graph's order: ends, key, costs and lon/lat geometry."""

    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    key: npt.NDArray[np.int64]
    u_index: npt.NDArray[np.intp]
    v_index: npt.NDArray[np.intp]
    length_m: npt.NDArray[np.float64]
    travel_s: npt.NDArray[np.float64]
    geoms_lonlat: npt.NDArray[np.object_]


def _lonlat_crs(G: nx.MultiDiGraph) -> CRS:
    """The graph's CRS, refused unless it is a geographic (lon/lat) one."""
    if G.graph.get("crs") is None:
        msg = "The street graph has no crs; load it with load_graph."
        raise GraphError(msg)
    crs = CRS.from_user_input(G.graph["crs"])
    if not crs.is_geographic:
        msg = f"The street graph must be in lon/lat, not {crs.name}; do not project it."
        raise GraphError(msg)
    return crs


def _edge_table(G: nx.MultiDiGraph, index_of: dict[int, int]) -> _EdgeTable:
    """
    Read every edge, in ``G.edges(keys=True)`` order, as osmnx's ``graph_to_gdfs`` does.

    An edge without a ``geometry`` gets the straight line between its nodes
    (osmnx's ``fill_edge_geometry``).
    """
    count = G.number_of_edges()
    u = np.empty(count, dtype=np.int64)
    v = np.empty(count, dtype=np.int64)
    key = np.empty(count, dtype=np.int64)
    u_index = np.empty(count, dtype=np.intp)
    v_index = np.empty(count, dtype=np.intp)
    length_m = np.empty(count, dtype=np.float64)
    travel_s = np.empty(count, dtype=np.float64)
    geoms = np.empty(count, dtype=object)
    for i, (a, b, k, data) in enumerate(G.edges(keys=True, data=True)):
        for attribute in ("travel_time", "length"):
            if data.get(attribute) is None:
                msg = f"Edge {a}->{b} has no {attribute}; load the graph with load_graph."
                raise GraphError(msg)
        u[i], v[i], key[i] = a, b, k
        u_index[i], v_index[i] = index_of[a], index_of[b]
        travel_s[i], length_m[i] = data["travel_time"], data["length"]
        geoms[i] = data.get("geometry")
    straight = np.flatnonzero(shapely.is_missing(geoms))
    if straight.size:
        node_xy = np.array([(data["x"], data["y"]) for _, data in G.nodes(data=True)])
        ends = np.stack([node_xy[u_index[straight]], node_xy[v_index[straight]]], axis=1)
        geoms[straight] = shapely.linestrings(ends)
    return _EdgeTable(u, v, key, u_index, v_index, length_m, travel_s, geoms)


def _utm_crs(geoms_lonlat: npt.NDArray[np.object_]) -> CRS:
    """Choose the UTM zone of the centre of the geometries' bounding box (`utm_crs`)."""
    west, south, east, north = shapely.total_bounds(geoms_lonlat)
    return utm_crs(float(np.mean([west, east])), float(np.mean([south, north])))


def utm_crs(lon: float, lat: float) -> CRS:
    """
    Give the WGS 84 UTM zone of a point, as geopandas' ``estimate_utm_crs`` does.

    geopandas asks pyproj's ``query_utm_crs_info`` for the WGS 84 UTM zones whose
    area of use holds the point and takes the first by EPSG code: on a border
    the western zone, on the equator the northern one. That query reads PROJ's
    database (about 60 ms a call); the zones' areas of use are plain 6-degree
    bands from 80 S to 84 N, so they are worked out here instead. (One entry of
    the database differs: zone 29N reaches 84.01 N, in the Arctic Ocean, where
    geopandas finds it and this refuses.)

    Parameters
    ----------
    lon, lat
        The point in degrees.

    Returns
    -------
    crs
        EPSG 326NN (north) or 327NN (south) for zone NN.

    Raises
    ------
    GraphError
        If the point lies outside every UTM zone (north of 84 degrees, south of
        -80) or is not a valid lon/lat.
    """
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        msg = f"No UTM zone covers the street graph's centre ({lat:.1f}, {lon:.1f})."
        raise GraphError(msg)
    # Zone z spans longitudes -180 + 6 (z - 1) to -180 + 6 z: the first zone whose eastern
    # border is not west of the point. The division may round across a border; the exact
    # comparisons after it settle that (the borders are whole numbers, exact in floats).
    zone = min(max(math.ceil((lon + 180) / 6), 1), 60)
    while zone > 1 and lon <= -180 + 6 * (zone - 1):
        zone -= 1
    while zone < 60 and lon > -180 + 6 * zone:
        zone += 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _edge_csrs(edges: _EdgeTable, size: int) -> tuple[csr_array, csr_array]:
    """Build the sparse travel-time and length matrices of the fastest parallel edges."""
    rows, cols = edges.u_index, edges.v_index
    travel_s, length_m = edges.travel_s, edges.length_m
    order = np.lexsort((length_m, travel_s, cols, rows))
    rows, cols = rows[order], cols[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    at = (rows[first], cols[first])
    return (
        csr_array((travel_s[order][first], at), shape=(size, size)),
        csr_array((length_m[order][first], at), shape=(size, size)),
    )


def _reverse_twins(
    u_index: npt.NDArray[np.intp],
    v_index: npt.NDArray[np.intp],
    geoms_m: npt.NDArray[np.object_],
    node_count: int,
) -> npt.NDArray[np.intp]:
    """
    Pair each edge with the opposite edge of exactly reversed geometry, or -1.

    Edges are matched on (u, v, geometry) against (v, u, reversed geometry); each
    edge is some other edge's twin at most once (a self-loop street stored both
    ways pairs its two keys). In row order, an unpaired edge takes the first
    unpaired match. Only the edges whose end nodes are some edge's reversed
    ends (found by sorting) have their geometries compared.
    """
    count = len(geoms_m)
    forward = u_index.astype(np.int64) * node_count + v_index
    backward = v_index.astype(np.int64) * node_count + u_index
    by_forward = np.argsort(forward, kind="stable")
    start = np.searchsorted(forward[by_forward], backward, side="left")
    sizes = np.searchsorted(forward[by_forward], backward, side="right") - start
    rows = np.repeat(np.arange(count), sizes)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    others = by_forward[np.repeat(start, sizes) + within]
    candidate = others != rows
    rows, others = rows[candidate], others[candidate]
    same = shapely.equals_exact(geoms_m[others], shapely.reverse(geoms_m[rows]), tolerance=0)
    twin = [-1] * count
    for row, other in zip(rows[same].tolist(), others[same].tolist(), strict=True):
        if twin[row] < 0 and twin[other] < 0:
            twin[row], twin[other] = other, row
    return np.array(twin, dtype=np.intp)
