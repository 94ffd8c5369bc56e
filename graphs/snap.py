"""Snap coordinates (hotspots, staff starts) to the street graph.

`snap_to_streets` places each location at the nearest point of its nearest street
(a `StreetPoints` entry: edge, fraction along it, the point itself).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import shapely

from graphs.errors import GraphError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from graphs.network import StreetNetwork

__all__ = ["StreetPoints", "snap_to_streets"]


@dataclass(frozen=True, slots=True)
class StreetPoints:
    """Locations placed on the nearest point of their nearest street edge.

    Every attribute is an array with one entry per point, in input order. A point
    belongs to the `StreetNetwork` that snapped it; its ``*_row`` attributes index
    that network's edge arrays. Build these with `snap_to_streets` and reorder or
    subset them with `take`.

    Attributes
    ----------
    edge_u, edge_v, edge_key
        The directed edge ``(u, v, key)`` carrying the point (OSM node ids, int64).
        Its geometry runs from ``u`` to ``v``.
    reverse_key
        Key of the reverse twin ``(v, u, reverse_key)`` of a two-way street, by
        which the point is also reached from ``v`` and left towards ``u``; -1 on a
        one-way street, which is entered only from ``u`` and left only towards
        ``v``.
    fraction
        Position along the edge from ``u`` (0) to ``v`` (1), by metric length.
    lon, lat
        The street point in degrees, on the edge's lon/lat polyline.
    snap_m
        Distance in metres from the requested location to the street point.
    u_to_point_m, point_to_v_m
        Metres along the edge from ``u`` to the point and from the point to ``v``.
    u_to_point_s, point_to_v_s
        Seconds along the edge from ``u`` to the point and from the point to ``v``.
    edge_row, reverse_row
        Rows of the edge and its reverse twin (-1 if none) in the network's edge
        arrays (`StreetNetwork.edge_u` and the others).
    """

    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_key: npt.NDArray[np.int64]
    reverse_key: npt.NDArray[np.int64]
    fraction: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    snap_m: npt.NDArray[np.float64]
    u_to_point_m: npt.NDArray[np.float64]
    point_to_v_m: npt.NDArray[np.float64]
    u_to_point_s: npt.NDArray[np.float64]
    point_to_v_s: npt.NDArray[np.float64]
    edge_row: npt.NDArray[np.intp]
    reverse_row: npt.NDArray[np.intp]

    def __post_init__(self) -> None:
        """Check that every attribute is a 1-D array of the same length."""
        sizes = {getattr(self, field.name).shape for field in fields(self)}
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            msg = "Every StreetPoints attribute must be a 1-D array of one length."
            raise ValueError(msg)
        if np.any((self.fraction < 0) | (self.fraction > 1)):
            msg = "A StreetPoints fraction must lie between 0 and 1."
            raise ValueError(msg)

    def __len__(self) -> int:
        """Return the number of points."""
        return len(self.fraction)

    @property
    def two_way(self) -> npt.NDArray[np.bool_]:
        """True for points on a two-way street (an edge with a reverse twin)."""
        return self.reverse_row >= 0

    def take(self, indices: Sequence[int] | npt.NDArray[np.intp]) -> StreetPoints:
        """
        Select points by position, for example a route's stops in visiting order.

        Parameters
        ----------
        indices
            Positions into these points; repeats are allowed.

        Returns
        -------
        points
            The selected points, in the order given.

        Raises
        ------
        IndexError
            If a position is out of range.
        """
        idx = np.asarray(indices, dtype=np.intp).reshape(-1)
        return StreetPoints(
            **{field.name: getattr(self, field.name)[idx] for field in fields(self)}
        )


def snap_to_streets(
    net: StreetNetwork,
    lats: Sequence[float] | npt.NDArray[np.float64],
    lons: Sequence[float] | npt.NDArray[np.float64],
) -> StreetPoints:
    """
    Place points on the nearest point of their nearest street edge.

    Distances are measured in metres in the network's UTM projection. A two-way
    street's two directed edges share one geometry; a point on it is recorded on
    the one listed first in the network's edge arrays, with the other as its
    reverse twin, so points on the same street always name the same edge. The
    street point is interpolated in lon/lat on the edge's own vertices, at the
    metric fraction, so it lies exactly on the polyline a map draws. Callers
    decide which ``snap_m`` is too far.

    Parameters
    ----------
    net
        The indexed street network of the travel mode.
    lats
        Latitudes in degrees (a sequence or a 1-D array).
    lons
        Longitudes in degrees, one per latitude.

    Returns
    -------
    points
        The street points, in the order of the input.

    Raises
    ------
    GraphError
        If the sequences differ in length or a coordinate is not a finite
        latitude/longitude.
    """
    lat, lon = _checked_coordinates(lats, lons)
    if lat.size == 0:
        return _no_street_points()

    points, edge_idx = _nearest_streets(net, lat, lon)
    lines = net.edge_geoms_m[edge_idx]
    line_m = shapely.length(lines)
    along_m = shapely.line_locate_point(lines, points)
    fraction = np.clip(
        np.divide(along_m, line_m, out=np.zeros_like(along_m), where=line_m > 0), 0, 1
    )
    snap_m = shapely.distance(points, shapely.line_interpolate_point(lines, along_m))

    twin = net.edge_twin[edge_idx]
    swap = (twin >= 0) & (twin < edge_idx)
    row = np.where(swap, twin, edge_idx)
    reverse_row = np.where(swap, edge_idx, twin)
    fraction = np.where(swap, 1.0 - fraction, fraction)

    lon_out, lat_out = lonlat_at(net, row, fraction)
    length_m = net.edge_length_m[row]
    travel_s = net.edge_travel_s[row]
    return StreetPoints(
        edge_u=net.edge_u[row],
        edge_v=net.edge_v[row],
        edge_key=net.edge_key[row],
        reverse_key=np.where(reverse_row >= 0, net.edge_key[reverse_row], -1).astype(np.int64),
        fraction=fraction,
        lon=lon_out,
        lat=lat_out,
        snap_m=snap_m.astype(np.float64),
        u_to_point_m=fraction * length_m,
        point_to_v_m=(1.0 - fraction) * length_m,
        u_to_point_s=fraction * travel_s,
        point_to_v_s=(1.0 - fraction) * travel_s,
        edge_row=row.astype(np.intp),
        reverse_row=reverse_row.astype(np.intp),
    )


def _checked_coordinates(
    lats: Sequence[float] | npt.NDArray[np.float64],
    lons: Sequence[float] | npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return latitudes and longitudes as arrays, refusing mismatched or invalid ones."""
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    if lat.shape != lon.shape or lat.ndim != 1:
        msg = "Give one longitude per latitude."
        raise GraphError(msg)
    valid = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not valid.all():
        msg = f"{np.count_nonzero(~valid)} point(s) have no valid latitude/longitude."
        raise GraphError(msg)
    return lat, lon


def _nearest_edges(
    net: StreetNetwork, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Project points to metres; return them, their nearest edge rows and distances."""
    x_m, y_m = net.to_metric.transform(lon, lat)
    points = shapely.points(x_m, y_m)
    (point_idx, edge_idx), distance_m = net.edge_tree.query_nearest(
        points, return_distance=True, all_matches=False
    )
    order = np.argsort(point_idx, kind="stable")
    return points, edge_idx[order], distance_m[order]


def _nearest_streets(
    net: StreetNetwork, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]:
    """
    Project points to metres; return them and their nearest edge rows.

    Among equally near edges (a point nearest to a junction, parallel edges of one
    geometry) the one whose street is listed first wins, so the choice does not
    depend on the spatial index's internal order.
    """
    x_m, y_m = net.to_metric.transform(lon, lat)
    points = shapely.points(x_m, y_m)
    point_idx, edge_idx = net.edge_tree.query_nearest(points, all_matches=True)
    twin = net.edge_twin[edge_idx]
    street = np.where((twin >= 0) & (twin < edge_idx), twin, edge_idx)
    order = np.lexsort((edge_idx, street, point_idx))
    point_idx, edge_idx = point_idx[order], edge_idx[order]
    first = np.r_[True, point_idx[1:] != point_idx[:-1]]
    return points, edge_idx[first]


def lonlat_at(
    net: StreetNetwork, rows: npt.NDArray[np.intp], fractions: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """
    Interpolate the lon/lat of points at metric fractions along edges.

    The metric vertex distances find the segment and the position within it; the
    same position on the lon/lat segment gives the point. The point thus lies on
    the lon/lat polyline, and fractions 0 and 1 give the end nodes exactly.

    Parameters
    ----------
    net
        The indexed street network.
    rows
        Edge rows in the network's edge arrays, one per point.
    fractions
        Positions along each edge's metric length, from 0 (``u``) to 1 (``v``).

    Returns
    -------
    lon, lat
        The points' coordinates in degrees.
    """
    coords_m, line = shapely.get_coordinates(net.edge_geoms_m[rows], return_index=True)
    coords = shapely.get_coordinates(net.edge_geoms_lonlat[rows])
    first = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
    last = np.r_[first[1:], len(line)] - 1
    steps = np.hypot(*np.diff(coords_m, axis=0).T)
    steps[first[1:] - 1] = 0.0  # no step from one line's last vertex to the next line's first
    along = np.r_[0.0, np.cumsum(steps)]
    along -= np.repeat(along[first], last - first + 1)
    # Offset each line past the previous one so one sorted search finds every segment.
    gap = np.r_[0.0, np.cumsum(along[last] + 1.0)[:-1]]
    keyed = along + np.repeat(gap, last - first + 1)
    target = fractions * along[last]
    segment = np.searchsorted(keyed, target + gap, side="right") - 1
    segment = np.clip(segment, first, last - 1)
    span = along[segment + 1] - along[segment]
    t = np.clip(
        np.divide(target - along[segment], span, out=np.zeros_like(span), where=span > 0), 0, 1
    )
    point = coords[segment] + t[:, None] * (coords[segment + 1] - coords[segment])
    point = np.where((t == 1.0)[:, None], coords[segment + 1], point)
    return point[:, 0].copy(), point[:, 1].copy()


def vertex_along_m(net: StreetNetwork, row: int) -> npt.NDArray[np.float64]:
    """
    Give the metric distance of each vertex of an edge from its start.

    Parameters
    ----------
    net
        The indexed street network.
    row
        The edge's row in the network's edge arrays.

    Returns
    -------
    along_m
        One cumulative distance per vertex, from 0 to the edge's metric length.
    """
    coords = shapely.get_coordinates(net.edge_geoms_m[row])
    steps = np.hypot(*np.diff(coords, axis=0).T)
    return np.concatenate(([0.0], np.cumsum(steps)))


def _no_street_points() -> StreetPoints:
    """Return an empty `StreetPoints`."""
    ints = np.empty(0, dtype=np.int64)
    floats = np.empty(0, dtype=np.float64)
    rows = np.empty(0, dtype=np.intp)
    return StreetPoints(
        edge_u=ints,
        edge_v=ints,
        edge_key=ints,
        reverse_key=ints,
        fraction=floats,
        lon=floats,
        lat=floats,
        snap_m=floats,
        u_to_point_m=floats,
        point_to_v_m=floats,
        u_to_point_s=floats,
        point_to_v_s=floats,
        edge_row=rows,
        reverse_row=rows,
    )
