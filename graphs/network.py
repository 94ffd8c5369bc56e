"""A loaded street graph with the indexes fast queries need.

`StreetNetwork.from_graph` builds, once per graph, what snapping, matrices and
route geometry share: a compact integer numbering of the nodes, a sparse
travel-time matrix for scipy's shortest-path routines, and a metric spatial
index of the edges.
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
    edges_m
        The edges (index ``u, v, key``) with their geometry projected to
        `crs_m`; geometry runs from ``u`` to ``v``.
    edge_u, edge_v
        OSM ids of each edge's start and end node, aligned with `edges_m`.
    edge_geoms_m
        The projected edge geometries as an array, aligned with `edges_m`.
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
    edges_m: gpd.GeoDataFrame
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_geoms_m: npt.NDArray[np.object_]
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
            ``x``/``y`` and an edge ``travel_time`` (s) on every edge.

        Returns
        -------
        net
            The graph and its indexes.

        Raises
        ------
        GraphError
            If the graph has no edges or an edge lacks ``travel_time``.
        """
        if G.number_of_edges() == 0:
            msg = "The street graph has no edges."
            raise GraphError(msg)
        node_ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
        index_of = {int(node): i for i, node in enumerate(node_ids)}
        csr = _travel_time_csr(G, index_of)

        edges = ox.convert.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True)
        crs_m = edges.estimate_utm_crs()
        edges_m = edges[["geometry"]].to_crs(crs_m)
        edge_geoms_m = edges_m.geometry.to_numpy()
        mode = G.graph.get("mode")
        return cls(
            graph=G,
            mode=mode if mode in TRAVEL_MODES else None,
            node_ids=node_ids,
            index_of=index_of,
            csr=csr,
            edges_m=edges_m,
            edge_u=edges_m.index.get_level_values("u").to_numpy(dtype=np.int64),
            edge_v=edges_m.index.get_level_values("v").to_numpy(dtype=np.int64),
            edge_geoms_m=edge_geoms_m,
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


def _travel_time_csr(G: nx.MultiDiGraph, index_of: dict[int, int]) -> csr_array:
    """Build the sparse travel-time matrix, keeping the fastest parallel edge."""
    edge_count = G.number_of_edges()
    rows = np.empty(edge_count, dtype=np.intp)
    cols = np.empty(edge_count, dtype=np.intp)
    travel_s = np.empty(edge_count, dtype=np.float64)
    for i, (u, v, seconds) in enumerate(G.edges(data="travel_time")):
        if seconds is None:
            msg = f"Edge {u}->{v} has no travel_time; load the graph with load_graph."
            raise GraphError(msg)
        rows[i], cols[i], travel_s[i] = index_of[u], index_of[v], seconds
    order = np.lexsort((travel_s, cols, rows))
    rows, cols, travel_s = rows[order], cols[order], travel_s[order]
    first = np.ones(edge_count, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    size = len(index_of)
    return csr_array((travel_s[first], (rows[first], cols[first])), shape=(size, size))
