"""Alerts and their outbox: written together in one transaction, read per recipient.

The outbox protocol (who may send which row, and when) lives in ``outbox.py``.

The same SMS text to the same phone within `DUPLICATE_WINDOW` is sent once, whichever keys
sent the alerts (two police districts alerting about the same van): the later alert's row
for that phone is stored ``merged`` with ``via_id`` naming the earlier row, is never
claimed, and reads as the earlier row's state. It merges only into a row that is sent, or
that will still be sent as long as the later alert is valid (its alert is valid as long),
so no message is lost to the merge; a different text is always sent.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from ..db import aware_utc
from ..timeutil import LOCAL_TZ
from .errors import AlertNotFoundError, IdempotencyConflictError
from .models import AlertAreaRecord, AlertRecord, ConsoleMessage, OutboxRecord
from .schemas import AlertPublic, AlertSummary, RecipientPublic
from .text import mask_phone, sms_text

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from sqlalchemy.engine import Engine

    from .targeting import Recipient

STATUSES = ("queued", "sending", "sent", "delivered", "failed")
MERGED = "merged"
"""The stored status of a row whose text an earlier row already carries to the phone (never
claimed; it reads as the earlier row's state)."""
DUPLICATE_WINDOW = timedelta(minutes=10)
"""The same text to the same phone within this time is sent once."""
MERGED_REASON = "; the same text reached them with an earlier alert"


def text_hash(message: str, area_name: str) -> str:
    """SHA-256 of the SMS text an alert sends (`sms_text`)."""
    return hashlib.sha256(sms_text(message, area_name).encode()).hexdigest()


def body_hash(body: dict[str, Any]) -> str:
    """A stable hash of a request body (keys sorted)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StaffAlert:
    """A police alert as the staff member it was sent to sees it on their page."""

    id: str
    sent_at: datetime
    message: str
    area_name: str
    area: dict[str, Any]
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert ready to store."""

    owner: str
    idempotency_key: str | None
    body_hash: str
    message: str
    area_name: str
    area: dict[str, Any]
    valid_from: datetime
    valid_until: datetime
    severity: str
    targeting: str
    segments: int
    sms_provider: str | None = None
    """The SMS provider configured when the alert was accepted: only a sender for it claims
    the alert's messages."""
    areas: tuple[str, ...] = ()
    """The areas the alert concerns besides its recipients' plans' (where its centre lies);
    a key scoped to areas reads the alerts of its areas."""


def _local(moment: datetime) -> datetime:
    """A stored moment in Copenhagen time, as plans show theirs."""
    return aware_utc(moment).astimezone(LOCAL_TZ)


def count_band(count: int, *, floor: int) -> str:
    """A recipient count as police see it: below ``floor`` only "fewer than N"."""
    if count < floor:
        return f"fewer than {floor}"
    if count < 10:
        return f"{floor}-9"
    return f"{max(10, floor)} or more"


def coarse_note(floor: int) -> str:
    """The note police read for a near-route alert whose count is below the floor."""
    return (
        f"fewer than {floor} staff (possibly none) pass the area in that time; widen the area "
        "or use targeting all_on_shift to reach everyone on shift"
    )


def delivery_progress(counts: Mapping[str, int]) -> str:
    """How far sending has got, in words that hold no number: ``in progress`` while any
    message waits, else ``all sent`` or ``done, some failed``."""
    states = {state for state, n in counts.items() if n}
    if states - {"sent", "delivered", "failed"}:
        return "in progress"
    if "failed" in states:
        return "done, some failed"
    return "all sent"


def _banded(count: int, counts: Mapping[str, int], *, floor: int) -> dict[str, object]:
    """What police read of a near-route alert's reach: the band and how sending goes, never
    a number (a per-recipient row or a per-state count adds up to the exact count the band
    hides), and below the floor not even whether sending goes on."""
    return {
        "recipient_count": None,
        "recipients_band": count_band(count, floor=floor),
        "counts": {},
        "delivery": delivery_progress(counts) if count >= floor else None,
    }


def for_police(alert: AlertPublic, *, floor: int) -> AlertPublic:
    """The alert as a police key reads it (`anonymised`). A near-route alert follows the
    rule of the answer to its creation: its reach only as a band, so no per-recipient
    list and no counts, and below the floor the coarse note: which of 0, 1 or 2 staff pass
    a small area, or whether 5 rather than 9 do, would locate a home-care visit."""
    alert = anonymised(alert)
    if alert.targeting != "near_route" or alert.recipient_count is None:
        return alert
    count = alert.recipient_count
    update = _banded(count, alert.counts, floor=floor) | {"recipients": []}
    if count < floor:
        update["note"] = coarse_note(floor)
    return alert.model_copy(update=update)


def summary_for_police(summary: AlertSummary, *, floor: int) -> AlertSummary:
    """A list line as a police key reads it (see `for_police`)."""
    if summary.targeting != "near_route" or summary.recipient_count is None:
        return summary
    count = summary.recipient_count
    return summary.model_copy(update=_banded(count, summary.counts, floor=floor))


def anonymised(alert: AlertPublic) -> AlertPublic:
    """The alert as police may read it: counts and each recipient's delivery state, but no
    staff ids, phones, plan ids or route times (the reason is cut to its kind)."""
    recipients = [
        r.model_copy(
            update={
                "staff_id": f"recipient-{i}",
                "phone": None,
                "plan_id": None,
                "reason": r.reason.split(":", 1)[0],
            }
        )
        for i, r in enumerate(alert.recipients, start=1)
    ]
    return alert.model_copy(update={"recipients": recipients})


def _earlier_rows(
    session: Session,
    hash_: str,
    phones: Sequence[str],
    *,
    since: datetime,
    valid_until: datetime,
) -> dict[str, str]:
    """Per phone, the earliest row since ``since`` that carries (or will carry) the text
    of ``hash_`` to it: sent or delivered, or still to be sent by an alert valid until at
    least ``valid_until`` (so the merged message is never lost to an earlier expiry)."""
    if not phones:
        return {}
    rows = session.execute(
        select(OutboxRecord.phone, OutboxRecord.id)
        .join(AlertRecord, AlertRecord.id == OutboxRecord.alert_id)
        .where(
            OutboxRecord.text_hash == hash_,
            OutboxRecord.phone.in_(sorted(set(phones))),
            OutboxRecord.queued_at >= since,
            OutboxRecord.via_id.is_(None),
            or_(
                OutboxRecord.status.in_(("sent", "delivered")),
                and_(
                    OutboxRecord.status.in_(("queued", "sending")),
                    AlertRecord.valid_until >= valid_until,
                ),
            ),
        )
        .order_by(OutboxRecord.queued_at.desc())
    ).all()
    return {phone: row_id for phone, row_id in rows if phone is not None}


def _outbox_row(
    alert_id: str,
    recipient: Recipient,
    alert: NewAlert,
    hash_: str,
    via_id: str | None,
    *,
    now: datetime,
) -> OutboxRecord:
    """The outbox row of one recipient: queued, or merged into ``via_id``'s message."""
    reason = recipient.reason + (MERGED_REASON if via_id else "")
    return OutboxRecord(
        id=uuid.uuid4().hex,
        alert_id=alert_id,
        recipient_key=f"{recipient.plan_date.isoformat()}:{recipient.staff_id}",
        staff_id=recipient.staff_id,
        plan_id=recipient.plan_id,
        reason=reason[:200],
        phone=recipient.phone,
        phone_masked=mask_phone(recipient.phone),
        sms_provider=alert.sms_provider,
        status=MERGED if via_id else "queued",
        in_doubt=False,
        receipt_final=False,
        version=0,
        attempts=0,
        next_attempt_at=now,
        queued_at=now,
        area=recipient.area,
        text_hash=hash_,
        via_id=via_id,
    )


def _alert_record(
    alert: NewAlert, *, recipients: int, note: str | None, now: datetime
) -> AlertRecord:
    """The row of a new alert (every moment in UTC: SQLite keeps no offset)."""
    return AlertRecord(
        id=uuid.uuid4().hex,
        created_at=now,
        owner=alert.owner,
        idempotency_key=alert.idempotency_key,
        body_hash=alert.body_hash,
        message=alert.message,
        area_name=alert.area_name,
        area=alert.area,
        valid_from=alert.valid_from.astimezone(UTC),
        valid_until=alert.valid_until.astimezone(UTC),
        severity=alert.severity,
        targeting=alert.targeting,
        segments=alert.segments,
        recipient_count=recipients,
        note=note,
    )


def _in_areas(areas: Collection[str] | None) -> Any:
    """Rows of the recipients in ``areas`` (every row when None)."""
    return True if areas is None else OutboxRecord.area.in_(sorted(areas))


class AlertStore:
    """Alerts, their outbox rows and the console provider's messages."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def find_by_key(self, owner: str, key: str) -> AlertRecord | None:
        """The alert an earlier request with this idempotency key made."""
        with self.sessions() as session:
            return session.scalars(
                select(AlertRecord).where(
                    AlertRecord.owner == owner, AlertRecord.idempotency_key == key
                )
            ).first()

    def create(
        self, alert: NewAlert, recipients: Sequence[Recipient], *, now: datetime
    ) -> tuple[AlertRecord, bool]:
        """Store the alert and one outbox row per recipient in ONE transaction.

        Returns the stored alert and whether it is new. A concurrent request with the same
        idempotency key loses on the unique constraint and gets the winner's alert. A
        recipient whom an earlier alert's identical text reaches (`DUPLICATE_WINDOW`) gets
        a ``merged`` row instead of a second message.

        Raises
        ------
        IdempotencyConflictError
            If the key was used with another body.
        """
        note = (
            None if recipients else "no one to reach: no staff on shift matched the area and time"
        )
        record = _alert_record(alert, recipients=len(recipients), note=note, now=now)
        hash_ = text_hash(alert.message, alert.area_name)
        areas = sorted(set(alert.areas) | {r.area for r in recipients if r.area})
        try:
            with self.sessions() as session, session.begin():
                session.add(record)
                session.flush()
                session.add_all(AlertAreaRecord(alert_id=record.id, area=a) for a in areas)
                earlier = _earlier_rows(
                    session,
                    hash_,
                    [r.phone for r in recipients],
                    since=now - DUPLICATE_WINDOW,
                    valid_until=record.valid_until,
                )
                session.add_all(
                    _outbox_row(record.id, r, alert, hash_, earlier.get(r.phone), now=now)
                    for r in recipients
                )
        except IntegrityError:
            if alert.idempotency_key is None:
                raise
            existing = self.find_by_key(alert.owner, alert.idempotency_key)
            if existing is None:
                raise
            return self.check_replay(existing, alert.body_hash), False
        return record, True

    def create_messages(
        self, alert: NewAlert, messages: Sequence[tuple[Recipient, str]], *, now: datetime
    ) -> AlertRecord:
        """Store a message of its own to each recipient (e.g. a staff member's link) under
        one record of kind ``alert.targeting``, in ONE transaction: they go out through the
        outbox like an alert's, nothing lost, nothing sent twice."""
        record = _alert_record(alert, recipients=len(messages), note=None, now=now)
        with self.sessions() as session, session.begin():
            session.add(record)
            session.flush()
            session.add_all(AlertAreaRecord(alert_id=record.id, area=a) for a in alert.areas)
            for recipient, text in messages:
                row = _outbox_row(
                    record.id,
                    recipient,
                    alert,
                    hashlib.sha256(text.encode()).hexdigest(),
                    None,
                    now=now,
                )
                row.text = text
                session.add(row)
        return record

    @staticmethod
    def check_replay(existing: AlertRecord, hash_: str) -> AlertRecord:
        """``existing`` if the replayed body matches it.

        Raises
        ------
        IdempotencyConflictError
            If it does not.
        """
        if existing.body_hash != hash_:
            msg = "this Idempotency-Key was used for another alert body"
            raise IdempotencyConflictError(msg)
        return existing

    def _alert(
        self,
        session: Session,
        alert_id: str,
        owner: str | None,
        areas: Collection[str] | None = None,
    ) -> AlertRecord:
        record = session.get(AlertRecord, alert_id)
        if record is not None and owner is None and areas is not None:
            concerned = session.scalar(
                select(func.count())
                .select_from(AlertAreaRecord)
                .where(AlertAreaRecord.alert_id == alert_id, AlertAreaRecord.area.in_(areas))
            )
            record = record if concerned else None
        if record is None or (owner is not None and record.owner != owner):
            msg = f"no alert with id {alert_id!r}."
            raise AlertNotFoundError(msg)
        return record

    def sent_to_staff(self, day: date, staff_id: str) -> list[StaffAlert]:
        """The alerts queued for ``staff_id`` on the evening of ``day``, oldest first: what
        their own page shows (message, area; never another recipient)."""
        with self.sessions() as session:
            rows = (
                session.execute(
                    select(AlertRecord)
                    .join(OutboxRecord, OutboxRecord.alert_id == AlertRecord.id)
                    .where(OutboxRecord.recipient_key == f"{day.isoformat()}:{staff_id}")
                    .order_by(AlertRecord.created_at)
                )
                .scalars()
                .all()
            )
        return [
            StaffAlert(
                id=r.id,
                sent_at=aware_utc(r.created_at),
                message=r.message or "",
                area_name=r.area_name,
                area=r.area,
                valid_until=_local(r.valid_until),
            )
            for r in rows
        ]

    def _counts(
        self,
        session: Session,
        alert_ids: Sequence[str],
        areas: Collection[str] | None = None,
    ) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {a: dict.fromkeys(STATUSES, 0) for a in alert_ids}
        via = aliased(OutboxRecord)
        status = func.coalesce(via.status, OutboxRecord.status)  # a merged row reads as its via
        rows = session.execute(
            select(OutboxRecord.alert_id, status, func.count())
            .outerjoin(via, via.id == OutboxRecord.via_id)
            .where(OutboxRecord.alert_id.in_(alert_ids), _in_areas(areas))
            .group_by(OutboxRecord.alert_id, status)
        ).all()
        for alert_id, state, n in rows:
            counts[alert_id][state] = n
        return counts

    def counts(self, alert_id: str) -> dict[str, int]:
        """How many of an alert's recipients are in each state (one cheap query)."""
        with self.sessions() as session:
            return self._counts(session, [alert_id])[alert_id]

    def get(
        self,
        alert_id: str,
        *,
        owner: str | None = None,
        areas: Collection[str] | None = None,
    ) -> AlertPublic:
        """An alert with every recipient's state; ``owner`` limits it to one key's alerts,
        ``areas`` to the alerts concerning those areas (without ``owner``) and to the
        recipients of those areas' plans (the count then is theirs). A merged recipient
        (the same text reached them with an earlier alert) reads as that message's state.

        Raises
        ------
        AlertNotFoundError
            If there is none (or it belongs to someone else, or to other areas).
        """
        with self.sessions() as session:
            record = self._alert(session, alert_id, owner, areas)
            rows = session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.alert_id == alert_id, _in_areas(areas))
                .order_by(OutboxRecord.queued_at, OutboxRecord.staff_id)
            ).all()
            vias = {
                v.id: v
                for v in session.scalars(
                    select(OutboxRecord).where(
                        OutboxRecord.id.in_({r.via_id for r in rows if r.via_id})
                    )
                )
            }
            counts = self._counts(session, [alert_id], areas)[alert_id]
        shown = [vias.get(row.via_id or "", row) for row in rows]
        return AlertPublic(
            id=record.id,
            created_at=aware_utc(record.created_at),
            area_name=record.area_name,
            area=record.area,
            valid_from=_local(record.valid_from),
            valid_until=_local(record.valid_until),
            severity=record.severity,
            targeting=record.targeting,
            message=record.message,
            segments=record.segments,
            recipient_count=record.recipient_count if areas is None else len(rows),
            counts=counts,
            note=record.note,
            recipients=[
                RecipientPublic(
                    staff_id=row.staff_id,
                    phone=row.phone_masked,
                    reason=row.reason,
                    plan_id=row.plan_id,
                    status=sent.status,
                    attempts=sent.attempts,
                    failure_reason=sent.failure_reason,
                    queued_at=aware_utc(row.queued_at),
                    sent_at=aware_utc(sent.sent_at),
                    delivered_at=aware_utc(sent.delivered_at),
                    failed_at=aware_utc(sent.failed_at),
                )
                for row, sent in zip(rows, shown, strict=True)
            ],
        )

    def recent(
        self,
        *,
        owner: str | None = None,
        areas: Collection[str] | None = None,
        limit: int = 20,
    ) -> list[AlertSummary]:
        """The latest alerts, newest first: only ``owner``'s when given, else with ``areas``
        only those concerning them; with ``areas`` counted over those areas' recipients."""
        with self.sessions() as session:
            query = select(AlertRecord).order_by(AlertRecord.created_at.desc()).limit(limit)
            if owner is not None:
                query = query.where(AlertRecord.owner == owner)
            elif areas is not None:
                query = query.where(
                    AlertRecord.id.in_(
                        select(AlertAreaRecord.alert_id).where(
                            AlertAreaRecord.area.in_(sorted(areas))
                        )
                    )
                )
            records = session.scalars(query).all()
            counts = self._counts(session, [r.id for r in records], areas)
        return [
            AlertSummary(
                id=r.id,
                created_at=aware_utc(r.created_at),
                area_name=r.area_name,
                severity=r.severity,
                valid_from=_local(r.valid_from),
                valid_until=_local(r.valid_until),
                targeting=r.targeting,
                recipient_count=r.recipient_count if areas is None else sum(counts[r.id].values()),
                counts=counts[r.id],
            )
            for r in records
        ]

    def console_messages(self) -> list[ConsoleMessage]:
        """Every message the console provider has "sent"."""
        with self.sessions() as session:
            return list(session.scalars(select(ConsoleMessage)).all())
