"""A plan as a short text for people: per staff member the stops, then what was left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import N_, _, format_day
from ..timeutil import hhmm

if TYPE_CHECKING:
    from .schemas import PlanResponse, RouteOut, StopOut

REASON_TEXT = {
    "unreachable_in_window": N_("no one can reach it in its window"),
    "not_enough_time": N_("not enough time on the shifts"),
}


def _stop_line(stop: StopOut) -> str:
    at = hhmm(stop.start)
    if stop.kind == "start":
        return "  " + _("{at}  leave start", at=at)
    if stop.kind == "end":
        return "  " + _("{at}  back at end", at=hhmm(stop.arrival))
    wait = _(", waited {min} min", min=f"{stop.wait_min:.0f}") if stop.wait_min >= 1 else ""
    dwell = f"{stop.dwell_min:.0f}"
    if stop.kind == "visit":
        return "  " + _(
            "{at}  visit {id} ({min} min{wait})", at=at, id=stop.id, min=dwell, wait=wait
        )
    repeat = _(", visit {n}", n=stop.visit_number) if (stop.visit_number or 1) > 1 else ""
    return "  " + _(
        "{at}  hotspot {id} (weight {weight}, {min} min{repeat}{wait})",
        at=at,
        id=stop.id,
        weight=f"{stop.weight:g}",
        min=dwell,
        repeat=repeat,
        wait=wait,
    )


def _route_block(route: RouteOut) -> list[str]:
    km = "" if route.distance_km is None else f", {route.distance_km:.1f} km"
    head = _(
        "{name} [{id}, {role}, {mode}] {start}-{end}{km}, {travel} min travel, weight {weight}",
        name=route.name or route.staff_id,
        id=route.staff_id,
        role=route.role,
        mode=route.mode,
        start=hhmm(route.start),
        end=hhmm(route.end),
        km=km,
        travel=f"{route.travel_min:.0f}",
        weight=f"{route.weight_covered:g}",
    )
    return [head, *(_stop_line(stop) for stop in route.stops)]


def warning_lines(plan: PlanResponse) -> list[str]:
    """One ``warning: field (id): message`` line per warning of the plan."""
    return [
        _(
            "warning: {field}: {message}",
            field=w.field if w.id is None else f"{w.field} ({w.id})",
            message=w.message,
        )
        for w in plan.warnings
    ]


def plan_to_text(plan: PlanResponse) -> str:
    """A readable summary of ``plan``."""
    latest = _("none") if plan.latest_end is None else f"{plan.latest_end:%H:%M}"
    lines = [
        _(
            "Plan {id} for area {area}, {day} (latest end {latest})",
            id=plan.id,
            area=plan.area,
            day=format_day(plan.date),
            latest=latest,
        ),
        "",
    ]
    if plan.warnings:
        lines += [*warning_lines(plan), ""]
    for route in plan.routes:
        lines += [*_route_block(route), ""]
    summary = plan.summary
    if plan.left_out:
        lines.append(_("Left out ({n}):", n=len(plan.left_out)))
        lines += [
            "  "
            + _(
                "{id} (weight {weight}): {reason}",
                id=item.hotspot_id,
                weight=f"{item.weight:g}",
                reason=_(REASON_TEXT[item.reason]),
            )
            for item in plan.left_out
        ]
        lines.append("")
    km = "" if summary.distance_km is None else f", {summary.distance_km:.1f} km"
    ratio = (
        _("nothing to cover") if summary.coverage_ratio is None else f"{summary.coverage_ratio:.0%}"
    )
    lines.append(
        _(
            "Visited hotspots worth {visited} of {total} ({ratio}); coverage with repeat "
            "visits {covered}; {hotspots} hotspots visited, {visits} visits kept, {travel} "
            "min travel{km}.",
            visited=f"{summary.weight_visited:g}",
            total=f"{summary.weight_total:g}",
            ratio=ratio,
            covered=f"{summary.weight_covered:g}",
            hotspots=summary.hotspots_visited,
            visits=summary.visits_kept,
            travel=f"{summary.travel_min:.0f}",
            km=km,
        )
    )
    return "\n".join(lines)
