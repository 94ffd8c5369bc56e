"""Tables of the alerts feature: alerts, their outbox and the console provider's copies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

RECIPIENT_KEY_LENGTH = 100


class AlertRecord(Base):
    """One police alert. ``(owner, idempotency_key)`` is unique: a replay finds the first."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("owner", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    owner: Mapped[str] = mapped_column(String(32), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    area_name: Mapped[str] = mapped_column(String(60))
    area: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    severity: Mapped[str] = mapped_column(String(16))
    targeting: Mapped[str] = mapped_column(String(16))
    segments: Mapped[int] = mapped_column(Integer)
    recipient_count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class AlertAreaRecord(Base):
    """An area an alert concerns: where its centre lies (of the areas its key may act on)
    and the areas of its recipients' plans. A key scoped to areas reads the alerts of its
    areas (and a police key its own). Alerts from before scoping have none: only keys of
    every area read them."""

    __tablename__ = "alert_areas"

    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class OutboxRecord(Base):
    """One SMS to one recipient of one alert: written with the alert, in the same transaction.

    ``id`` is the reference sent to the provider (GatewayAPI ``userref``); ``(alert_id,
    recipient_key)`` is unique so no recipient is queued twice. ``version`` changes on every
    claim: a worker only records a result while the row still carries the version it claimed.
    """

    __tablename__ = "alert_outbox"
    __table_args__ = (UniqueConstraint("alert_id", "recipient_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    # "YYYY-MM-DD:" + a staff id of up to 64 characters.
    recipient_key: Mapped[str] = mapped_column(String(RECIPIENT_KEY_LENGTH))
    staff_id: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    phone_masked: Mapped[str] = mapped_column(String(24))
    # The provider configured when the alert was accepted: only a sender for it claims the
    # row (a console sender on the same database never "sends" a real one). NULL: accepted
    # before this was kept; any sender claims it.
    sms_provider: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the row's fate at the provider became uncertain (a send that may have landed).
    in_doubt_since: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(16), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    provider_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    receipt_final: Mapped[bool] = mapped_column(Boolean, default=False)
    failure_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The area of the plan the recipient was chosen from (NULL: from before scoping); a key
    # scoped to areas sees only its areas' recipients of an alert.
    area: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # SHA-256 of the SMS text as sent: the same text to the same phone within
    # DUPLICATE_WINDOW (another key's alert) is sent once.
    text_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # The row whose message already carried this text to this phone: this row is never
    # sent (status "merged") and reads as that row's state.
    via_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    """This row's own SMS (a staff member's link); None: the alert's message."""


class ConsoleMessage(Base):
    """What the ``console`` provider "sent": kept so the demo and tests can read it."""

    __tablename__ = "console_messages"

    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
