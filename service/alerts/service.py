"""Creating an alert: idempotency, the checks that need the clock or settings, targeting."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..errors import FieldProblem, RequestError
from ..geo import LocalProjection
from ..i18n import _
from ..timeutil import LOCAL_TZ
from .schemas import AlertAccepted, CircleArea, PolygonArea
from .store import NewAlert, body_hash, coarse_note, count_band
from .targeting import choose_recipients
from .text import MAX_SEGMENTS, segment_count

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..auth.keys import Principal
    from ..config import Settings
    from ..plans.store import PlanStore
    from .models import AlertRecord
    from .schemas import AlertCreate
    from .store import AlertStore

# Plans older than this before the alert starts are not looked at.
PLAN_LOOKBACK = timedelta(days=3)


def _local(moment: datetime) -> datetime:
    """No offset means Copenhagen time."""
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def accepted(record: AlertRecord, *, police: bool = False, floor: int = 3) -> AlertAccepted:
    """The 202 answer for a stored alert; for police a near-route count is a band."""
    if police and record.targeting == "near_route":
        count = record.recipient_count
        return AlertAccepted(
            id=record.id,
            recipients=None,
            recipients_band=count_band(count, floor=floor),
            note=coarse_note(floor) if count < floor else record.note,
        )
    return AlertAccepted(id=record.id, recipients=record.recipient_count, note=record.note)


def equivalent_radius_m(area: CircleArea | PolygonArea) -> float:
    """The radius of a circle as large as ``area`` (a polygon's area in square metres on the
    service's local projection)."""
    if isinstance(area, CircleArea):
        return area.radius_m
    rings = area.coordinates
    outer = rings[0]
    proj = LocalProjection(
        sum(p[1] for p in outer) / len(outer), sum(p[0] for p in outer) / len(outer)
    )

    def ring_area(ring: list[list[float]]) -> float:
        points = proj.xy_many(ring)
        return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(points)) / 2)

    square_m = ring_area(rings[0]) - sum(ring_area(r) for r in rings[1:])
    return math.sqrt(max(0.0, square_m) / math.pi)


def check_alert(
    body: AlertCreate, *, settings: Settings, now: datetime
) -> tuple[datetime, datetime]:
    """The validity as aware datetimes, after the checks a schema cannot make alone.

    Raises
    ------
    RequestError
        Naming each field at fault.
    """
    problems = []
    segments = segment_count(body.text())
    if segments > MAX_SEGMENTS:
        problems.append(
            FieldProblem(
                "message",
                _(
                    "with the area name the SMS needs {segments} segments; at most {most} "
                    "(GSM-7: 306 characters, UCS-2: 134)",
                    segments=segments,
                    most=MAX_SEGMENTS,
                ),
            )
        )
    if isinstance(body.area, CircleArea) and body.area.radius_m > settings.max_alert_radius_m:
        problems.append(
            FieldProblem(
                "area.radius_m",
                _("must be at most {most} m", most=f"{settings.max_alert_radius_m:g}"),
            )
        )
    smallest = settings.min_alert_radius_m
    if equivalent_radius_m(body.area) < smallest:
        # An area this small could single out one home: targeting would locate a visit.
        if isinstance(body.area, CircleArea):
            problems.append(
                FieldProblem(
                    "area.radius_m", _("must be at least {least} m", least=f"{smallest:g}")
                )
            )
        else:
            problems.append(
                FieldProblem(
                    "area.coordinates",
                    _(
                        "the polygon must cover at least a circle of {radius} m radius ({area} m²)",
                        radius=f"{smallest:g}",
                        area=f"{math.pi * smallest**2:,.0f}",
                    ),
                )
            )
    # Years at the calendar's ends overflow any arithmetic or conversion: check them first,
    # by the year alone (which cannot overflow).
    for name, moment in (("valid_from", body.valid_from), ("valid_until", body.valid_until)):
        if moment is not None and abs(moment.year - now.year) > 1:
            problems.append(FieldProblem(name, _("is not a plausible date (over a year away)")))
    if problems:
        raise RequestError(problems)
    valid_from = _local(body.valid_from) if body.valid_from else now.astimezone(LOCAL_TZ)
    valid_until = _local(body.valid_until)
    ahead = timedelta(hours=settings.max_alert_hours)
    if valid_from > now + ahead:
        problems.append(
            FieldProblem(
                "valid_from",
                _("may be at most {hours} hours ahead", hours=settings.max_alert_hours),
            )
        )
    elif valid_until <= now:
        problems.append(FieldProblem("valid_until", _("is in the past")))
    elif valid_until <= valid_from:
        problems.append(FieldProblem("valid_until", _("must be after valid_from")))
    elif valid_until - valid_from > timedelta(hours=settings.max_alert_hours):
        problems.append(
            FieldProblem(
                "valid_until",
                _("an alert may last at most {hours} hours", hours=settings.max_alert_hours),
            )
        )
    if problems:
        raise RequestError(problems)
    return valid_from, valid_until


def find_replay(
    body: AlertCreate, *, principal: Principal, idempotency_key: str | None, store: AlertStore
) -> AlertRecord | None:
    """The alert an earlier request with this idempotency key and body stored, if any.

    Raises
    ------
    IdempotencyConflictError
        If the key was used with another body.
    """
    if idempotency_key is None:
        return None
    existing = store.find_by_key(principal.owner, idempotency_key)
    if existing is None:
        return None
    hash_ = body_hash(body.model_dump(mode="json", exclude_unset=True))
    return store.check_replay(existing, hash_)


def create_alert(
    body: AlertCreate,
    *,
    principal: Principal,
    idempotency_key: str | None,
    store: AlertStore,
    plans: PlanStore,
    settings: Settings,
    now: datetime,
    areas_at_centre: Sequence[str] = (),
) -> tuple[AlertRecord, bool]:
    """Store an alert with its outbox rows; returns the alert and whether it is new.

    Only staff in plans of the areas the key may act on are chosen (every area's for a key
    of every area). ``areas_at_centre`` are the areas whose box holds the alert's centre:
    those the key may act on are recorded as areas the alert concerns, with its
    recipients' plans' areas.

    The same idempotency key with the same body returns the first alert (even once its
    validity is over); with another body it raises ``IdempotencyConflictError``.
    """
    hash_ = body_hash(body.model_dump(mode="json", exclude_unset=True))
    replay = find_replay(body, principal=principal, idempotency_key=idempotency_key, store=store)
    if replay is not None:
        return replay, False
    valid_from, valid_until = check_alert(body, settings=settings, now=now)
    scope = principal.visible()
    recipients = choose_recipients(
        plans.staff_plans_since(valid_from - PLAN_LOOKBACK, areas=scope),
        body.area,
        valid_from,
        valid_until,
        all_on_shift=body.targeting == "all_on_shift",
    )
    alert = NewAlert(
        owner=principal.owner,
        idempotency_key=idempotency_key,
        body_hash=hash_,
        message=body.full_message(),
        area_name=body.area_name,
        area=body.area.model_dump(mode="json"),
        valid_from=valid_from,
        valid_until=valid_until,
        severity=body.severity,
        targeting=body.targeting,
        segments=segment_count(body.text()),
        sms_provider=settings.sms_provider,
        areas=tuple(a for a in areas_at_centre if principal.may_see(a)),
    )
    return store.create(alert, recipients, now=now)
