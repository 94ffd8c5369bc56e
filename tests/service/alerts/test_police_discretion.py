"""One discretion rule for every read a police key makes of a near-route alert: its reach
only as the band the creation answer gave (``recipients_band``), never a number a
per-recipient list or a per-state count would add up to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from service.alerts.sms.console import ConsoleSender
from service.alerts.store import NewAlert
from service.alerts.targeting import Recipient
from service.alerts.worker import worker_from_settings
from service.auth.keys import create_key

from .conftest import as_
from .helpers import phone

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient


def _near_route_alert(app: FastAPI, owner: str, n: int) -> str:
    """A near-route alert filed under ``owner`` that reaches ``n`` staff; its id."""
    now = datetime.now(UTC)
    alert = NewAlert(
        owner=owner,
        idempotency_key=None,
        body_hash=uuid.uuid4().hex,
        message="Hold øje med en hvid varevogn.",
        area_name="Sindal midt",
        area={"type": "Circle", "center": {"lat": 57.47, "lon": 10.2}, "radius_m": 300},
        valid_from=now,
        valid_until=now + timedelta(hours=2),
        severity="warning",
        targeting="near_route",
        segments=1,
    )
    recipients = [
        Recipient(f"staff-{i}", phone(i), "plan-1", now.date(), "near_route: passes at 18:42")
        for i in range(n)
    ]
    record, _ = app.state.alert_store.create(alert, recipients, now=now)
    return str(record.id)


def _police_reads(api: TestClient, key: str, alert_id: str) -> list[dict[str, Any]]:
    """Every read a police key has of one alert: its detail and its line in the list."""
    detail = api.get(f"/v1/alerts/{alert_id}", headers=as_(key))
    assert detail.status_code == 200, detail.text
    listing = api.get("/v1/alerts", headers=as_(key)).json()
    [line] = [a for a in listing if a["id"] == alert_id]
    return [detail.json(), line]


def _reveals_no_number(read: dict[str, Any]) -> None:
    assert read["recipient_count"] is None
    assert read["counts"] == {}
    assert read.get("recipients", []) == []


@pytest.mark.parametrize(
    ("reached", "band", "delivery"),
    [
        (0, "fewer than 3", None),
        (2, "fewer than 3", None),
        (3, "3-9", "in progress"),
        (5, "3-9", "in progress"),
        (12, "10 or more", "in progress"),
    ],
)
def test_every_police_read_shows_only_the_band(
    api: TestClient, alert_app: FastAPI, reached: int, band: str, delivery: str | None
) -> None:
    """For a near-route alert reaching 0, 2, 3, 5 or 12 staff, the police key's detail view
    and list line show the band and no count, no per-state counts and no recipient rows
    (five anonymised rows told '5' where the band said '3-9'); at or above the floor a
    ``delivery`` word says how sending goes. A dispatcher still sees everything."""
    key_id, police = create_key(alert_app.state.alert_store, "police")
    _, dispatcher = create_key(alert_app.state.alert_store, "dispatcher")
    alert_id = _near_route_alert(alert_app, key_id, reached)
    for read in _police_reads(api, police, alert_id):
        _reveals_no_number(read)
        assert read["recipients_band"] == band
        assert read["delivery"] == delivery
    full = api.get(f"/v1/alerts/{alert_id}", headers=as_(dispatcher)).json()
    assert full["recipient_count"] == reached
    assert len(full["recipients"]) == reached


def test_delivery_word_follows_the_sending(api: TestClient, alert_app: FastAPI) -> None:
    """Once the sender has sent all five, police read ``all sent``, still with no number."""
    key_id, police = create_key(alert_app.state.alert_store, "police")
    alert_id = _near_route_alert(alert_app, key_id, 5)
    store = alert_app.state.alert_store
    worker = worker_from_settings(alert_app.state.settings, store, ConsoleSender(store))
    assert worker.run_once() == 5
    for read in _police_reads(api, police, alert_id):
        _reveals_no_number(read)
        assert read["delivery"] == "all sent"


def test_a_posted_alert_reads_as_it_was_answered(
    api: TestClient, keys: dict[str, str], stored_plan: dict[str, Any]
) -> None:
    """Through the API end to end: the 202 to a police key, its replay (same
    Idempotency-Key), the detail view and the list line all give the same band and no
    number."""
    route = next(
        r for r in stored_plan["routes"] if any(s["kind"] == "hotspot" for s in r["stops"])
    )
    stop = next(s for s in route["stops"] if s["kind"] == "hotspot")
    start = datetime.fromisoformat(stop["arrival"])
    body = {
        "message": "Hold øje med en hvid varevogn.",
        "area_name": "Sindal midt",
        "area": {
            "type": "Circle",
            "center": {"lat": stop["location"]["lat"], "lon": stop["location"]["lon"]},
            "radius_m": 200,
        },
        "valid_from": (start - timedelta(minutes=1)).isoformat(),
        "valid_until": (start + timedelta(minutes=2)).isoformat(),
    }
    headers = {**as_(keys["police"]), "Idempotency-Key": "discretion-1"}
    answers = [api.post("/v1/alerts", json=body, headers=headers) for _ in range(2)]
    assert [a.status_code for a in answers] == [202, 202]
    first, replay = (a.json() for a in answers)
    assert first["recipients"] is None
    assert replay == first
    for read in _police_reads(api, keys["police"], first["id"]):
        _reveals_no_number(read)
        assert read["recipients_band"] == first["recipients_band"]
