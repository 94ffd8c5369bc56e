"""A loaded street graph with the indexes fast queries need.

`StreetNetwork.from_graph` builds, once per graph, what snapping, matrices and
route geometry share: a compact integer numbering of the nodes, sparse
travel-time and length matrices for scipy's shortest-path routines, a metric
spatial index of the edges, and each two-way edge's reverse twin.

osmnx stores a two-way street as two directed edges ``u -> v`` and ``v -> u``
whose geometries are each other reversed; a one-way street has only one. The
twin of an edge is the edge of the opposite direction with exactly the reversed
geometry (parallel edges between the same nodes with other geometries are other
streets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import osmnx as ox
import shapely
from pyproj import Transformer
from scipy.sparse import csr_array

from graphs.errors import GraphError
from graphs.load import TRAVEL_MODES, TravelMode

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import networkx as nx
    import numpy.typing as npt
    from pyproj import CRS

__all__ = ["StreetNetwork"]


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
    edges_m
        The edges (index ``u, v, key``) with their geometry projected to
        `crs_m`; geometry runs from ``u`` to ``v``.
    edge_u, edge_v
        OSM ids of each edge's start and end node, aligned with `edges_m`.
    edge_key
        Each edge's key among parallel edges, aligned with `edges_m`.
    edge_length_m, edge_travel_s
        Each edge's ``length`` (m) and ``travel_time`` (s), aligned with
        `edges_m`.
    edge_twin
        Position in `edges_m` of each edge's reverse twin (the same street in
        the other direction), or -1 for a one-way edge.
    edge_geoms_m
        The projected edge geometries as an array, aligned with `edges_m`.
    edge_geoms_lonlat
        The same geometries in lon/lat, vertex for vertex.
    edge_tree
        Spatial index over `edge_geoms_m`.
    crs_m
        The metric (UTM) CRS of the projected geometries.
    to_metric
        Transformer from lon/lat (EPSG:4326, x=lon first) to `crs_m`.
    """

    graph: nx.MultiDiGraph
    mode: TravelMode | None
    node_ids: npt.NDArray[np.int64]
    index_of: dict[int, int]
    csr: csr_array
    csr_length_m: csr_array
    edges_m: gpd.GeoDataFrame
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
            If the graph has no edges or an edge lacks ``travel_time`` or
            ``length``.
        """
        if G.number_of_edges() == 0:
            msg = "The street graph has no edges."
            raise GraphError(msg)
        node_ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
        index_of = {int(node): i for i, node in enumerate(node_ids)}
        csr, csr_length_m = _edge_csrs(G, index_of)

        edges = ox.convert.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True)
        crs_m = edges.estimate_utm_crs()
        edges_m = edges[["geometry"]].to_crs(crs_m)
        edge_geoms_m = edges_m.geometry.to_numpy()
        edge_u = edges_m.index.get_level_values("u").to_numpy(dtype=np.int64)
        edge_v = edges_m.index.get_level_values("v").to_numpy(dtype=np.int64)
        mode = G.graph.get("mode")
        return cls(
            graph=G,
            mode=mode if mode in TRAVEL_MODES else None,
            node_ids=node_ids,
            index_of=index_of,
            csr=csr,
            csr_length_m=csr_length_m,
            edges_m=edges_m,
            edge_u=edge_u,
            edge_v=edge_v,
            edge_key=edges_m.index.get_level_values("key").to_numpy(dtype=np.int64),
            edge_length_m=edges["length"].to_numpy(dtype=np.float64),
            edge_travel_s=edges["travel_time"].to_numpy(dtype=np.float64),
            edge_twin=_reverse_twins(edge_u, edge_v, edge_geoms_m),
            edge_geoms_m=edge_geoms_m,
            edge_geoms_lonlat=edges.geometry.to_numpy(),
            edge_tree=shapely.STRtree(edge_geoms_m),
            crs_m=crs_m,
            to_metric=Transformer.from_crs("EPSG:4326", crs_m, always_xy=True),
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


def _edge_csrs(G: nx.MultiDiGraph, index_of: dict[int, int]) -> tuple[csr_array, csr_array]:
    """Build the sparse travel-time and length matrices of the fastest parallel edges."""
    edge_count = G.number_of_edges()
    rows = np.empty(edge_count, dtype=np.intp)
    cols = np.empty(edge_count, dtype=np.intp)
    travel_s = np.empty(edge_count, dtype=np.float64)
    length_m = np.empty(edge_count, dtype=np.float64)
    for i, (u, v, data) in enumerate(G.edges(data=True)):
        for attribute in ("travel_time", "length"):
            if data.get(attribute) is None:
                msg = f"Edge {u}->{v} has no {attribute}; load the graph with load_graph."
                raise GraphError(msg)
        rows[i], cols[i] = index_of[u], index_of[v]
        travel_s[i], length_m[i] = data["travel_time"], data["length"]
    order = np.lexsort((length_m, travel_s, cols, rows))
    rows, cols = rows[order], cols[order]
    first = np.ones(edge_count, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    size = len(index_of)
    at = (rows[first], cols[first])
    return (
        csr_array((travel_s[order][first], at), shape=(size, size)),
        csr_array((length_m[order][first], at), shape=(size, size)),
    )


def _reverse_twins(
    edge_u: npt.NDArray[np.int64],
    edge_v: npt.NDArray[np.int64],
    geoms_m: npt.NDArray[np.object_],
) -> npt.NDArray[np.intp]:
    """
    Pair each edge with the opposite edge of exactly reversed geometry, or -1.

    Edges are matched on (u, v, geometry) against (v, u, reversed geometry); each
    edge is some other edge's twin at most once (a self-loop street stored both
    ways pairs its two keys).
    """
    forward = shapely.to_wkb(geoms_m)
    backward = shapely.to_wkb(shapely.reverse(geoms_m))
    waiting: dict[tuple[int, int, bytes], list[int]] = {}
    for row, (u, v, wkb) in enumerate(zip(edge_u.tolist(), edge_v.tolist(), forward, strict=True)):
        waiting.setdefault((u, v, wkb), []).append(row)
    twin = np.full(len(geoms_m), -1, dtype=np.intp)
    for row, (u, v, wkb) in enumerate(zip(edge_u.tolist(), edge_v.tolist(), backward, strict=True)):
        if twin[row] >= 0:
            continue
        candidates = waiting.get((v, u, wkb), [])
        match = next((other for other in candidates if other != row and twin[other] < 0), -1)
        if match >= 0:
            twin[row], twin[match] = match, row
    return twin
