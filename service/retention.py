"""Retention of personal data: alert texts, staff phones and the console provider's copies
older than ``EYES_RETENTION_DAYS`` are deleted, and burglary records older than
``EYES_INCIDENT_RETENTION_DAYS`` (``eyes retention``, run daily)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from .alerts.models import AlertRecord, ConsoleMessage, OutboxRecord
from .field.models import CheckinRecord, TipRecord
from .incidents.store import IncidentStore
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
            .values(phone=None)
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
    )


def forget_incidents_before(db: SessionSource, cutoff: datetime) -> int:
    """Delete the burglary records of every area dated before ``cutoff``'s local day (their
    own date, or the day their span starts); returns how many went.

    Records are kept longer than alert texts (``EYES_INCIDENT_RETENTION_DAYS``, 730 days by
    default): the forecast looks a year back, and the local-area reports compare with the
    same weeks a year earlier.
    """
    return IncidentStore(db).delete_before(cutoff.astimezone(LOCAL_TZ).date())
