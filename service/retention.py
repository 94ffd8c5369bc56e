"""Retention of personal data: alert texts, staff phones, the console provider's copies,
home-care clients' locations and times, and what the staff sent from the field, older
than ``EYES_RETENTION_DAYS``, are deleted, and burglary records older than
``EYES_INCIDENT_RETENTION_DAYS`` (``eyes retention``, run daily).

A client visit leaves no trace of where or when: it goes from every stored copy (the
request, the plan's routes, its GeoJSON, the staff rows alerts read, the jobs' requests);
a route that made a visit loses its street line (it leads to the client's door). The
figures stay: weight covered, kilometres, minutes, counts (``summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from .alerts.models import AlertRecord, ConsoleMessage, OutboxRecord
from .field.models import CheckinRecord, TipRecord
from .incidents.store import IncidentStore
from .jobs.models import JobRecord
from .plans.store import PlanRecord, PlanStaffRecord
from .timeutil import LOCAL_TZ

if TYPE_CHECKING:
    from .db import SessionSource


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many alerts lost their text, plans their staff phones, tips their text and
    place, and check-ins their place."""

    alerts: int
    plans: int
    tips: int = 0
    checkins: int = 0
    visits: int = 0
    """Stored plans and jobs whose client visits were removed."""


def retention_cutoff(now: datetime, days: int) -> datetime:
    """The moment before which personal data goes."""
    return now - timedelta(days=days)


def forget_before(db: SessionSource, cutoff: datetime) -> Forgotten:
    """Drop what identifies people in everything created before ``cutoff``, in one
    transaction: alert texts, recipients' phone numbers, the phones in stored plan requests
    the console provider's copies of messages, and the staff's tips (text and place) and
    check-in positions (what was checked in and when stays: the dosage counts it)."""
    with db.sessions() as session, session.begin():
        old = select(AlertRecord.id).where(AlertRecord.created_at < cutoff)
        result = session.execute(
            update(AlertRecord)
            .where(AlertRecord.created_at < cutoff, AlertRecord.message.is_not(None))
            .values(message=None)
        )
        alerts = int(getattr(result, "rowcount", 0) or 0)
        session.execute(
            update(OutboxRecord)
            .where(OutboxRecord.alert_id.in_(old), OutboxRecord.phone.is_not(None))
            .values(phone=None, text=None)
        )
        session.execute(delete(ConsoleMessage).where(ConsoleMessage.created_at < cutoff))
        session.execute(
            update(PlanStaffRecord)
            .where(PlanStaffRecord.created_at < cutoff, PlanStaffRecord.phone.is_not(None))
            .values(phone=None)
        )
        plans = 0
        for plan in session.scalars(select(PlanRecord).where(PlanRecord.created_at < cutoff)):
            shifts = plan.request.get("shifts", [])
            if any(s.get("phone") for s in shifts):
                request = dict(plan.request)
                request["shifts"] = [{**s, "phone": None} for s in shifts]
                plan.request = request
                plans += 1
        visits = 0
        for plan in session.scalars(select(PlanRecord).where(PlanRecord.created_at < cutoff)):
            request, kept_request = _request_without_visits(plan.request)
            answer, kept_answer = _plan_without_visits(plan.plan)
            if kept_request and kept_answer:
                continue
            plan.request, plan.plan = request, answer
            if not kept_answer:
                plan.geojson = _geojson_without_visits(plan.geojson)
            visits += 1
        for row in session.scalars(
            select(PlanStaffRecord).where(PlanStaffRecord.created_at < cutoff)
        ):
            if row.route is not None and _has_visits(row.route):
                row.route = _route_without_visits(row.route)
                row.line = None
        for job in session.scalars(select(JobRecord).where(JobRecord.created_at < cutoff)):
            stored = job.request
            inner = stored.get("replan")
            if isinstance(inner, dict):
                cleaned, kept = _request_without_visits(inner, lists=REPLAN_VISIT_LISTS)
                if not kept:
                    job.request = {**stored, "replan": cleaned}
                    visits += 1
            else:
                cleaned, kept = _request_without_visits(stored)
                if not kept:
                    job.request = cleaned
                    visits += 1
        tips = session.execute(
            update(TipRecord)
            .where(
                TipRecord.received_at < cutoff,
                (TipRecord.text != "") | TipRecord.lat.is_not(None),
            )
            .values(text="", lat=None, lon=None)
        )
        checkins = session.execute(
            update(CheckinRecord)
            .where(CheckinRecord.received_at < cutoff, CheckinRecord.lat.is_not(None))
            .values(lat=None, lon=None)
        )
    return Forgotten(
        alerts=alerts,
        plans=plans,
        tips=int(getattr(tips, "rowcount", 0) or 0),
        checkins=int(getattr(checkins, "rowcount", 0) or 0),
        visits=visits,
    )


VISIT_LISTS = ("visits",)
REPLAN_VISIT_LISTS = ("visits_added", "positions")


def _request_without_visits(
    request: dict[str, Any], *, lists: tuple[str, ...] = VISIT_LISTS
) -> tuple[dict[str, Any], bool]:
    """A stored request with its visits (and a shift's fixed visits) reduced to their
    count; returns it and whether it was clean already. A re-plan's positions go too
    (a home-care worker's position is a client's door)."""
    cleaned = dict(request)
    kept = True
    for name in lists:
        if cleaned.get(name):
            cleaned[name] = []
            kept = False
    shifts = cleaned.get("shifts")
    if isinstance(shifts, list) and any(s.get("fixed_visits") for s in shifts):
        cleaned["shifts"] = [{**s, "fixed_visits": []} for s in shifts]
        kept = False
    for list_name in ("staff_joining",):
        joining = cleaned.get(list_name)
        if isinstance(joining, list) and any(s.get("fixed_visits") for s in joining):
            cleaned[list_name] = [{**s, "fixed_visits": []} for s in joining]
            kept = False
    if not kept:
        cleaned["client_visits_forgotten"] = True
    return cleaned, kept


def _has_visits(route: dict[str, Any]) -> bool:
    return any(stop.get("kind") == "visit" for stop in route.get("stops", []))


def _route_without_visits(route: dict[str, Any]) -> dict[str, Any]:
    return {**route, "stops": [s for s in route.get("stops", []) if s.get("kind") != "visit"]}


def _plan_without_visits(plan: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A stored plan answer without its visit stops (the summary keeps the counts)."""
    routes = plan.get("routes", [])
    if not any(_has_visits(route) for route in routes):
        return plan, True
    return {**plan, "routes": [_route_without_visits(r) for r in routes]}, False


def _geojson_without_visits(geojson: dict[str, Any] | None) -> dict[str, Any] | None:
    """The GeoJSON without visit stops and without the lines of routes that made one."""
    if not geojson:
        return geojson
    features = geojson.get("features", [])
    visiting = {
        f["properties"].get("staff_id")
        for f in features
        if f.get("properties", {}).get("kind") == "visit"
    }
    kept = [
        f
        for f in features
        if f.get("properties", {}).get("kind") != "visit"
        and not (
            f.get("properties", {}).get("feature") == "route"
            and f["properties"].get("staff_id") in visiting
        )
    ]
    return {**geojson, "features": kept}


def forget_incidents_before(db: SessionSource, cutoff: datetime) -> int:
    """Delete the burglary records of every area dated before ``cutoff``'s local day (their
    own date, or the day their span starts); returns how many went.

    Records are kept longer than alert texts (``EYES_INCIDENT_RETENTION_DAYS``, 730 days by
    default): the forecast looks a year back, and the local-area reports compare with the
    same weeks a year earlier.
    """
    return IncidentStore(db).delete_before(cutoff.astimezone(LOCAL_TZ).date())
