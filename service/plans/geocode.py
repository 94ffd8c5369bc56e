"""Addresses in a plan request -> points, offline, from the area's OSM file.

A location may be given as ``{"address": "Nørregade 1A, 9870 Sindal"}`` wherever a point
may (shift starts and ends, fixed and free visits, hotspots). `geocode_request` replaces
each with its point before anything else reads the request, so what is queued, stored
and answered holds the point, never the address text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ..errors import FieldProblem, RequestError
from ..geo import Point
from ..i18n import _
from .errors import AddressError
from .schemas import AddressIn, MatrixArea

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .networks import AreaNetworks
    from .replan_schemas import ReplanRequest
    from .schemas import HotspotIn, Location, PlanRequest, ShiftIn, VisitIn

M = TypeVar("M", bound=BaseModel)


def has_addresses(request: PlanRequest) -> bool:
    """Whether any location of ``request`` is given as an address."""
    return any(isinstance(location, AddressIn) for _f, _i, location in _locations(request))


Found = list[tuple[str, str, "Location | None"]]
"""Location fields: the field's path, its item's id, the location (None: not given)."""


def _shift_locations(prefix: str, shifts: Sequence[ShiftIn]) -> Found:
    found: Found = []
    for i, shift in enumerate(shifts):
        found.append((f"{prefix}[{i}].start_location", shift.id, shift.start_location))
        found.append((f"{prefix}[{i}].end_location", shift.id, shift.end_location))
        found += [
            (f"{prefix}[{i}].fixed_visits[{j}].location", visit.id, visit.location)
            for j, visit in enumerate(shift.fixed_visits)
        ]
    return found


def _item_locations(prefix: str, items: Sequence[HotspotIn | VisitIn]) -> Found:
    return [(f"{prefix}[{i}].location", item.id, item.location) for i, item in enumerate(items)]


def _locations(request: PlanRequest) -> Found:
    """Every location field of the request: its path, its item's id, its value."""
    return [
        *_shift_locations("shifts", request.shifts),
        *_item_locations("hotspots", request.hotspots),
        *_item_locations("visits", request.visits),
    ]


def _replan_locations(body: ReplanRequest) -> Found:
    """Every location field of a re-plan."""
    return [
        *(
            (f"positions[{i}].location", now.staff_id, now.location)
            for i, now in enumerate(body.positions)
        ),
        *_shift_locations("staff_joining", body.staff_joining),
        *_item_locations("visits_added", body.visits_added),
        *_item_locations("hotspots_added", body.hotspots_added),
    ]


def _points(area: str | MatrixArea, locations: Found, networks: AreaNetworks) -> dict[str, Point]:
    """The point of each address among ``locations``, by field path.

    Raises
    ------
    RequestError
        Naming every address not found, or every address on a matrix area.
    """
    problems: list[FieldProblem] = []
    points: dict[str, Point] = {}
    for field, item_id, location in locations:
        if not isinstance(location, AddressIn):
            continue
        if isinstance(area, MatrixArea):
            message = _("with a matrix area, give locations as {{index}}, not as an address")
            problems.append(FieldProblem(field, message, item_id))
            continue
        try:
            found = networks.find_address(area, location.address)
        except AddressError as exc:
            problems.append(FieldProblem(f"{field}.address", str(exc), item_id))
            continue
        points[field] = Point(lat=found.lat, lon=found.lon)
    if problems:
        raise RequestError(problems)
    return points


def geocode_request(request: PlanRequest, *, networks: AreaNetworks) -> PlanRequest:
    """
    ``request`` with every address replaced by its point on the request's area.

    Parameters
    ----------
    request
        A valid plan request; locations may be points, matrix indices or addresses.
    networks
        The areas (their address indices are read once per area and kept).

    Returns
    -------
    PlanRequest
        The same request when it has no address; else a copy holding points only.

    Raises
    ------
    RequestError
        Naming every address not found (with the closest addresses the area has), or
        every address given on a matrix area.
    UnknownAreaError
        If the named area is not registered.
    """
    if not has_addresses(request):
        return request
    points = _points(request.area or networks.default_area, _locations(request), networks)
    return request.model_copy(
        update={
            "shifts": _shifts_with_points("shifts", request.shifts, points),
            "hotspots": _items_with_points("hotspots", request.hotspots, points),
            "visits": _items_with_points("visits", request.visits, points),
        }
    )


def geocode_replan(body: ReplanRequest, *, area: str, networks: AreaNetworks) -> ReplanRequest:
    """
    A re-plan with every address replaced by its point on the plan's ``area``.

    Raises
    ------
    RequestError
        Naming every address not found, with the closest addresses the area has.
    """
    locations = _replan_locations(body)
    if not any(isinstance(location, AddressIn) for _f, _i, location in locations):
        return body
    points = _points(area, locations, networks)
    return body.model_copy(
        update={
            "positions": [
                _with_points(now, points, f"positions[{i}]", ("location",))
                for i, now in enumerate(body.positions)
            ],
            "staff_joining": _shifts_with_points("staff_joining", body.staff_joining, points),
            "visits_added": _items_with_points("visits_added", body.visits_added, points),
            "hotspots_added": _items_with_points("hotspots_added", body.hotspots_added, points),
        }
    )


def _shifts_with_points(
    prefix: str, shifts: Sequence[ShiftIn], points: dict[str, Point]
) -> list[ShiftIn]:
    return [
        _with_points(
            shift,
            points,
            f"{prefix}[{i}]",
            ("start_location", "end_location"),
            fixed_visits=[
                _with_points(visit, points, f"{prefix}[{i}].fixed_visits[{j}]", ("location",))
                for j, visit in enumerate(shift.fixed_visits)
            ],
        )
        for i, shift in enumerate(shifts)
    ]


def _items_with_points(prefix: str, items: Sequence[M], points: dict[str, Point]) -> list[M]:
    return [
        _with_points(item, points, f"{prefix}[{i}]", ("location",)) for i, item in enumerate(items)
    ]


def _with_points(
    item: M, points: dict[str, Point], path: str, names: tuple[str, ...], **more: Any
) -> M:
    """``item`` with the located fields among ``names`` replaced by their points."""
    update = {name: points[f"{path}.{name}"] for name in names if f"{path}.{name}" in points}
    update.update(more)
    return item.model_copy(update=update) if update else item
