"""Whether a request's locations lie in the area it names at all.

A scheduler with another town's files on a server whose default area is elsewhere would
otherwise get one "location lies 376146 m from ..." error per row. When every location lies
far outside the chosen area's box (``FAR_M``), ``far_from_area`` gives one problem instead,
naming the registered area whose box holds them, if one does. Boxes come from the areas'
file headers (`graphs.Area.bounds`), so no street graph is built for the check.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import FieldProblem
from ..i18n import _

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphs import AreaCatalog

    from .schemas import PlanRequest

FAR_M = 5000.0
"""A location this far outside an area's box cannot be meant for it."""
EARTH_RADIUS_M = 6_371_008.8

Box = tuple[float, float, float, float]


def _points(value: Any) -> Iterator[tuple[float, float]]:
    """Every ``{"lat", "lon"}`` location inside a dumped request."""
    if isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            yield float(lat), float(lon)
            return
        for item in value.values():
            yield from _points(item)
    elif isinstance(value, list):
        for item in value:
            yield from _points(item)


def distance_to_box_m(lat: float, lon: float, box: Box) -> float:
    """Metres from a point to the nearest point of ``(south, west, north, east)``; 0 inside."""
    south, west, north, east = box
    near_lat = min(max(lat, south), north)
    near_lon = min(max(lon, west), east)
    phi1, phi2 = math.radians(lat), math.radians(near_lat)
    d_phi = phi2 - phi1
    d_lambda = math.radians(near_lon - lon)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def far_from_area(
    request: PlanRequest, *, catalog: AreaCatalog, default_area: str
) -> FieldProblem | None:
    """One problem when every location of ``request`` lies more than ``FAR_M`` outside its
    area's box, naming the area whose box holds them all (or most of them); None when
    some location is near, the area is a matrix, or its file names no box.

    Parameters
    ----------
    request
        A valid plan request.
    catalog
        The registered areas.
    default_area
        The area of a request that names none.
    """
    area = request.area if request.area is not None else default_area
    if not isinstance(area, str) or area not in catalog.names():
        return None
    box = catalog.get(area).bounds()
    points = list(_points(request.model_dump(mode="json")))
    if box is None or not points:
        return None
    nearest_m = min(distance_to_box_m(lat, lon, box) for lat, lon in points)
    if nearest_m <= FAR_M:
        return None
    far = f"{nearest_m / 1000:,.0f}"
    holding = _area_holding(points, catalog, skip=area)
    if holding is not None:
        message = _(
            "every location lies far outside area {area!r} (the nearest {km} km from it); "
            "they lie in area {holding!r}: choose that area",
            area=area,
            km=far,
            holding=holding,
        )
    else:
        others = ", ".join(n for n in catalog.names() if n != area) or "-"
        message = _(
            "every location lies far outside area {area!r} (the nearest {km} km from it); no "
            "registered area holds them (others: {others}): check the files",
            area=area,
            km=far,
            others=others,
        )
    return FieldProblem("area", message)


def _area_holding(
    points: list[tuple[float, float]], catalog: AreaCatalog, *, skip: str
) -> str | None:
    """The area whose box holds most of ``points`` (at least half), if any."""
    best, best_count = None, 0
    for name in catalog.names():
        if name == skip:
            continue
        box = catalog.get(name).bounds()
        if box is None:
            continue
        inside = sum(distance_to_box_m(lat, lon, box) <= FAR_M for lat, lon in points)
        if inside > best_count:
            best, best_count = name, inside
    return best if best_count * 2 >= len(points) else None
