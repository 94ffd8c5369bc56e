"""Alerts and their outbox: written together in one transaction, read per recipient.

The outbox protocol (who may send which row, and when) lives in ``outbox.py``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..store import Base, PlanRecord
from ..timeutil import LOCAL_TZ
from .errors import AlertNotFoundError, IdempotencyConflictError
from .models import RECIPIENT_KEY_LENGTH, AlertRecord, ConsoleMessage, OutboxRecord
from .schemas import AlertPublic, AlertSummary, RecipientPublic
from .text import mask_phone

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine

    from .targeting import Recipient

STATUSES = ("queued", "sending", "sent", "delivered", "failed")


def body_hash(body: dict[str, Any]) -> str:
    """A stable hash of a request body (keys sorted)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


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


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _local(moment: datetime) -> datetime:
    """A stored moment in Copenhagen time, as plans show theirs."""
    return (_aware(moment) or moment).astimezone(LOCAL_TZ)


def upgrade_schema(engine: Engine) -> None:
    """Bring an outbox table made by an earlier version up to date (``create_all`` only
    creates missing tables): add ``in_doubt_since``; widen ``recipient_key`` (it was 64
    characters, too short for a date and a 64-character staff id)."""
    table = OutboxRecord.__tablename__
    schema = engine.get_execution_options().get("schema_translate_map", {}).get(None)
    found = {c["name"]: c for c in inspect(engine).get_columns(table, schema=schema)}
    columns = set(found)
    name = f'"{schema}".{table}' if schema else table
    if "in_doubt_since" not in columns:
        kind = "TIMESTAMP WITH TIME ZONE" if engine.dialect.name == "postgresql" else "DATETIME"
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {name} ADD COLUMN in_doubt_since {kind}"))
    length = getattr(found["recipient_key"]["type"], "length", None)
    if engine.dialect.name == "postgresql" and (length or 0) < RECIPIENT_KEY_LENGTH:
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"ALTER TABLE {name} ALTER COLUMN recipient_key "
                    f"TYPE VARCHAR({RECIPIENT_KEY_LENGTH})"
                )
            )


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


class AlertStore:
    """Alerts, their outbox rows and the console provider's messages."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)
        upgrade_schema(engine)
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def plans_since(self, since: datetime) -> list[PlanRecord]:
        """Stored plans created at or after ``since``."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(PlanRecord).where(PlanRecord.created_at >= since.astimezone(UTC))
                ).all()
            )

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
        idempotency key loses on the unique constraint and gets the winner's alert.

        Raises
        ------
        IdempotencyConflictError
            If the key was used with another body.
        """
        note = (
            None if recipients else "no one to reach: no staff on shift matched the area and time"
        )
        record = AlertRecord(
            id=uuid.uuid4().hex,
            created_at=now,
            owner=alert.owner,
            idempotency_key=alert.idempotency_key,
            body_hash=alert.body_hash,
            message=alert.message,
            area_name=alert.area_name,
            area=alert.area,
            # UTC: SQLite keeps no offset, so every stored moment is UTC.
            valid_from=alert.valid_from.astimezone(UTC),
            valid_until=alert.valid_until.astimezone(UTC),
            severity=alert.severity,
            targeting=alert.targeting,
            segments=alert.segments,
            recipient_count=len(recipients),
            note=note,
        )
        rows = [
            OutboxRecord(
                id=uuid.uuid4().hex,
                alert_id=record.id,
                recipient_key=f"{r.plan_date.isoformat()}:{r.staff_id}",
                staff_id=r.staff_id,
                plan_id=r.plan_id,
                reason=r.reason[:200],
                phone=r.phone,
                phone_masked=mask_phone(r.phone),
                status="queued",
                in_doubt=False,
                receipt_final=False,
                version=0,
                attempts=0,
                next_attempt_at=now,
                queued_at=now,
            )
            for r in recipients
        ]
        try:
            with self.sessions() as session, session.begin():
                session.add(record)
                session.flush()
                session.add_all(rows)
        except IntegrityError:
            if alert.idempotency_key is None:
                raise
            existing = self.find_by_key(alert.owner, alert.idempotency_key)
            if existing is None:
                raise
            return self.check_replay(existing, alert.body_hash), False
        return record, True

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

    def _alert(self, session: Session, alert_id: str, owner: str | None) -> AlertRecord:
        record = session.get(AlertRecord, alert_id)
        if record is None or (owner is not None and record.owner != owner):
            msg = f"no alert with id {alert_id!r}."
            raise AlertNotFoundError(msg)
        return record

    def _counts(self, session: Session, alert_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {a: dict.fromkeys(STATUSES, 0) for a in alert_ids}
        rows = session.execute(
            select(OutboxRecord.alert_id, OutboxRecord.status, func.count())
            .where(OutboxRecord.alert_id.in_(alert_ids))
            .group_by(OutboxRecord.alert_id, OutboxRecord.status)
        ).all()
        for alert_id, status, n in rows:
            counts[alert_id][status] = n
        return counts

    def counts(self, alert_id: str) -> dict[str, int]:
        """How many of an alert's recipients are in each state (one cheap query)."""
        with self.sessions() as session:
            return self._counts(session, [alert_id])[alert_id]

    def get(self, alert_id: str, *, owner: str | None = None) -> AlertPublic:
        """An alert with every recipient's state; ``owner`` limits it to one key's alerts.

        Raises
        ------
        AlertNotFoundError
            If there is none (or it belongs to someone else).
        """
        with self.sessions() as session:
            record = self._alert(session, alert_id, owner)
            rows = session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.alert_id == alert_id)
                .order_by(OutboxRecord.queued_at, OutboxRecord.staff_id)
            ).all()
            counts = self._counts(session, [alert_id])[alert_id]
        return AlertPublic(
            id=record.id,
            created_at=_aware(record.created_at) or record.created_at,
            area_name=record.area_name,
            area=record.area,
            valid_from=_local(record.valid_from),
            valid_until=_local(record.valid_until),
            severity=record.severity,
            targeting=record.targeting,
            message=record.message,
            segments=record.segments,
            recipient_count=record.recipient_count,
            counts=counts,
            note=record.note,
            recipients=[
                RecipientPublic(
                    staff_id=row.staff_id,
                    phone=row.phone_masked,
                    reason=row.reason,
                    plan_id=row.plan_id,
                    status=row.status,
                    attempts=row.attempts,
                    failure_reason=row.failure_reason,
                    queued_at=_aware(row.queued_at) or row.queued_at,
                    sent_at=_aware(row.sent_at),
                    delivered_at=_aware(row.delivered_at),
                    failed_at=_aware(row.failed_at),
                )
                for row in rows
            ],
        )

    def recent(self, *, owner: str | None = None, limit: int = 20) -> list[AlertSummary]:
        """The latest alerts, newest first (only ``owner``'s when given)."""
        with self.sessions() as session:
            query = select(AlertRecord).order_by(AlertRecord.created_at.desc()).limit(limit)
            if owner is not None:
                query = query.where(AlertRecord.owner == owner)
            records = session.scalars(query).all()
            counts = self._counts(session, [r.id for r in records])
        return [
            AlertSummary(
                id=r.id,
                created_at=_aware(r.created_at) or r.created_at,
                area_name=r.area_name,
                severity=r.severity,
                valid_from=_local(r.valid_from),
                valid_until=_local(r.valid_until),
                recipient_count=r.recipient_count,
                counts=counts[r.id],
            )
            for r in records
        ]

    def console_messages(self) -> list[ConsoleMessage]:
        """Every message the console provider has "sent"."""
        with self.sessions() as session:
            return list(session.scalars(select(ConsoleMessage)).all())

    def forget_before(self, cutoff: datetime) -> tuple[int, int]:
        """Retention: drop alert texts and staff phones of alerts created before ``cutoff``.

        Plans made before ``cutoff`` lose the phone numbers in their stored request, and
        the console provider's copies go. Returns (alerts, plans) changed.
        """
        with self.sessions() as session, session.begin():
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
            plans = 0
            for plan in session.scalars(select(PlanRecord).where(PlanRecord.created_at < cutoff)):
                shifts = plan.request.get("shifts", [])
                if any(s.get("phone") for s in shifts):
                    request = dict(plan.request)
                    request["shifts"] = [{**s, "phone": None} for s in shifts]
                    plan.request = request
                    plans += 1
        return alerts, plans


def retention_cutoff(now: datetime, days: int) -> datetime:
    """The moment before which personal data goes."""
    return now - timedelta(days=days)
