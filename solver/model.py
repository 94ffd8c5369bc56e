"""The OR-Tools routing model. All index juggling stays in this module.

Routing nodes: for each shift a start node and an end node, then one node per possible
visit of each hotspot (``max_visits`` copies), then one node per mandatory visit.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp

from .coverage import hotspot_penalties, travel_bound_s, visit_penalty, weight_units

if TYPE_CHECKING:
    from .problem import RoutingProblem, TimeWindow
    from .solution import StopKind


@dataclass(frozen=True, slots=True)
class Node:
    """What one routing node stands for."""

    kind: StopKind
    ref: int
    location: int
    service_s: int
    windows: tuple[TimeWindow, ...] = ()
    visit_number: int = 0
    value: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class RoutingModel:
    """An OR-Tools routing model with the tables needed to read its solutions."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    nodes: tuple[Node, ...]


def _nodes(problem: RoutingProblem, *, seed: int) -> list[Node]:
    nodes = [Node("start", i, s.start_location, 0) for i, s in enumerate(problem.shifts)]
    nodes += [Node("end", i, s.end_location, 0) for i, s in enumerate(problem.shifts)]
    optional = [
        Node("hotspot", i, h.location, h.dwell_s, h.windows, k, h.visit_value(k))
        for i, h in enumerate(problem.hotspots)
        for k in range(1, h.max_visits + 1)
    ]
    optional += [
        Node("visit", i, v.location, v.service_s, (v.window,)) for i, v in enumerate(problem.visits)
    ]
    # The order of nodes steers the construction heuristics: vary it by seed.
    random.Random(seed).shuffle(optional)
    return nodes + optional


def _set_windows(cumul: pywrapcp.IntVar, windows: tuple[TimeWindow, ...], horizon_s: int) -> bool:
    """Restrict ``cumul`` to the union of ``windows``; False if none lies within the horizon."""
    clipped = sorted((max(0, w.start_s), min(horizon_s, w.end_s)) for w in windows if w.end_s >= 0)
    clipped = [(a, b) for a, b in clipped if a <= b]
    if not clipped:
        return False
    cumul.SetRange(clipped[0][0], max(b for _, b in clipped))
    reach = clipped[0][1]
    for a, b in clipped[1:]:
        if a > reach + 1:
            cumul.RemoveInterval(reach + 1, a - 1)
        reach = max(reach, b)
    return True


def build_routing_model(
    problem: RoutingProblem,
    *,
    seed: int = 0,
    vary_weight: float = 0.0,
    balance_weight_per_hour: float = 0.0,
) -> RoutingModel:
    """Build the routing model of ``problem``.

    Parameters
    ----------
    problem
        The problem to model.
    seed
        Shuffles the optional nodes, which varies the first solution.
    vary_weight
        Coverage weight a visit to a hotspot in the shift's ``familiar`` set costs.
    balance_weight_per_hour
        Coverage weight worth an hour less busy time on the longest route.

    Returns
    -------
    RoutingModel
        The model, ready to solve.
    """
    shifts = problem.shifts
    num_shifts = len(shifts)
    nodes = _nodes(problem, seed=seed)
    manager = pywrapcp.RoutingIndexManager(
        len(nodes), num_shifts, list(range(num_shifts)), list(range(num_shifts, 2 * num_shifts))
    )
    routing = pywrapcp.RoutingModel(manager)

    # Node-by-node matrices per travel profile, in routing *node* order.
    locations = np.array([node.location for node in nodes], dtype=np.int64)
    service = np.array([node.service_s for node in nodes], dtype=np.int64)
    horizon_s = max(shift.end_s for shift in shifts)
    cost_callbacks: dict[int, int] = {}
    time_callbacks: dict[int, int] = {}
    travels: dict[int, np.ndarray] = {}
    for profile in sorted({shift.profile for shift in shifts}):
        travel = problem.travel_s[profile][np.ix_(locations, locations)]
        travel = np.minimum(travel, horizon_s + 1)  # beyond the horizon means unreachable
        travels[profile] = travel
        cost_callbacks[profile] = routing.RegisterTransitMatrix(travel.tolist())
        time_callbacks[profile] = routing.RegisterTransitMatrix(
            (travel + service[:, None]).tolist()
        )
    scale = travel_bound_s(problem) + 1
    for v, shift in enumerate(shifts):
        familiar = problem.familiar[v] if problem.familiar and vary_weight > 0 else frozenset()
        if familiar:
            # Arriving at a hotspot this staff member visited last night costs coverage.
            repeat = np.array(
                [node.kind == "hotspot" and node.ref in familiar for node in nodes], dtype=bool
            )
            cost = travels[shift.profile] + repeat[None, :] * (weight_units(vary_weight) * scale)
            routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(cost.tolist()), v)
        else:
            routing.SetArcCostEvaluatorOfVehicle(cost_callbacks[shift.profile], v)
        if shift.start_location != shift.end_location:
            # A shift with no stops still goes from its start to its end, and the plan's
            # travel counts that leg: OR-Tools counts an empty route as free unless told.
            routing.SetVehicleUsedWhenEmpty(True, v)
    routing.AddDimensionWithVehicleTransits(
        [time_callbacks[shift.profile] for shift in shifts],
        horizon_s,  # waiting allowed
        horizon_s,
        False,
        "time",
    )
    time = routing.GetDimensionOrDie("time")
    if balance_weight_per_hour > 0:
        # Busy time (travel and stops, no waiting) from 0 at each start: its global span is
        # the longest route's busy time, which the objective then weighs against coverage.
        routing.AddDimensionWithVehicleTransits(
            [time_callbacks[shift.profile] for shift in shifts], 0, horizon_s, True, "work"
        )
        work = routing.GetDimensionOrDie("work")
        work.SetGlobalSpanCostCoefficient(
            max(1, round(weight_units(balance_weight_per_hour) * scale / 3600))
        )

    for v, shift in enumerate(shifts):
        time.CumulVar(routing.Start(v)).SetRange(shift.start_s, shift.end_s)
        time.CumulVar(routing.End(v)).SetRange(shift.start_s, shift.end_s)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))

    penalties = hotspot_penalties(problem)
    mandatory_penalty = visit_penalty(problem, sum(map(sum, penalties)))
    copies: dict[tuple[int, int], int] = {}
    visit_index: dict[int, int] = {}
    solver = routing.solver()
    for node_id, node in enumerate(nodes):
        if node.kind in ("start", "end"):
            continue
        index = manager.NodeToIndex(node_id)
        cumul = time.CumulVar(index)
        if node.kind == "hotspot":
            copies[node.ref, node.visit_number] = index
            penalty = penalties[node.ref][node.visit_number - 1]
            routing.AddDisjunction([index], penalty)
            if node.windows and not _set_windows(cumul, node.windows, horizon_s):
                routing.ActiveVar(index).SetValue(0)  # no window within any shift
        else:
            visit = problem.visits[node.ref]
            _set_windows(cumul, node.windows, horizon_s)
            routing.AddDisjunction([index], mandatory_penalty)
            visit_index[node.ref] = index
            eligible = problem.eligible_shifts(visit)
            if len(eligible) < num_shifts:
                # -1 keeps the node droppable; the drop is then reported as a conflict.
                routing.VehicleVar(index).SetValues([-1, *eligible])
        routing.AddToAssignment(time.SlackVar(index))

    # Fixed sequences: each visit starts after the one before it has been served.
    for shift in shifts:
        for a, b in itertools.pairwise(shift.sequence):
            solver.Add(
                time.CumulVar(visit_index[b])
                >= time.CumulVar(visit_index[a]) + problem.visits[a].service_s
            )

    # Repeat visits of a hotspot: visit k+1 only after visit k, at least min_gap_s later.
    for h, hotspot in enumerate(problem.hotspots):
        for k in range(1, hotspot.max_visits):
            first, second = copies[h, k], copies[h, k + 1]
            solver.Add(routing.ActiveVar(second) <= routing.ActiveVar(first))
            solver.Add(
                time.CumulVar(second)
                >= time.CumulVar(first) + routing.ActiveVar(second) * hotspot.min_gap_s
            )
    return RoutingModel(manager, routing, time, tuple(nodes))
