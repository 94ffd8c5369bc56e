"""Coverage in passing: a hotspot no one stops at still gets some presence when a route runs
along its street, on foot or by bike, while its window is open.

Reported apart from stop coverage (``passed`` and ``summary.weight_passing``); only hotspots
marked ``passing_counts`` qualify, since a stop that needs dwell is not covered by a pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shapely.geometry import Point as ShapelyPoint

from ..geo import LocalProjection
from ..timeutil import LOCAL_TZ
from ..tracks import first_pass, route_track
from .schemas import PassOut
from .store import route_lines

if TYPE_CHECKING:
    from typing import Any

    from .plan_input import PlanInput
    from .schemas import PlanResponse

# Passing by car is too fast to count as presence.
PASSING_MODES = frozenset({"walk", "bike"})


def passes(
    plan: PlanResponse, geojson: dict[str, Any] | None, inp: PlanInput, *, within_m: float
) -> list[PassOut]:
    """The left-out hotspots marked ``passing_counts`` that a walking or cycling route runs
    within ``within_m`` of while a window is open (any time without windows)."""
    hotspots = {h.id: h for h in inp.hotspots}
    lines = route_lines(geojson)
    out = []
    for item in plan.left_out:
        hotspot = hotspots[item.hotspot_id]
        point = inp.point(hotspot.location)
        if not hotspot.passing_counts or point is None:
            continue
        proj = LocalProjection(point[0], point[1])
        area = ShapelyPoint(0.0, 0.0).buffer(within_m)
        spans = [(a.timestamp(), b.timestamp()) for a, b in hotspot.windows] or [
            (route.start.timestamp(), route.end.timestamp()) for route in plan.routes
        ]
        for route in plan.routes:
            if route.mode not in PASSING_MODES or route.staff_id not in lines:
                continue
            track = route_track(route, lines[route.staff_id], proj)
            moment = next(
                (m for lo, hi in spans if (m := first_pass(track, area, lo, hi)) is not None),
                None,
            )
            if moment is not None:
                out.append(
                    PassOut(
                        hotspot_id=hotspot.id,
                        staff_id=route.staff_id,
                        at=datetime_from(moment),
                        weight=hotspot.weight,
                    )
                )
                break
    return out


def datetime_from(posix_s: float) -> datetime:
    """A POSIX time as a Copenhagen datetime."""
    return datetime.fromtimestamp(posix_s, LOCAL_TZ)
