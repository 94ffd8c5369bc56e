"""Delivery receipts over the API: signatures checked (401 otherwise), out-of-order reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import jwt
import pytest
from fastapi.testclient import TestClient

from service.alerts.outbox import Outbox
from service.alerts.receipts import apply_receipt
from service.alerts.sms import Receipt
from service.alerts.sms.twilio import twilio_signature
from service.alerts.store import AlertStore
from service.api.app import create_app
from service.config import Settings

from .helpers import store_alert

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from service.plans.networks import AreaNetworks

SECRET = "gatewayapi-webhook-secret-0123456789abcdef"
TOKEN = "twilio-token"


def _receipt_app(tmp_path: Path, networks: AreaNetworks, provider: str) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        preload_area=False,
        sender_in_process=False,
        sms_provider=provider,
        twilio_account_sid="AC1",
        gatewayapi_webhook_secret=SECRET,
        sms_token=TOKEN,
    )
    return TestClient(create_app(settings, networks=networks), raise_server_exceptions=False)


@pytest.fixture
def receipt_api(tmp_path: Path, networks: AreaNetworks) -> TestClient:
    """An app sending through GatewayAPI whose receipts are checked with known secrets."""
    return _receipt_app(tmp_path, networks, "gatewayapi")


@pytest.fixture
def twilio_api(tmp_path: Path, networks: AreaNetworks) -> TestClient:
    """The same, sending through Twilio."""
    return _receipt_app(tmp_path, networks, "twilio")


def _sent_row(store: AlertStore, message_id: str) -> str:
    """One alert row, claimed and recorded as sent with ``message_id``; returns its id."""
    store_alert(store, 1)
    outbox = Outbox(store, lease_s=60)
    [claimed] = outbox.claim(now=datetime.now(UTC), limit=5)
    assert outbox.record_sent(
        claimed,
        provider="gatewayapi",
        message_id=message_id,
        delivered=False,
        now=datetime.now(UTC),
    )
    return claimed.id


def _gwapi(client: TestClient, report: dict[str, object], secret: str = SECRET) -> object:
    token = jwt.encode({**report, "iat": int(time.time())}, secret, algorithm="HS256")
    return client.post(
        "/v1/sms/receipts/gatewayapi", json=report, headers={"X-Gwapi-Signature": token}
    )


def _status(store: AlertStore, alert_id: str) -> tuple[str, str | None]:
    [row] = store.get(alert_id).recipients
    return row.status, row.failure_reason


def test_gatewayapi_receipt_final_state_wins_over_late_transient(receipt_api: TestClient) -> None:
    """A signed DELIVERED report marks the row delivered (found by userref); an ENROUTE
    arriving afterwards is ignored."""
    store = receipt_api.app.state.alert_store  # type: ignore[attr-defined]
    row_id = _sent_row(store, "1001")
    enroute = {"id": 1001, "msisdn": 4520000000, "status": "ENROUTE", "userref": row_id}
    assert _gwapi(receipt_api, enroute).json() == {"result": "applied"}  # type: ignore[attr-defined]
    delivered = {**enroute, "status": "DELIVERED"}
    assert _gwapi(receipt_api, delivered).json() == {"result": "applied"}  # type: ignore[attr-defined]
    assert _gwapi(receipt_api, enroute).json() == {"result": "ignored"}  # type: ignore[attr-defined]
    alert_id = store.recent()[0].id
    assert _status(store, alert_id) == ("delivered", None)


def test_gatewayapi_undeliverable_and_unknown(receipt_api: TestClient) -> None:
    """UNDELIVERABLE marks the row failed with the provider's error; a report for no known
    message is answered 'unknown'."""
    store = receipt_api.app.state.alert_store  # type: ignore[attr-defined]
    _sent_row(store, "2002")
    report = {"id": 2002, "status": "UNDELIVERABLE", "error": "Absent subscriber"}
    assert _gwapi(receipt_api, report).json() == {"result": "applied"}  # type: ignore[attr-defined]
    assert _status(store, store.recent()[0].id) == (
        "failed",
        "provider reports UNDELIVERABLE (error Absent subscriber)",
    )
    assert _gwapi(receipt_api, {"id": 9, "status": "DELIVERED"}).json() == {"result": "unknown"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Gwapi-Signature": "not-a-jwt"},
        {
            "X-Gwapi-Signature": jwt.encode(
                {"id": 1, "status": "DELIVERED"},
                "wrong-secret-of-enough-length-0123456789",
                algorithm="HS256",
            )
        },
    ],
)
def test_gatewayapi_bad_signature_is_401(receipt_api: TestClient, headers: dict[str, str]) -> None:
    """A missing, malformed or wrongly signed JWT is a 401 problem and changes nothing."""
    answer = receipt_api.post(
        "/v1/sms/receipts/gatewayapi", json={"id": 1, "status": "DELIVERED"}, headers=headers
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_twilio_receipt_signed_and_unsigned(twilio_api: TestClient) -> None:
    """A correctly signed Twilio callback marks the message delivered (by MessageSid); a
    wrong signature is a 401 problem."""
    receipt_api = twilio_api
    store = receipt_api.app.state.alert_store  # type: ignore[attr-defined]
    _sent_row(store, "SM77")
    form = {"MessageSid": "SM77", "MessageStatus": "delivered", "AccountSid": "AC1"}
    url = "http://testserver/v1/sms/receipts/twilio"
    headers = {
        "X-Twilio-Signature": twilio_signature(url, form, TOKEN),
        "content-type": "application/x-www-form-urlencoded",
    }
    bad = {**headers, "X-Twilio-Signature": twilio_signature(url, form, "other")}
    answer = receipt_api.post("/v1/sms/receipts/twilio", content=urlencode(form), headers=bad)
    assert answer.status_code == 401
    assert _status(store, store.recent()[0].id)[0] == "sent"
    answer = receipt_api.post("/v1/sms/receipts/twilio", content=urlencode(form), headers=headers)
    assert answer.json() == {"result": "applied"}
    assert _status(store, store.recent()[0].id)[0] == "delivered"


def test_twilio_receipt_before_the_send_is_recorded_finds_its_row(
    tmp_path: Path, networks: AreaNetworks
) -> None:
    """A Twilio report that arrives while the row is still 'sending' (before its message
    id is stored) finds the row by the signed ?ref= of the callback URL, also behind a
    proxy (EYES_PUBLIC_BASE_URL, query included in the signed URL)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        preload_area=False,
        sender_in_process=False,
        sms_token=TOKEN,
        sms_provider="twilio",
        twilio_account_sid="AC1",
        public_base_url="https://eyes.example.dk",
    )
    client = TestClient(create_app(settings, networks=networks))
    store = client.app.state.alert_store  # type: ignore[attr-defined]
    store_alert(store, 1)
    [claimed] = Outbox(store, lease_s=60).claim(now=datetime.now(UTC), limit=1)
    form = {"MessageSid": "SM5", "MessageStatus": "delivered"}
    path = f"/v1/sms/receipts/twilio?ref={claimed.id}"
    signature = twilio_signature("https://eyes.example.dk" + path, form, TOKEN)
    answer = client.post(
        path,
        content=urlencode(form),
        headers={
            "X-Twilio-Signature": signature,
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.json() == {"result": "applied"}
    assert _status(store, store.recent()[0].id) == ("delivered", None)


def test_gatewayapi_report_is_read_from_the_signed_claims_only(receipt_api: TestClient) -> None:
    """A JWT without status, or without userref and id, is a 401 even when the unsigned body
    supplies them (the body could otherwise pick the state of any message); a body
    contradicting a signed claim is a 401; a fully signed report applies."""
    store = receipt_api.app.state.alert_store  # type: ignore[attr-defined]
    row_id = _sent_row(store, "3003")
    url = "/v1/sms/receipts/gatewayapi"
    unsigned_status = jwt.encode(
        {"id": 3003, "userref": row_id, "iat": int(time.time())}, SECRET, algorithm="HS256"
    )
    answer = receipt_api.post(
        url,
        json={"id": 3003, "status": "DELIVERED"},
        headers={"X-Gwapi-Signature": unsigned_status},
    )
    assert answer.status_code == 401
    unsigned_id = jwt.encode(
        {"status": "DELIVERED", "iat": int(time.time())}, SECRET, algorithm="HS256"
    )
    answer = receipt_api.post(
        url, json={"id": 3003, "status": "DELIVERED"}, headers={"X-Gwapi-Signature": unsigned_id}
    )
    assert answer.status_code == 401
    signed = {"id": 3003, "userref": row_id, "status": "DELIVERED"}
    token = jwt.encode({**signed, "iat": int(time.time())}, SECRET, algorithm="HS256")
    headers = {"X-Gwapi-Signature": token}
    forged = receipt_api.post(url, json={**signed, "status": "REJECTED"}, headers=headers)
    assert forged.status_code == 401
    assert _status(store, store.recent()[0].id) == ("sent", None)
    assert receipt_api.post(url, json=signed, headers=headers).json() == {"result": "applied"}
    assert _status(store, store.recent()[0].id) == ("delivered", None)


def test_a_provider_not_in_use_is_404(receipt_api: TestClient) -> None:
    """With GatewayAPI configured, the Twilio receipt endpoint answers 404 (a problem), even
    to a correctly signed callback: nothing is listened to that the service does not use."""
    store = receipt_api.app.state.alert_store  # type: ignore[attr-defined]
    _sent_row(store, "SM77")
    form = {"MessageSid": "SM77", "MessageStatus": "failed"}
    url = "http://testserver/v1/sms/receipts/twilio"
    answer = receipt_api.post(
        "/v1/sms/receipts/twilio",
        content=urlencode(form),
        headers={
            "X-Twilio-Signature": twilio_signature(url, form, TOKEN),
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert _status(store, store.recent()[0].id) == ("sent", None)


def test_twilio_signature_matches_the_documented_example() -> None:
    """The HMAC-SHA1 scheme reproduces Twilio's own worked example."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert twilio_signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_unknown_receipt_provider_is_422(receipt_api: TestClient) -> None:
    """A provider that does not exist is a 422 naming the path field."""
    answer = receipt_api.post("/v1/sms/receipts/pigeon", json={})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"].endswith("provider")


@pytest.mark.postgres
def test_overlong_report_fields_are_cut_to_their_columns_on_postgres(
    postgres_engine: Engine,
) -> None:
    """A (signed) report with a 100-character state, message id and error is stored cut to
    the columns' lengths instead of failing on PostgreSQL."""
    store = AlertStore(postgres_engine)
    row_id = _sent_row(store, "4004")
    long = "X" * 100
    assert apply_receipt(store, Receipt(row_id, long, long, None, None), now=datetime.now(UTC)) == (
        "applied"
    )
    final = Receipt(row_id, "4004", "UNDELIVERABLE" + long, "failed", "E" * 400)
    assert apply_receipt(store, final, now=datetime.now(UTC)) == "applied"
    [row] = store.get(store.recent()[0].id).recipients
    assert row.status == "failed"
    assert row.failure_reason is not None
    assert len(row.failure_reason) == 300
