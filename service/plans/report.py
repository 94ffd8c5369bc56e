"""A plan as a short text for people: per staff member the stops, then what was left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..timeutil import hhmm

if TYPE_CHECKING:
    from .schemas import PlanResponse, RouteOut, StopOut

REASON_TEXT = {
    "unreachable_in_window": "no one can reach it in its window",
    "not_enough_time": "not enough time on the shifts",
}


def _stop_line(stop: StopOut) -> str:
    at = hhmm(stop.start)
    if stop.kind == "start":
        return f"  {at}  leave start"
    if stop.kind == "end":
        return f"  {hhmm(stop.arrival)}  back at end"
    wait = f", waited {stop.wait_min:.0f} min" if stop.wait_min >= 1 else ""
    if stop.kind == "visit":
        return f"  {at}  visit {stop.id} ({stop.dwell_min:.0f} min{wait})"
    repeat = f", visit {stop.visit_number}" if (stop.visit_number or 1) > 1 else ""
    return (
        f"  {at}  hotspot {stop.id} (weight {stop.weight:g}, {stop.dwell_min:.0f} min"
        f"{repeat}{wait})"
    )


def _route_block(route: RouteOut) -> list[str]:
    km = "" if route.distance_km is None else f", {route.distance_km:.1f} km"
    head = (
        f"{route.name or route.staff_id} [{route.staff_id}, {route.role}, {route.mode}] "
        f"{hhmm(route.start)}-{hhmm(route.end)}{km}, {route.travel_min:.0f} min travel, "
        f"weight {route.weight_covered:g}"
    )
    return [head, *(_stop_line(stop) for stop in route.stops)]


def warning_lines(plan: PlanResponse) -> list[str]:
    """One ``warning: field (id): message`` line per warning of the plan."""
    return [
        f"warning: {w.field}{'' if w.id is None else f' ({w.id})'}: {w.message}"
        for w in plan.warnings
    ]


def plan_to_text(plan: PlanResponse) -> str:
    """A readable summary of ``plan``."""
    latest = "none" if plan.latest_end is None else f"{plan.latest_end:%H:%M}"
    lines = [
        f"Plan {plan.id} for area {plan.area}, {plan.date:%a %d %b %Y} (latest end {latest})",
        "",
    ]
    if plan.warnings:
        lines += [*warning_lines(plan), ""]
    for route in plan.routes:
        lines += [*_route_block(route), ""]
    summary = plan.summary
    if plan.left_out:
        lines.append(f"Left out ({len(plan.left_out)}):")
        lines += [
            f"  {item.hotspot_id} (weight {item.weight:g}): {REASON_TEXT[item.reason]}"
            for item in plan.left_out
        ]
        lines.append("")
    km = "" if summary.distance_km is None else f", {summary.distance_km:.1f} km"
    ratio = (
        "nothing to cover" if summary.coverage_ratio is None else f"{summary.coverage_ratio:.0%}"
    )
    lines.append(
        f"Visited hotspots worth {summary.weight_visited:g} of {summary.weight_total:g} "
        f"({ratio}); coverage with repeat visits "
        f"{summary.weight_covered:g}; {summary.hotspots_visited} hotspots visited, "
        f"{summary.visits_kept} visits kept, {summary.travel_min:.0f} min travel{km}."
    )
    return "\n".join(lines)
