"""An independent check of a solution against its problem, recomputed from the matrices.

It shares no code with the model: it replays each route leg by leg.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .problem import RoutingProblem, TimeWindow
    from .solution import Route, Solution, Stop


def _in_windows(start_s: int, windows: tuple[TimeWindow, ...]) -> bool:
    return not windows or any(w.start_s <= start_s <= w.end_s for w in windows)


class _Replay:
    """Collects violations while replaying the routes of one solution."""

    def __init__(self, problem: RoutingProblem) -> None:
        self.problem = problem
        self.errors: list[str] = []
        self.visit_count: defaultdict[int, int] = defaultdict(int)
        self.hotspot_stops: defaultdict[int, list[Stop]] = defaultdict(list)

    def route(self, v: int, route: Route) -> None:
        shift = self.problem.shifts[v]
        stops = route.stops
        name = f"route of shift {shift.id!r}"
        if route.shift != v:
            self.errors.append(f"{name} is labelled as shift {route.shift}.")
        if len(stops) < 2 or stops[0].kind != "start" or stops[-1].kind != "end":
            self.errors.append(f"{name} does not run from a start to an end stop.")
            return
        if any(stop.kind not in ("hotspot", "visit") for stop in stops[1:-1]):
            self.errors.append(f"{name} has a start or end stop in the middle.")
            return
        first, last = stops[0], stops[-1]
        if first.location != shift.start_location or last.location != shift.end_location:
            self.errors.append(f"{name} does not start and end at the shift's locations.")
        if first.start_s < shift.start_s or first.departure_s < first.start_s:
            self.errors.append(f"{name} leaves before the shift starts.")
        if last.arrival_s > shift.end_s:
            self.errors.append(f"{name} ends at {last.arrival_s} s, after the shift end.")
        travel_total = 0
        for prev, stop in itertools.pairwise(stops):
            leg_s = self.problem.travel(v, prev.location, stop.location)
            travel_total += leg_s
            if stop.arrival_s != prev.departure_s + leg_s:
                self.errors.append(f"{name}: arrival at {stop.kind} {stop.ref} is not reachable.")
            if stop.start_s < stop.arrival_s:
                self.errors.append(f"{name}: {stop.kind} {stop.ref} starts before arrival.")
            if stop.kind == "hotspot":
                self.hotspot(name, stop)
            elif stop.kind == "visit":
                self.visit(name, v, stop)
        if travel_total != route.travel_s:
            self.errors.append(f"{name}: travel {route.travel_s} s, recomputed {travel_total} s.")

    def hotspot(self, name: str, stop: Stop) -> None:
        if not 0 <= stop.ref < len(self.problem.hotspots):
            self.errors.append(f"{name}: hotspot {stop.ref} does not exist.")
            return
        hotspot = self.problem.hotspots[stop.ref]
        if stop.location != hotspot.location:
            self.errors.append(f"{name}: hotspot {hotspot.id!r} at the wrong location.")
        if not _in_windows(stop.start_s, hotspot.windows):
            self.errors.append(f"{name}: hotspot {hotspot.id!r} outside its windows.")
        if stop.departure_s - stop.start_s != hotspot.dwell_s:
            self.errors.append(f"{name}: hotspot {hotspot.id!r} dwell not kept.")
        self.hotspot_stops[stop.ref].append(stop)

    def visit(self, name: str, v: int, stop: Stop) -> None:
        if not 0 <= stop.ref < len(self.problem.visits):
            self.errors.append(f"{name}: visit {stop.ref} does not exist.")
            return
        visit = self.problem.visits[stop.ref]
        self.visit_count[stop.ref] += 1
        if stop.location != visit.location:
            self.errors.append(f"{name}: visit {visit.id!r} at the wrong location.")
        if not _in_windows(stop.start_s, (visit.window,)):
            self.errors.append(f"{name}: visit {visit.id!r} outside its window.")
        if stop.departure_s - stop.start_s != visit.service_s:
            self.errors.append(f"{name}: visit {visit.id!r} duration not kept.")
        if v not in self.problem.eligible_shifts(visit):
            self.errors.append(f"{name}: visit {visit.id!r} served by a shift not allowed.")

    def sequences(self, solution: Solution) -> None:
        for v, shift in enumerate(self.problem.shifts):
            if not shift.sequence:
                continue
            served = [s.ref for s in solution.routes[v].stops if s.kind == "visit"]
            in_order = [ref for ref in served if ref in shift.sequence]
            if in_order != list(shift.sequence):
                self.errors.append(
                    f"route of shift {shift.id!r} does not keep its fixed visits in order."
                )

    def totals(self, solution: Solution) -> None:
        problem = self.problem
        for i, visit in enumerate(problem.visits):
            if self.visit_count[i] != 1:
                self.errors.append(
                    f"mandatory visit {visit.id!r} served {self.visit_count[i]} times."
                )
        for h, stops in self.hotspot_stops.items():
            hotspot = problem.hotspots[h]
            if len(stops) > hotspot.max_visits:
                self.errors.append(f"hotspot {hotspot.id!r} visited {len(stops)} times.")
            starts = sorted(s.start_s for s in stops)
            if any(b - a < hotspot.min_gap_s for a, b in itertools.pairwise(starts)):
                self.errors.append(
                    f"hotspot {hotspot.id!r} revisited within {hotspot.min_gap_s} s."
                )
            numbers = sorted(s.visit_number for s in stops)
            if len(stops) <= hotspot.max_visits and (
                numbers != list(range(1, len(stops) + 1))
                or any(
                    not math.isclose(s.value, hotspot.visit_value(s.visit_number)) for s in stops
                )
            ):
                self.errors.append(f"hotspot {hotspot.id!r} visits claim the wrong values.")
        left = [item.hotspot for item in solution.left_out]
        if len(set(left)) != len(left) or any(not 0 <= h < len(problem.hotspots) for h in left):
            self.errors.append("left-out hotspots are repeated or do not exist.")
        for h in set(left) & set(self.hotspot_stops):
            self.errors.append(f"hotspot {problem.hotspots[h].id!r} both visited and left out.")
        unaccounted = set(range(len(problem.hotspots))) - set(left) - set(self.hotspot_stops)
        for h in sorted(unaccounted):
            self.errors.append(
                f"hotspot {problem.hotspots[h].id!r} neither visited nor listed as left out."
            )


def check_solution(problem: RoutingProblem, solution: Solution) -> list[str]:
    """Every rule a plan breaks, as sentences; an empty list means feasible.

    Checks: one route per shift from its start to its end location; arrival equals the
    previous departure plus the matrix travel time; starts within windows; dwell and service
    times kept; shifts end on time; mandatory visits served exactly once by an allowed shift,
    each shift's fixed sequence in its order;
    hotspots visited at most ``max_visits`` times, ``min_gap_s`` apart, each visit claiming
    its own value; every hotspot either visited or listed as left out, never both.
    """
    if len(solution.routes) != len(problem.shifts):
        return [f"{len(solution.routes)} routes for {len(problem.shifts)} shifts."]
    replay = _Replay(problem)
    for v, route in enumerate(solution.routes):
        replay.route(v, route)
    replay.sequences(solution)
    replay.totals(solution)
    return replay.errors
