"""GatewayAPI delivery reports must be recent: a signed report is refused when it carries no
time and no expiry, when it is older than ``EYES_RECEIPT_MAX_AGE_S``, or when it has
expired, so a captured report cannot be replayed for ever."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from fastapi.testclient import TestClient

from service.alerts.errors import SignatureError
from service.alerts.outbox import Outbox
from service.alerts.sms.gatewayapi import verify_gatewayapi
from service.api.app import create_app
from service.config import Settings

from .helpers import store_alert

if TYPE_CHECKING:
    from pathlib import Path

    from service.plans.networks import AreaNetworks

SECRET = "gatewayapi-webhook-secret-0123456789abcdef"
NOW = 1_790_000_000.0
URL = "/v1/sms/receipts/gatewayapi"


@pytest.fixture
def gateway(tmp_path: Path, networks: AreaNetworks) -> TestClient:
    """An app sending through GatewayAPI, taking reports up to an hour old."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'age.db'}",
        preload_area=False,
        sender_in_process=False,
        sms_provider="gatewayapi",
        gatewayapi_webhook_secret=SECRET,
        receipt_max_age_s=3600,
    )
    return TestClient(create_app(settings, networks=networks), raise_server_exceptions=False)


def _sent_row(client: TestClient) -> str:
    """One alert's row, claimed and recorded as sent as message 77; its id."""
    store = client.app.state.alert_store  # type: ignore[attr-defined]
    store_alert(store, 1)
    outbox = Outbox(store, lease_s=60)
    [claimed] = outbox.claim(now=datetime.now(UTC), limit=5)
    assert outbox.record_sent(
        claimed, provider="gatewayapi", message_id="77", delivered=False, now=datetime.now(UTC)
    )
    return str(claimed.id)


def _post(client: TestClient, claims: dict[str, Any]) -> int:
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    report = {k: v for k, v in claims.items() if k not in {"iat", "exp"}}
    answer = client.post(URL, json=report, headers={"X-Gwapi-Signature": token})
    return answer.status_code


def test_reports_without_a_time_or_too_old_are_refused(gateway: TestClient) -> None:
    """Over the API: no time and no expiry, an ``iat`` or GatewayAPI ``time`` two hours old
    (the limit is one), or an ``exp`` passed, are each a 401 and change nothing; the same
    report dated now (by ``iat`` or by ``time``) applies."""
    row = _sent_row(gateway)
    report = {"id": 77, "userref": row, "status": "DELIVERED"}
    now = int(time.time())
    for stale in (
        {},
        {"iat": now - 7200},
        {"time": now - 7200},
        {"exp": now - 600},
        {"exp": now + 10 * 86400},  # an expiry far ahead is no bound at all
    ):
        assert _post(gateway, {**report, **stale}) == 401, stale
    store = gateway.app.state.alert_store  # type: ignore[attr-defined]
    [recipient] = store.get(store.recent()[0].id).recipients
    assert recipient.status == "sent"
    assert _post(gateway, {**report, "status": "ENROUTE", "time": now}) == 200
    assert _post(gateway, {**report, "iat": now}) == 200
    [recipient] = store.get(store.recent()[0].id).recipients
    assert recipient.status == "delivered"


@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"iat": NOW - 59}, True),
        ({"iat": NOW - 61}, False),
        ({"time": NOW - 30}, True),
        ({"iat": NOW + 200}, True),  # within the clock skew
        ({"iat": NOW + 900}, False),  # dated ahead
        ({"exp": NOW + 30}, True),
        ({"exp": NOW - 400}, False),
        ({"iat": "yesterday"}, False),  # not a time at all
        ({}, False),
    ],
)
def test_the_age_rule_at_a_fixed_moment(claims: dict[str, Any], accepted: bool) -> None:
    """``verify_gatewayapi`` with a 60 s limit at a fixed moment: each time claim is checked
    against it, a little clock skew is allowed, a token with no time is refused."""
    token = jwt.encode({"id": 1, "status": "DELIVERED", **claims}, SECRET, algorithm="HS256")
    if accepted:
        assert verify_gatewayapi(token, SECRET, max_age_s=60, now=NOW)["id"] == 1
    else:
        with pytest.raises(SignatureError):
            verify_gatewayapi(token, SECRET, max_age_s=60, now=NOW)
