"""An independent check of a solution against its problem, recomputed from the matrices.

It shares no code with the model: it replays each route leg by leg.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .problem import RoutingProblem, TimeWindow
    from .solution import Solution


def _in_windows(start_s: int, windows: tuple[TimeWindow, ...]) -> bool:
    return not windows or any(w.start_s <= start_s <= w.end_s for w in windows)


def check_solution(problem: RoutingProblem, solution: Solution) -> list[str]:
    """Every rule a plan breaks, as sentences; an empty list means feasible.

    Checks: one route per shift from its start to its end location; arrival equals the
    previous departure plus the matrix travel time; starts within windows; dwell and service
    times kept; shifts end on time; mandatory visits served exactly once by an allowed shift;
    hotspots visited at most ``max_visits`` times, ``min_gap_s`` apart; left-out hotspots not
    visited.
    """
    errors: list[str] = []
    if len(solution.routes) != len(problem.shifts):
        return [f"{len(solution.routes)} routes for {len(problem.shifts)} shifts."]
    visit_count: defaultdict[int, int] = defaultdict(int)
    hotspot_starts: defaultdict[int, list[int]] = defaultdict(list)
    for v, route in enumerate(solution.routes):
        shift = problem.shifts[v]
        stops = route.stops
        name = f"route of shift {shift.id!r}"
        if len(stops) < 2 or stops[0].kind != "start" or stops[-1].kind != "end":
            errors.append(f"{name} does not run from a start to an end stop.")
            continue
        if stops[0].location != shift.start_location or stops[-1].location != shift.end_location:
            errors.append(f"{name} does not start and end at the shift's locations.")
        if stops[0].start_s < shift.start_s:
            errors.append(f"{name} leaves before the shift starts.")
        if stops[-1].arrival_s > shift.end_s:
            errors.append(f"{name} ends at {stops[-1].arrival_s} s, after the shift end.")
        travel_total = 0
        for prev, stop in itertools.pairwise(stops):
            leg_s = problem.travel(v, prev.location, stop.location)
            travel_total += leg_s
            if stop.arrival_s != prev.departure_s + leg_s:
                errors.append(f"{name}: arrival at {stop.kind} {stop.ref} is not reachable.")
            if stop.start_s < stop.arrival_s:
                errors.append(f"{name}: {stop.kind} {stop.ref} starts before arrival.")
            if stop.kind == "hotspot":
                hotspot = problem.hotspots[stop.ref]
                if stop.location != hotspot.location:
                    errors.append(f"{name}: hotspot {hotspot.id!r} at the wrong location.")
                if not _in_windows(stop.start_s, hotspot.windows):
                    errors.append(f"{name}: hotspot {hotspot.id!r} outside its windows.")
                if stop.departure_s - stop.start_s != hotspot.dwell_s:
                    errors.append(f"{name}: hotspot {hotspot.id!r} dwell not kept.")
                hotspot_starts[stop.ref].append(stop.start_s)
            elif stop.kind == "visit":
                visit = problem.visits[stop.ref]
                visit_count[stop.ref] += 1
                if stop.location != visit.location:
                    errors.append(f"{name}: visit {visit.id!r} at the wrong location.")
                if not _in_windows(stop.start_s, (visit.window,)):
                    errors.append(f"{name}: visit {visit.id!r} outside its window.")
                if stop.departure_s - stop.start_s != visit.service_s:
                    errors.append(f"{name}: visit {visit.id!r} duration not kept.")
                if v not in problem.eligible_shifts(visit):
                    errors.append(f"{name}: visit {visit.id!r} served by a shift not allowed.")
            elif stop.kind != "end":
                errors.append(f"{name}: a {stop.kind} stop in the middle of the route.")
        if travel_total != route.travel_s:
            errors.append(f"{name}: travel {route.travel_s} s, recomputed {travel_total} s.")
    for i, visit in enumerate(problem.visits):
        if visit_count[i] != 1:
            errors.append(f"mandatory visit {visit.id!r} served {visit_count[i]} times.")
    for h, starts in hotspot_starts.items():
        hotspot = problem.hotspots[h]
        if len(starts) > hotspot.max_visits:
            errors.append(f"hotspot {hotspot.id!r} visited {len(starts)} times.")
        starts.sort()
        if any(b - a < hotspot.min_gap_s for a, b in itertools.pairwise(starts)):
            errors.append(f"hotspot {hotspot.id!r} revisited within {hotspot.min_gap_s} s.")
    for left in solution.left_out:
        if left.hotspot in hotspot_starts:
            errors.append(
                f"hotspot {problem.hotspots[left.hotspot].id!r} both visited and left out."
            )
    return errors
