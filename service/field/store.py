"""Staff links, check-ins and tips in the database.

A link's token is 192 random bits shown once; only its SHA-256 is stored (as API keys
are). Check-ins and tips carry an id made on the phone: storing the same id again is a
no-op that answers the first record, so a queue sent twice stores each once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from ..db import aware_utc, retry_busy
from ..i18n import _
from .errors import LinkGoneError, LinkInvalidError, LinkNotFoundError
from .models import CheckinRecord, StaffLinkRecord, TipRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Engine

    from .schemas import CheckinCreate, TipCreate

R = TypeVar("R", CheckinRecord, TipRecord)
T = TypeVar("T")

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
"""A token's shape (``secrets.token_urlsafe(24)``): anything else is not looked up."""


def token_digest(token: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StaffLink:
    """A staff member's capability on one plan's evening (every version of it)."""

    id: str
    lineage_id: str
    staff_id: str
    area: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Checkin:
    """A stored check-in (``at``: when it happened, aware)."""

    client_id: str
    staff_id: str
    stop_id: str
    at: datetime
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Tip:
    """A stored tip."""

    client_id: str
    lineage_id: str
    staff_id: str
    area: str
    category: str
    text: str
    for_police: bool
    at: datetime
    lat: float | None
    lon: float | None


def _checkin(r: CheckinRecord) -> Checkin:
    return Checkin(r.client_id, r.staff_id, r.stop_id, aware_utc(r.at), r.lat, r.lon)


def _tip(r: TipRecord) -> Tip:
    return Tip(
        r.client_id,
        r.lineage_id,
        r.staff_id,
        r.area,
        r.category,
        r.text,
        r.for_police,
        aware_utc(r.at),
        r.lat,
        r.lon,
    )


class FieldStore:
    """The ``staff_links``, ``field_checkins`` and ``field_tips`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    # Links.

    def create_link(
        self,
        *,
        lineage_id: str,
        staff_id: str,
        area: str,
        expires_at: datetime,
        created_by: str | None,
        now: datetime,
    ) -> tuple[StaffLink, str]:
        """A new link; returns it and its token (not stored: only its digest)."""
        token = secrets.token_urlsafe(24)
        record = StaffLinkRecord(
            id=secrets.token_hex(6),
            token_digest=token_digest(token),
            lineage_id=lineage_id,
            staff_id=staff_id,
            area=area,
            created_at=now.astimezone(UTC),
            expires_at=expires_at.astimezone(UTC),
            created_by=created_by,
        )

        def write() -> None:
            with self.sessions() as session, session.begin():
                session.add(record)

        retry_busy(write)
        return StaffLink(record.id, lineage_id, staff_id, area, expires_at), token

    def link(self, token: str, *, now: datetime) -> StaffLink:
        """The live link of ``token``.

        Raises
        ------
        LinkInvalidError
            Not a token's shape.
        LinkNotFoundError
            No link has it.
        LinkGoneError
            It expired or was revoked.
        """
        if TOKEN_RE.fullmatch(token) is None:
            raise LinkInvalidError(_("this is not a staff link"))
        with self.sessions() as session:
            record = session.scalars(
                select(StaffLinkRecord).where(StaffLinkRecord.token_digest == token_digest(token))
            ).first()
        if record is None:
            raise LinkNotFoundError(_("no such staff link"))
        if record.revoked_at is not None:
            raise LinkGoneError(_("this staff link was revoked"))
        expires_at = aware_utc(record.expires_at)
        if now >= expires_at:
            raise LinkGoneError(_("this staff link has expired"))
        return StaffLink(record.id, record.lineage_id, record.staff_id, record.area, expires_at)

    def published(self, lineage_id: str, *, now: datetime) -> set[str]:
        """The staff of the plan with a live link already texted to them."""
        with self.sessions() as session:
            rows = session.scalars(
                select(StaffLinkRecord.staff_id).where(
                    StaffLinkRecord.lineage_id == lineage_id,
                    StaffLinkRecord.published_at.is_not(None),
                    StaffLinkRecord.revoked_at.is_(None),
                    StaffLinkRecord.expires_at > now.astimezone(UTC),
                )
            ).all()
        return set(rows)

    def mark_published(self, link_ids: list[str], *, now: datetime) -> None:
        """Record that these links were queued as SMS."""
        if not link_ids:
            return

        def write() -> None:
            with self.sessions() as session, session.begin():
                session.execute(
                    update(StaffLinkRecord)
                    .where(StaffLinkRecord.id.in_(link_ids))
                    .values(published_at=now.astimezone(UTC))
                )

        retry_busy(write)

    def revoke(self, lineage_id: str, staff_id: str, *, now: datetime) -> int:
        """Revoke every live link of ``staff_id`` on the plan; returns how many."""

        def write() -> int:
            with self.sessions() as session, session.begin():
                result = session.execute(
                    update(StaffLinkRecord)
                    .where(
                        StaffLinkRecord.lineage_id == lineage_id,
                        StaffLinkRecord.staff_id == staff_id,
                        StaffLinkRecord.revoked_at.is_(None),
                    )
                    .values(revoked_at=now.astimezone(UTC))
                )
                return int(result.rowcount or 0)  # type: ignore[attr-defined]

        return retry_busy(write)

    # Check-ins and tips.

    def add_checkin(
        self, link: StaffLink, body: CheckinCreate, *, at: datetime, now: datetime
    ) -> tuple[Checkin, bool]:
        """Store a check-in once per id; returns it (the first one stored) and whether it
        is new."""
        record = CheckinRecord(
            client_id=body.id,
            lineage_id=link.lineage_id,
            staff_id=link.staff_id,
            area=link.area,
            stop_id=body.stop_id,
            at=at.astimezone(UTC),
            received_at=now.astimezone(UTC),
            lat=None if body.location is None else body.location.lat,
            lon=None if body.location is None else body.location.lon,
        )
        key = (
            CheckinRecord.lineage_id == link.lineage_id,
            CheckinRecord.staff_id == link.staff_id,
            CheckinRecord.client_id == body.id,
        )
        return self._once(record, CheckinRecord, key, _checkin)

    def add_tip(
        self, link: StaffLink, body: TipCreate, *, at: datetime, now: datetime
    ) -> tuple[Tip, bool]:
        """Store a tip once per id; returns it (the first one stored) and whether it is new."""
        record = TipRecord(
            client_id=body.id,
            lineage_id=link.lineage_id,
            staff_id=link.staff_id,
            area=link.area,
            category=body.category,
            text=body.text,
            for_police=body.for_police,
            at=at.astimezone(UTC),
            received_at=now.astimezone(UTC),
            lat=None if body.location is None else body.location.lat,
            lon=None if body.location is None else body.location.lon,
        )
        key = (
            TipRecord.lineage_id == link.lineage_id,
            TipRecord.staff_id == link.staff_id,
            TipRecord.client_id == body.id,
        )
        return self._once(record, TipRecord, key, _tip)

    def _once(
        self,
        record: R,
        model: type[R],
        key: tuple[ColumnElement[bool], ...],
        convert: Callable[[R], T],
    ) -> tuple[T, bool]:
        def write() -> tuple[T, bool]:
            try:
                with self.sessions() as session, session.begin():
                    session.add(record)
                return convert(record), True
            except IntegrityError:
                with self.sessions() as session:
                    first = session.scalars(select(model).where(*key)).one()
                return convert(first), False

        return retry_busy(write)

    def checkins(self, lineage_id: str, staff_id: str | None = None) -> list[Checkin]:
        """The plan's check-ins (one staff member's), in the order they happened."""
        query = select(CheckinRecord).where(CheckinRecord.lineage_id == lineage_id)
        if staff_id is not None:
            query = query.where(CheckinRecord.staff_id == staff_id)
        with self.sessions() as session:
            rows = session.scalars(query.order_by(CheckinRecord.at, CheckinRecord.id)).all()
        return [_checkin(r) for r in rows]

    def tips(
        self, *, area: str | None = None, since: datetime | None = None, police: bool = False
    ) -> list[Tip]:
        """Tips, oldest first: of ``area``, noticed at or after ``since``; ``police``: only
        those marked for the police."""
        query = select(TipRecord)
        if area is not None:
            query = query.where(TipRecord.area == area)
        if since is not None:
            query = query.where(TipRecord.at >= since.astimezone(UTC))
        if police:
            query = query.where(TipRecord.for_police.is_(True))
        with self.sessions() as session:
            rows = session.scalars(query.order_by(TipRecord.at, TipRecord.id)).all()
        return [_tip(r) for r in rows]
