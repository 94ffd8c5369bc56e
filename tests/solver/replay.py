"""An independent replay of solver routes from the matrix, for tests only.

Deliberately written apart from ``solver.feasibility``: it recomputes the earliest times
leg by leg and checks them against what the solver reported.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver import RoutingProblem, Solution


def assert_feasible(problem: RoutingProblem, solution: Solution) -> None:
    """Fail the test on any broken rule of the plan."""
    assert len(solution.routes) == len(problem.shifts)
    served: Counter[int] = Counter()
    hotspot_times: dict[int, list[int]] = {}
    for v, route in enumerate(solution.routes):
        shift = problem.shifts[v]
        matrix = problem.travel_s[shift.profile]
        kinds = [stop.kind for stop in route.stops]
        assert kinds[0] == "start"
        assert kinds[-1] == "end"
        assert route.stops[0].location == shift.start_location
        assert route.stops[-1].location == shift.end_location
        clock = route.stops[0].start_s
        assert clock >= shift.start_s
        here = shift.start_location
        for stop in route.stops[1:]:
            clock += int(matrix[here, stop.location])
            assert stop.arrival_s == clock, "arrival differs from the matrix replay"
            assert stop.start_s >= clock, "service starts before arrival"
            clock = stop.start_s
            if stop.kind == "hotspot":
                hotspot = problem.hotspots[stop.ref]
                assert stop.location == hotspot.location
                assert not hotspot.windows or any(
                    w.start_s <= clock <= w.end_s for w in hotspot.windows
                )
                clock += hotspot.dwell_s
                hotspot_times.setdefault(stop.ref, []).append(stop.start_s)
            elif stop.kind == "visit":
                visit = problem.visits[stop.ref]
                assert stop.location == visit.location
                assert visit.window.start_s <= clock <= visit.window.end_s
                assert visit.shifts is None or v in visit.shifts
                clock += visit.service_s
                served[stop.ref] += 1
            assert stop.departure_s == clock
            here = stop.location
        assert clock <= shift.end_s, f"shift {shift.id} ends late"
    assert all(served[i] == 1 for i in range(len(problem.visits))), "a mandatory visit lost"
    for h, times in hotspot_times.items():
        hotspot = problem.hotspots[h]
        assert len(times) <= hotspot.max_visits
        times.sort()
        assert all(b - a >= hotspot.min_gap_s for a, b in itertools.pairwise(times))
    left = {item.hotspot for item in solution.left_out}
    assert left.isdisjoint(hotspot_times)
    assert left | set(hotspot_times) == set(range(len(problem.hotspots)))
