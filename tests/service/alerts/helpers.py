"""Helpers shared by the alert tests: storing synthetic alerts and plans directly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from service.alerts.store import NewAlert
from service.alerts.targeting import Recipient

if TYPE_CHECKING:
    from service.alerts.models import AlertRecord
    from service.alerts.store import AlertStore


def phone(i: int) -> str:
    """The i-th Danish test number."""
    return f"+4520{i:06d}"


def store_alert(
    store: AlertStore,
    n: int,
    *,
    message: str = "Hold øje med en hvid varevogn.",
    now: datetime | None = None,
    valid_for: timedelta = timedelta(hours=4),
    sms_provider: str | None = None,
) -> AlertRecord:
    """An alert to ``n`` synthetic recipients, stored with its outbox rows (accepted for
    ``sms_provider``; None: for any sender)."""
    now = now or datetime.now(UTC)
    alert = NewAlert(
        owner="",
        idempotency_key=None,
        body_hash=uuid.uuid4().hex,
        message=message,
        area_name="Sindal",
        area={"type": "Circle", "center": {"lat": 57.47, "lon": 10.2}, "radius_m": 500},
        valid_from=now,
        valid_until=now + valid_for,
        severity="warning",
        targeting="all_on_shift",
        segments=1,
        sms_provider=sms_provider,
    )
    recipients = [
        Recipient(f"staff-{i}", phone(i), "plan", now.date(), "all_on_shift: test")
        for i in range(n)
    ]
    record, new = store.create(alert, recipients, now=now)
    assert new
    return record
