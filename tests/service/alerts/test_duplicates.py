"""The same alert text to the same staff member within 10 minutes is sent once, whichever
keys sent it (issue 18), without ever losing a message: another text, a first message that
failed or expires sooner, and a later time are all sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from service.alerts.models import OutboxRecord
from service.alerts.sms.console import ConsoleSender
from service.alerts.store import AlertStore, NewAlert
from service.alerts.targeting import Recipient
from service.alerts.worker import worker_from_settings
from service.auth.keys import create_key
from service.timeutil import today_local

from ..databases import migrated_engine
from .conftest import as_

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy.engine import Engine

T0 = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
PHONES = ("+4520000001", "+4520000002")


def _alert(message: str = "Hold øje med en hvid varevogn.", **extra: Any) -> dict[str, Any]:
    tomorrow = today_local() + timedelta(days=1)
    body = {
        "message": message,
        "area_name": "Sindal",
        "area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 400},
        "valid_from": f"{tomorrow}T18:00:00",
        "valid_until": f"{tomorrow}T21:00:00",
        "targeting": "all_on_shift",
    }
    body.update(extra)
    return body


@pytest.mark.usefixtures("stored_plan")
def test_identical_alerts_from_two_keys_are_sent_once(api: TestClient, alert_app: FastAPI) -> None:
    """Two police keys of Sindal send the same text to everyone on shift: the second
    alert's recipients are merged into the first's messages (one SMS per phone) and read as
    delivered once it is; another text from the second key is sent."""
    store = alert_app.state.alert_store
    first_key = create_key(store, "police", areas=["sindal"])[1]
    second_key = create_key(store, "police", areas=["sindal"])[1]
    dispatcher = create_key(store, "dispatcher", areas=["sindal"])[1]
    first = api.post("/v1/alerts", json=_alert(), headers=as_(first_key))
    second = api.post("/v1/alerts", json=_alert(), headers=as_(second_key))
    assert first.status_code == second.status_code == 202, second.text
    count = first.json()["recipients"]
    assert count == second.json()["recipients"] == 2  # guard-1 and care-1

    worker = worker_from_settings(alert_app.state.settings, store, ConsoleSender(store))
    assert worker.run_once() == count  # the first alert's rows only
    assert worker.run_once() == 0
    texts = [m.text for m in store.console_messages()]
    assert texts == ["Hold øje med en hvid varevogn. Område: Sindal"] * count

    merged = api.get(f"/v1/alerts/{second.json()['id']}", headers=as_(dispatcher)).json()
    assert {r["status"] for r in merged["recipients"]} == {"delivered"}
    assert merged["counts"]["delivered"] == count
    assert all(
        r["reason"].endswith("; the same text reached them with an earlier alert")
        for r in merged["recipients"]
    )

    other = api.post("/v1/alerts", json=_alert("Another text."), headers=as_(second_key))
    assert other.status_code == 202
    assert worker.run_once() == count
    assert len(store.console_messages()) == 2 * count


def _new_alert(message: str, *, now: datetime, valid_for: timedelta) -> NewAlert:
    return NewAlert(
        owner=uuid.uuid4().hex[:12],
        idempotency_key=None,
        body_hash=uuid.uuid4().hex,
        message=message,
        area_name="Sindal",
        area={"type": "Circle", "center": {"lat": 57.47, "lon": 10.2}, "radius_m": 400},
        valid_from=now,
        valid_until=now + valid_for,
        severity="warning",
        targeting="all_on_shift",
        segments=1,
    )


def _recipients(phones: tuple[str, ...] = PHONES) -> list[Recipient]:
    return [
        Recipient(f"staff-{i}", phone, "plan", T0.date(), "all_on_shift: test", "sindal")
        for i, phone in enumerate(phones)
    ]


def _statuses(store: AlertStore, alert_id: str) -> list[tuple[str, bool]]:
    with store.sessions() as session:
        rows = session.scalars(
            select(OutboxRecord)
            .where(OutboxRecord.alert_id == alert_id)
            .order_by(OutboxRecord.phone)
        ).all()
    return [(row.status, row.via_id is not None) for row in rows]


def _merge_rules(store: AlertStore) -> None:
    hours = timedelta(hours=2)
    first, _ = store.create(_new_alert("Van.", now=T0, valid_for=hours), _recipients(), now=T0)
    # Same text 9 minutes later, one phone more: the known phones merge, the new one is sent.
    later = T0 + timedelta(minutes=9)
    second, _ = store.create(
        _new_alert("Van.", now=later, valid_for=timedelta(hours=1)),
        _recipients((*PHONES, "+4520000003")),
        now=later,
    )
    assert _statuses(store, second.id) == [("merged", True), ("merged", True), ("queued", False)]
    # Another text at once: sent.
    third, _ = store.create(
        _new_alert("Car.", now=later, valid_for=hours), _recipients(), now=later
    )
    assert _statuses(store, third.id) == [("queued", False)] * 2
    # Same text, but valid longer than the queued first message's alert: sent, not merged
    # (the first may expire unsent).
    fourth, _ = store.create(
        _new_alert("Van.", now=later, valid_for=timedelta(hours=3)), _recipients(), now=later
    )
    assert _statuses(store, fourth.id) == [("queued", False)] * 2
    # A failed first message is never what a later one merges into.
    with store.sessions() as session, session.begin():
        for row in session.scalars(select(OutboxRecord).where(OutboxRecord.alert_id == first.id)):
            row.status = "failed"
    fifth, _ = store.create(
        _new_alert("Van.", now=later, valid_for=timedelta(minutes=30)), _recipients(), now=later
    )
    assert _statuses(store, fifth.id) == [("merged", True)] * 2  # into the fourth, queued
    # Past 10 minutes after every earlier one: sent again.
    much_later = T0 + timedelta(minutes=25)
    sixth, _ = store.create(
        _new_alert("Van.", now=much_later, valid_for=hours), _recipients(), now=much_later
    )
    assert _statuses(store, sixth.id) == [("queued", False)] * 2


def test_merge_rules_on_sqlite(tmp_path: Path) -> None:
    """Merged: the same text and phone within 10 minutes, into a row that is sent or will be
    sent for as long; sent: another text, another phone, a failed or sooner-expiring first
    message, or after 10 minutes."""
    _merge_rules(AlertStore(migrated_engine(f"sqlite:///{tmp_path / 'alerts.db'}")))


@pytest.mark.postgres
def test_merge_rules_on_postgres(postgres_engine: Engine) -> None:
    """The same rules on PostgreSQL."""
    _merge_rules(AlertStore(postgres_engine))
