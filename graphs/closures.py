"""Streets closed for an evening: a copy of a network without them.

The street nearest each given point is closed in both directions: shortest paths no longer
use it. A location on a closed street can still be reached along its own stretch (its
street point lies on it), so a stop there stays a stop; only through traffic is cut.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from graphs.snap import snap_to_streets

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from graphs.network import StreetNetwork
    from graphs.snap import StreetPoints

__all__ = ["close_streets"]


def close_streets(
    net: StreetNetwork,
    lats: Sequence[float] | npt.NDArray[np.float64],
    lons: Sequence[float] | npt.NDArray[np.float64],
    *,
    within_m: float = np.inf,
) -> tuple[StreetNetwork, StreetPoints, list[str | None]]:
    """
    Close the street nearest each point, both ways.

    Parameters
    ----------
    net
        The street network (left unchanged).
    lats, lons
        Points on the streets to close, in degrees.
    within_m
        A point farther than this from every street closes nothing.

    Returns
    -------
    closed
        A copy of ``net`` whose travel-time matrix no longer holds those streets.
    points
        Where each point lies on the street closed (``snap_m``: how far from it).
    names
        The OSM name of each closed street (None where it has none, or nothing was
        closed).

    Raises
    ------
    GraphError
        If a coordinate is not a valid latitude/longitude.
    """
    points = snap_to_streets(net, lats, lons)
    csr = net.csr.copy()
    names: list[str | None] = []
    for u, v, key, snap_m in zip(
        points.edge_u, points.edge_v, points.edge_key, points.snap_m, strict=True
    ):
        if snap_m > within_m:
            names.append(None)
            continue
        iu, iv = net.index_of[int(u)], net.index_of[int(v)]
        for a, b in ((iu, iv), (iv, iu)):
            if csr[a, b] != 0:
                csr[a, b] = np.inf
        name = net.graph.edges[int(u), int(v), int(key)].get("name")
        names.append(name if isinstance(name, str) or name is None else str(name[0]))
    return dataclasses.replace(net, csr=csr), points, names
