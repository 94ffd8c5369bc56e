"""The field feature's use cases: a link for a staff member, their page, a check-in or tip
stored once, and the dispatcher's progress. Web-free: the router in ``service.api`` calls
these with the stores."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from ..alerts.store import NewAlert
from ..alerts.targeting import Recipient
from ..errors import FieldProblem, RequestError
from ..i18n import _, staff_language, use_language
from ..timeutil import LOCAL_TZ
from .dosage import CREDIT_RULE, DosageReport, Dose, dosage
from .errors import StaffNotInPlanError
from .schemas import (
    DosageOut,
    FieldAlert,
    FieldView,
    LinkPublic,
    PlanProgress,
    PublishOut,
    PublishSkip,
)
from .view import field_view, staff_progress

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..alerts.store import AlertStore
    from ..config import Settings
    from ..plans.store import PlanStore
    from .store import FieldStore, StaffLink

FUTURE_SLACK = timedelta(minutes=10)
"""A phone's clock may run this far ahead of the server's."""
PAST_SLACK = timedelta(hours=24)
"""How long before its link's evening a check-in or tip may say it happened."""


class ShiftOverError(RuntimeError):
    """A link for a shift that has already ended (plus the margin)."""

    outcome_kind: ClassVar[str] = "conflict"


def create_link(
    *,
    plan_id: str,
    staff_id: str,
    plans: PlanStore,
    field: FieldStore,
    settings: Settings,
    created_by: str | None,
    now: datetime,
) -> LinkPublic:
    """A link for ``staff_id`` on the evening of plan ``plan_id`` (any of its versions),
    living until their shift ends plus ``EYES_FIELD_LINK_MARGIN_MIN``.

    Raises
    ------
    PlanNotFoundError
        No such plan.
    StaffNotInPlanError
        The newest version has no such staff member.
    ShiftOverError
        Their shift has ended (plus the margin).
    """
    lineage = plans.lineage_of(plan_id)
    staff, _version, on_plan = plans.newest_staff_plan(lineage, staff_id)
    if staff is None or not on_plan:
        msg = _("the plan has no staff member {id!r}", id=staff_id)
        raise StaffNotInPlanError(msg)
    end = staff.route.end if staff.route is not None else staff.shift_end
    expires_at = end + timedelta(minutes=settings.field_link_margin_min)
    if expires_at <= now:
        msg = _(
            "the shift of {id!r} ended at {end}: a link would never work",
            id=staff_id,
            end=f"{end.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
        )
        raise ShiftOverError(msg)
    area = plans.get(plan_id).area
    link, token = field.create_link(
        lineage_id=lineage,
        staff_id=staff_id,
        area=area,
        expires_at=expires_at.astimezone(UTC),
        created_by=created_by,
        now=now,
    )
    base = (settings.public_base_url or "").rstrip("/")
    return LinkPublic(
        token=token, url=f"{base}/s/{token}", expires_at=link.expires_at, link_id=link.id
    )


def page_of(
    link: StaffLink, *, plans: PlanStore, field: FieldStore, alerts: AlertStore
) -> FieldView:
    """The staff member's evening as their page shows it (the newest version)."""
    staff, version, on_plan = plans.newest_staff_plan(link.lineage_id, link.staff_id)
    if staff is None:
        raise StaffNotInPlanError(_("the plan has no staff member {id!r}", id=link.staff_id))
    if not on_plan:  # a re-plan took them off: nothing more to do tonight
        staff = replace(staff, route=None, line=None)
    return field_view(
        staff,
        lineage_id=link.lineage_id,
        version=version,
        area=link.area,
        on_plan=on_plan,
        checkins=field.checkins(link.lineage_id, link.staff_id),
        alerts=[
            FieldAlert(
                id=a.id,
                sent_at=a.sent_at,
                message=a.message,
                area_name=a.area_name,
                area=a.area,
                valid_until=a.valid_until,
            )
            for a in alerts.sent_to_staff(staff.day, link.staff_id)
        ],
    )


def when_it_happened(at: datetime, *, link: StaffLink, now: datetime, field_name: str) -> datetime:
    """The aware time a phone says something happened (no offset: Copenhagen time).

    Raises
    ------
    RequestError
        When it lies in the future (beyond a phone clock's slack) or before the evening.
    """
    moment = at.replace(tzinfo=LOCAL_TZ) if at.tzinfo is None else at
    if moment > now + FUTURE_SLACK:
        raise RequestError([FieldProblem(field_name, _("lies in the future"))])
    if moment < link.expires_at - PAST_SLACK - timedelta(hours=12):
        raise RequestError([FieldProblem(field_name, _("lies before this link's evening"))])
    return moment.astimezone(UTC)


def progress_of(plan_id: str, *, plans: PlanStore, field: FieldStore) -> PlanProgress:
    """Per staff member of the newest version: stops done, last position, behind or ahead."""
    plan = plans.newest_version(plan_id)
    lineage = plans.lineage_of(plan_id)
    checkins = field.checkins(lineage)
    return PlanProgress(
        plan_id=plan.id,
        version=plan.version,
        staff=[staff_progress(lineage, route, checkins) for route in plan.routes],
    )


MAX_DOSAGE_DAYS = 366


def dosage_of(
    area: str,
    first: date,
    last: date,
    *,
    plans: PlanStore,
    field: FieldStore,
    local_area_of: Callable[[float, float], str | None],
) -> DosageReport:
    """The dosage of ``area``'s plans from night ``first`` to ``last``.

    Raises
    ------
    RequestError
        When ``last`` is before ``first`` or the span is over a year.
    """
    if last < first:
        raise RequestError([FieldProblem("to", _("must not be before from"))])
    if (last - first).days >= MAX_DOSAGE_DAYS:
        raise RequestError(
            [FieldProblem("to", _("at most {days} nights at once", days=MAX_DOSAGE_DAYS))]
        )
    newest = plans.newest_plans_between(area, first, last)
    checkins = {lineage: field.checkins(lineage) for lineage, _plan in newest}
    return dosage(newest, checkins, local_area_of=local_area_of)


def dosage_out(
    report: DosageReport, *, area: str, first: date, last: date, source: str
) -> DosageOut:
    """The JSON of a dosage report."""

    def dose(d: Dose) -> dict[str, float | int | None]:
        return {
            "planned_visits": d.planned_visits,
            "planned_min": round(d.planned_min, 1),
            "delivered_visits": d.delivered_visits,
            "delivered_min": round(d.delivered_min, 1),
            "delivered_share": None
            if d.planned_min <= 0
            else round(d.delivered_min / d.planned_min, 3),
        }

    return DosageOut.model_validate(
        {
            "area": area,
            "from": first,
            "to": last,
            "rule": CREDIT_RULE,
            "local_areas_from": source,
            "total": dose(report.total),
            "nights": [{"date": day, **dose(d)} for day, d in report.nights.items()],
            "local_areas": [{"name": n, **dose(d)} for n, d in report.local_areas.items()],
            "hotspots": [
                {"id": h.id, "lat": h.lat, "lon": h.lon, "local_area": h.local_area, **dose(h.dose)}
                for h in report.hotspots
            ],
        }
    )


class PublishError(RuntimeError):
    """Links cannot be texted: the service does not know its public address."""

    outcome_kind: ClassVar[str] = "conflict"


def publish_links(
    plan_id: str,
    *,
    plans: PlanStore,
    field: FieldStore,
    alerts: AlertStore,
    settings: Settings,
    owner: str,
    now: datetime,
) -> PublishOut:
    """Text each staff member of the plan's newest version a link of their own, through the
    SMS outbox. A staff member with a live link already texted is skipped (publishing
    again texts only those who joined since); so is one without a phone, or whose shift is
    over. Links are made, their SMS stored in one transaction, then the links marked
    texted: a crash between texts again on the next publish (never loses a link).

    Raises
    ------
    PublishError
        Without ``EYES_PUBLIC_BASE_URL`` (a link in an SMS must be absolute).
    PlanNotFoundError
        No such plan.
    """
    if not settings.public_base_url:
        raise PublishError(
            _("set EYES_PUBLIC_BASE_URL to the service's public address to text links")
        )
    plan = plans.newest_version(plan_id)
    lineage = plans.lineage_of(plan_id)
    already = field.published(lineage, now=now)
    messages: list[tuple[Recipient, str]] = []
    links: list[str] = []
    skipped: list[PublishSkip] = []
    expiry = now
    for route in plan.routes:
        staff_id = route.staff_id
        staff, _version, _on_plan = plans.newest_staff_plan(lineage, staff_id)
        if staff_id in already:
            skipped.append(PublishSkip(staff_id=staff_id, reason="already_texted"))
            continue
        if staff is None or not staff.phone:
            skipped.append(PublishSkip(staff_id=staff_id, reason="no_phone"))
            continue
        try:
            link = create_link(
                plan_id=plan_id,
                staff_id=staff_id,
                plans=plans,
                field=field,
                settings=settings,
                created_by=owner or None,
                now=now,
            )
        except ShiftOverError:
            skipped.append(PublishSkip(staff_id=staff_id, reason="shift_over"))
            continue
        with use_language(staff_language()):
            text = _("{name}, your route tonight: {url}", name=route.name or staff_id, url=link.url)
        messages.append(
            (
                Recipient(
                    staff_id=staff_id,
                    phone=staff.phone,
                    plan_id=plan.id,
                    plan_date=plan.date,
                    reason="staff link",
                    area=plan.area,
                ),
                text,
            )
        )
        if link.link_id is not None:
            links.append(link.link_id)
        expiry = max(expiry, link.expires_at)
    record_id = None
    if messages:
        record = alerts.create_messages(
            NewAlert(
                owner=owner,
                idempotency_key=None,
                body_hash=hashlib.sha256(f"publish:{lineage}".encode()).hexdigest(),
                message=f"staff links of plan {plan.id}",
                area_name=plan.area,
                area={},
                valid_from=now,
                valid_until=expiry,
                severity="info",
                targeting="staff_links",
                segments=1,
                sms_provider=settings.sms_provider,
                areas=(plan.area,),
            ),
            messages,
            now=now,
        )
        record_id = record.id
        field.mark_published(links, now=now)
    return PublishOut(
        message_id=record_id,
        texted=[recipient.staff_id for recipient, _text in messages],
        skipped=skipped,
    )
