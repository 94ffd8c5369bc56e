"""Request locations -> matrix indices and travel-time matrices, one per travel mode.

A named area places every location on the nearest point of its nearest street, in each
used mode's network (``graphs.snap_to_streets``): travel times run along the partial
streets at both ends of each leg, and route lines start and end at those street points.
An explicit matrix area uses the request's own indices and matrix for every mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphs import UNREACHABLE_S, close_streets, snap_to_streets, street_travel_matrix

from ..errors import FieldProblem, Notice, RequestError
from ..geo import Point
from .schemas import MatrixArea, MatrixIndex

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from graphs import StreetNetwork, StreetPoints, TravelMode
    from solver.problem import Matrix

    from .networks import AreaNetworks, Bounds
    from .schemas import Location, PlanRequest
    from .schemas import TravelMode as ModeName


@dataclass(frozen=True, slots=True)
class Placed:
    """Where each stop is, as an index into the travel matrices.

    ``points`` holds the WGS84 point of each location as requested (named areas), and
    ``streets`` where each lies on the streets of each mode's network.
    """

    area: str
    profiles: dict[ModeName, int]
    travel_s: tuple[Matrix, ...]
    shift_starts: list[int]
    shift_ends: list[int]
    hotspots: list[int]
    visits: list[int]
    points: list[Point | None]
    streets: dict[ModeName, StreetPoints] = field(default_factory=dict)
    networks: dict[ModeName, StreetNetwork] = field(default_factory=dict)
    distance_m: NDArray[np.float64] | None = None
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True, slots=True)
class _Field:
    """A location of the request: its field, its item's id, the modes that must reach it."""

    name: str
    item_id: str
    location: Location
    modes: set[ModeName]


def _fields(request: PlanRequest) -> list[_Field]:
    """Every location with its field name and the modes that must reach it."""
    all_modes = {shift.mode for shift in request.shifts}
    out: list[_Field] = []
    for i, shift in enumerate(request.shifts):
        out.append(
            _Field(f"shifts[{i}].start_location", shift.id, shift.start_location, {shift.mode})
        )
        end = shift.end_location or shift.start_location
        out.append(_Field(f"shifts[{i}].end_location", shift.id, end, {shift.mode}))
    out += [
        _Field(f"hotspots[{i}].location", h.id, h.location, all_modes)
        for i, h in enumerate(request.hotspots)
    ]
    out += [
        _Field(
            f"{entry.field}.location",
            entry.id,
            entry.location,
            all_modes if entry.shift is None else {request.shifts[entry.shift].mode},
        )
        for entry in request.visit_entries()
    ]
    return out


def _split(indices: list[int], request: PlanRequest) -> dict[str, Any]:
    """Location indices in ``_fields`` order, split by what they locate."""
    n_shifts, n_hotspots = len(request.shifts), len(request.hotspots)
    return {
        "shift_starts": indices[0 : 2 * n_shifts : 2],
        "shift_ends": indices[1 : 2 * n_shifts : 2],
        "hotspots": indices[2 * n_shifts : 2 * n_shifts + n_hotspots],
        "visits": indices[2 * n_shifts + n_hotspots :],
    }


def place_on_matrix(request: PlanRequest, area: MatrixArea) -> Placed:
    """Use the request's own matrix; every location must be an index into it.

    Raises
    ------
    RequestError
        For a location given as a point, or an index outside the matrix.
    """
    n = len(area.travel_time_s)
    problems = []
    indices = []
    for spot in _fields(request):
        location = spot.location
        if not isinstance(location, MatrixIndex):
            problems.append(
                FieldProblem(
                    spot.name, "with a matrix area, give locations as {index}", spot.item_id
                )
            )
        elif location.index >= n:
            problems.append(
                FieldProblem(
                    spot.name,
                    f"index {location.index} is outside the {n} x {n} matrix",
                    spot.item_id,
                )
            )
        else:
            indices.append(location.index)
    if problems:
        raise RequestError(problems)
    matrix = np.asarray(area.travel_time_s, dtype=np.int64)
    distance = None if area.distance_m is None else np.asarray(area.distance_m, dtype=np.float64)
    modes = sorted({shift.mode for shift in request.shifts})
    return Placed(
        area="matrix",
        profiles=dict.fromkeys(modes, 0),
        travel_s=(matrix,),
        points=[None] * n,
        distance_m=distance,
        **_split(indices, request),
    )


def place_on_area(
    request: PlanRequest, area: str, networks: AreaNetworks, *, max_snap_m: float
) -> Placed:
    """Snap every location to the street network of each mode used.

    Raises
    ------
    RequestError
        For a location given as an index, or lying farther than ``max_snap_m`` from every
        network that must reach it (a shift's own mode for its start and end).
    UnknownAreaError
        If the area is not registered.
    """
    fields = _fields(request)
    problems = []
    points: list[Point] = []
    position: dict[tuple[float, float], int] = {}
    indices = []
    for spot in fields:
        if not isinstance(spot.location, Point):
            problems.append(
                FieldProblem(
                    spot.name, "with a named area, give locations as {lat, lon}", spot.item_id
                )
            )
            continue
        key = (spot.location.lat, spot.location.lon)
        if key not in position:
            position[key] = len(points)
            points.append(spot.location)
        indices.append(position[key])
    if problems:
        raise RequestError(problems)

    modes: list[TravelMode] = sorted({shift.mode for shift in request.shifts})
    lats = [p.lat for p in points]
    lons = [p.lon for p in points]
    streets: dict[ModeName, StreetPoints] = {}
    used: dict[ModeName, StreetNetwork] = {}
    distance_by_mode: dict[ModeName, np.ndarray] = {}
    closures: dict[ModeName, tuple[StreetPoints, list[str | None]]] = {}
    for mode in modes:
        network = networks.get(area, mode)
        if request.streets_closed:
            network, on_street, names = close_streets(
                network,
                [p.lat for p in request.streets_closed],
                [p.lon for p in request.streets_closed],
                within_m=max_snap_m,
            )
            closures[mode] = (on_street, names)
        snapped = snap_to_streets(network, lats, lons)
        used[mode] = network
        streets[mode] = snapped
        distance_by_mode[mode] = snapped.snap_m
    off_network = {mode: d > max_snap_m for mode, d in distance_by_mode.items()}
    notices = _check_placement(
        fields,
        [points[i] for i in indices],
        [{mode: float(distance_by_mode[mode][i]) for mode in modes} for i in indices],
        bounds=networks.bounds(area, modes[0]),
        area=area,
        max_snap_m=max_snap_m,
    )
    notices += _closure_notices(closures, max_snap_m=max_snap_m)

    matrices = []
    for mode in modes:
        matrix = street_travel_matrix(used[mode], streets[mode])
        off = off_network[mode]
        matrix[off, :] = UNREACHABLE_S
        matrix[:, off] = UNREACHABLE_S
        np.fill_diagonal(matrix, 0)
        matrices.append(matrix)
    return Placed(
        area=area,
        profiles={mode: i for i, mode in enumerate(modes)},
        travel_s=tuple(matrices),
        points=list(points),
        streets=streets,
        networks=used,
        notices=tuple(notices),
        **_split(indices, request),
    )


def _closure_notices(
    closures: dict[ModeName, tuple[StreetPoints, list[str | None]]], *, max_snap_m: float
) -> list[Notice]:
    """A warning naming each street closed (per network), or an error for a closure
    point far from every street.

    Raises
    ------
    RequestError
        Naming each closure point farther than ``max_snap_m`` from every network used.
    """
    if not closures:
        return []
    count = len(next(iter(closures.values()))[1])
    problems, notices = [], []
    for i in range(count):
        field_name = f"streets_closed[{i}]"
        nearest_m = min(float(on_street.snap_m[i]) for on_street, _ in closures.values())
        if nearest_m > max_snap_m:
            problems.append(
                FieldProblem(
                    field_name,
                    f"the point lies {nearest_m:.0f} m from the nearest street "
                    f"(at most {max_snap_m:.0f} m): no street closed",
                )
            )
            continue
        closed = sorted(
            {
                f"{names[i] or 'an unnamed street'} ({mode})"
                for mode, (on_street, names) in closures.items()
                if on_street.snap_m[i] <= max_snap_m
            }
        )
        notices.append(
            Notice(
                field_name,
                "street_closed",
                f"closed both ways, routes go around it: {', '.join(closed)}",
            )
        )
    if problems:
        raise RequestError(problems)
    return notices


# A location this far from every street its staff can use gets a warning (EYES_MAX_SNAP_M
# makes it an error).
FAR_FROM_STREET_M = 100.0


def _check_placement(
    fields: list[_Field],
    points: list[Point],
    distances_m: list[dict[ModeName, float]],
    *,
    bounds: Bounds,
    area: str,
    max_snap_m: float,
) -> list[Notice]:
    """Errors for locations off every network that must reach them (naming swapped
    coordinates), warnings for locations far from a street or outside the area.

    Raises
    ------
    RequestError
        Naming every location too far from the streets its staff use.
    """
    problems, notices = [], []
    for spot, point, distance in zip(fields, points, distances_m, strict=True):
        nearest = min(distance[mode] for mode in spot.modes)
        reach = "/".join(sorted(spot.modes))
        inside = bounds.contains(point.lat, point.lon)
        if nearest > max_snap_m:
            message = (
                f"location lies {nearest:.0f} m from the nearest street the {reach} network "
                f"of area {area!r} reaches (at most {max_snap_m:.0f} m)"
            )
            if not inside and bounds.contains(point.lon, point.lat):
                message += (
                    f"; latitude and longitude look swapped (lat {point.lon}, lon {point.lat} "
                    "lies in the area)"
                )
            problems.append(FieldProblem(spot.name, message, spot.item_id))
        elif not inside:
            notices.append(
                Notice(
                    spot.name,
                    "outside_area",
                    f"location lies outside area {area!r} ({bounds}): streets beyond it are "
                    "not known, so travel to it may be longer than planned",
                    spot.item_id,
                )
            )
        elif nearest > FAR_FROM_STREET_M:
            notices.append(
                Notice(
                    spot.name,
                    "far_from_street",
                    f"location lies {nearest:.0f} m from the nearest street the {reach} "
                    "network reaches; the stop is placed on that street",
                    spot.item_id,
                )
            )
    if problems:
        raise RequestError(problems)
    return notices
