"""Snap coordinates (hotspots, staff starts) to nodes of the street graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from graphs.errors import GraphError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from graphs.network import StreetNetwork

__all__ = ["Snapped", "snap_points"]


@dataclass(frozen=True, slots=True)
class Snapped:
    """Where each point joins the street network.

    Attributes
    ----------
    nodes
        OSM node id (int64) per point: the nearer end of its nearest edge.
    distance_m
        Distance in metres from each point to its nearest street edge.
    """

    nodes: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]


def snap_points(net: StreetNetwork, lats: Sequence[float], lons: Sequence[float]) -> Snapped:
    """
    Snap points to the street network.

    Each point goes to its nearest street edge (measured in metres in the
    network's UTM projection), then to the end of that edge nearer along the
    edge's geometry. The distance tells how far off the street a point lies;
    callers decide what is too far.

    Parameters
    ----------
    net
        The indexed street network.
    lats
        Latitudes in degrees.
    lons
        Longitudes in degrees, one per latitude.

    Returns
    -------
    snapped
        Node ids and distances, in the order of the points.

    Raises
    ------
    GraphError
        If the sequences differ in length or a coordinate is not a finite
        latitude/longitude.
    """
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    if lat.shape != lon.shape or lat.ndim != 1:
        msg = "Give one longitude per latitude."
        raise GraphError(msg)
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not valid.all():
        msg = f"{np.count_nonzero(~valid)} point(s) have no valid latitude/longitude."
        raise GraphError(msg)
    if lat.size == 0:
        return Snapped(nodes=np.empty(0, dtype=np.int64), distance_m=np.empty(0))

    x_m, y_m = net.to_metric.transform(lon, lat)
    points = shapely.points(x_m, y_m)
    (point_idx, edge_idx), distance_m = net.edge_tree.query_nearest(
        points, return_distance=True, all_matches=False
    )
    order = np.argsort(point_idx, kind="stable")
    edge_idx, distance_m = edge_idx[order], distance_m[order]

    lines = net.edge_geoms_m[edge_idx]
    along_m = shapely.line_locate_point(lines, points)
    nearer_start = along_m <= shapely.length(lines) / 2
    nodes = np.where(nearer_start, net.edge_u[edge_idx], net.edge_v[edge_idx])
    return Snapped(nodes=nodes.astype(np.int64), distance_m=distance_m.astype(np.float64))
