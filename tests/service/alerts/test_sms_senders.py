"""The HTTP senders' request shapes and how they classify answers (httpx.MockTransport),
and choosing the provider by configuration."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import ValidationError

from service.alerts.errors import SmsConfigError
from service.alerts.sms import OutgoingSms, build_sender
from service.alerts.sms.console import ConsoleSender
from service.alerts.sms.gatewayapi import GatewayApiSender
from service.alerts.sms.twilio import TwilioSender
from service.cli import main
from service.config import Settings

from .fake_provider import FakeProvider, FakeProviderState

if TYPE_CHECKING:
    from collections.abc import Callable

    from service.alerts.store import AlertStore

SMS = OutgoingSms("ref123", "+4520000001", "Hold øje. Område: Sindal")


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def _basic(request: httpx.Request) -> tuple[str, str]:
    user, _, password = (
        base64.b64decode(request.headers["authorization"].split()[1]).decode().partition(":")
    )
    return user, password


def test_gatewayapi_request_shape() -> None:
    """POST /rest/mtsms, token as Basic user, JSON with sender, message, integer msisdn,
    the reference as userref and the callback URL; the first answer id is kept."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ids": [421332671], "usage": {}})

    sender = GatewayApiSender(
        _client(handler),
        base_url="https://gatewayapi.eu/",
        token="tok",
        sender="Eyes",
        callback_url="https://eyes.example/v1/sms/receipts/gatewayapi",
    )
    result = sender.send(SMS)
    assert (result.kind, result.provider_message_id) == ("accepted", "421332671")
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "https://gatewayapi.eu/rest/mtsms"
    assert _basic(request) == ("tok", "")
    assert json.loads(request.content) == {
        "sender": "Eyes",
        "message": SMS.text,
        "recipients": [{"msisdn": 4520000001}],
        "userref": "ref123",
        "callback_url": "https://eyes.example/v1/sms/receipts/gatewayapi",
    }
    assert sender.find(SMS, since=datetime.now(UTC)).kind == "unknown"
    sender.close()


def test_twilio_request_shape_and_find() -> None:
    """Form POST to Accounts/{sid}/Messages.json with Basic SID:token, To/From/Body and
    StatusCallback; find lists by To alone and matches the body."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(
                200, json={"messages": [{"sid": "SM1", "to": SMS.phone, "body": SMS.text}]}
            )
        return httpx.Response(201, json={"sid": "SM1", "status": "queued"})

    sender = TwilioSender(
        _client(handler),
        base_url="https://api.twilio.com",
        account_sid="AC1",
        token="tok",
        sender="+4570000000",
        callback_url="https://eyes.example/cb",
    )
    result = sender.send(SMS)
    assert (result.kind, result.provider_message_id) == ("accepted", "SM1")
    post = seen[0]
    assert str(post.url) == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    assert _basic(post) == ("AC1", "tok")
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(post.content.decode())) == {
        "To": SMS.phone,
        "From": "+4570000000",
        "Body": SMS.text,
        "StatusCallback": "https://eyes.example/cb?ref=ref123",
    }
    found = sender.find(SMS, since=datetime(2026, 11, 24, tzinfo=UTC))
    assert (found.kind, found.provider_message_id) == ("found", "SM1")
    get = seen[1]
    assert dict(get.url.params) == {"To": SMS.phone, "PageSize": "50"}
    other = OutgoingSms("ref9", SMS.phone, "another text")
    assert sender.find(other, since=datetime.now(UTC)).kind == "absent"


def test_twilio_messaging_service_sender() -> None:
    """A sender starting with MG goes as MessagingServiceSid instead of From; a failing
    look-up is an error to retry, not a verdict."""
    sender = TwilioSender(
        _client(lambda _: httpx.Response(500)),
        base_url="https://api.twilio.com",
        account_sid="AC1",
        token="tok",
        sender="MG123",
        callback_url=None,
    )
    assert sender.request_form(SMS) == {
        "To": SMS.phone,
        "Body": SMS.text,
        "MessagingServiceSid": "MG123",
    }
    failed = sender.find(SMS, since=datetime.now(UTC))
    assert (failed.kind, failed.reason) == ("error", "HTTPStatusError asking the provider")


@pytest.mark.parametrize(
    ("response", "kind", "retry_after", "reason"),
    [
        (httpx.Response(500), "retry", None, "provider answered 500"),
        (httpx.Response(503), "retry", None, "provider answered 503"),
        (httpx.Response(429, headers={"Retry-After": "7"}), "retry", 7.0, "provider answered 429"),
        (
            httpx.Response(400, json={"code": "0x0213"}),
            "rejected",
            None,
            "provider refused the message (400)",
        ),
        (httpx.Response(401), "rejected", None, "provider refused the message (401)"),
        (
            httpx.Response(429, headers={"Retry-After": "soon"}),
            "retry",
            None,
            "provider answered 429",
        ),
        (
            httpx.Response(429, headers={"Retry-After": "Mon, 32 Foo 2026 99:00:00"}),
            "retry",
            None,
            "provider answered 429",
        ),
        (
            httpx.Response(429, headers={"Retry-After": "nan"}),
            "retry",
            None,
            "provider answered 429",
        ),
        (httpx.Response(429, headers={"Retry-After": "-3"}), "retry", 0.0, "provider answered 429"),
    ],
)
def test_answers_are_classified(
    response: httpx.Response, kind: str, retry_after: float | None, reason: str
) -> None:
    """5xx and 429 are retried (429 with its Retry-After); other 4xx are final failures."""
    sender = GatewayApiSender(
        _client(lambda _: response), base_url="https://x", token="t", sender="E", callback_url=None
    )
    result = sender.send(SMS)
    assert (result.kind, result.retry_after_s, result.reason, result.in_doubt) == (
        kind,
        retry_after,
        reason,
        False,
    )


@pytest.mark.parametrize(
    ("status", "in_doubt"), [(500, False), (502, True), (503, False), (504, True)]
)
def test_gateway_errors_are_in_doubt(status: int, in_doubt: bool) -> None:
    """502 and 504 come from a gateway in front of the provider, which may have passed the
    request on: retried in doubt (looked up first). 500 and 503 are plain retries."""
    sender = GatewayApiSender(
        _client(lambda _: httpx.Response(status)),
        base_url="https://x",
        token="t",
        sender="E",
        callback_url=None,
    )
    result = sender.send(SMS)
    assert (result.kind, result.in_doubt) == ("retry", in_doubt)


@pytest.mark.parametrize(
    ("exc", "in_doubt"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow connect"), False),
        (httpx.ReadTimeout("no answer"), True),
        (httpx.RemoteProtocolError("dropped"), True),
    ],
)
def test_transport_failures_are_retried_in_doubt_when_the_request_may_have_left(
    exc: httpx.TransportError, in_doubt: bool
) -> None:
    """A failure before the request left is a plain retry; after, the retry is in doubt."""

    def handler(_: httpx.Request) -> httpx.Response:
        raise exc

    sender = TwilioSender(
        _client(handler),
        base_url="https://x",
        account_sid="A",
        token="t",
        sender="+1",
        callback_url=None,
    )
    result = sender.send(SMS)
    assert (result.kind, result.in_doubt) == ("retry", in_doubt)


def test_provider_chosen_by_configuration(sqlite_store: AlertStore) -> None:
    """console is the default; gatewayapi and twilio build HTTP senders; twilio without an
    account SID is a clear configuration error."""
    assert isinstance(build_sender(Settings(), sqlite_store), ConsoleSender)
    gateway = build_sender(Settings(sms_provider="gatewayapi"), sqlite_store)
    assert isinstance(gateway, GatewayApiSender)
    gateway.close()
    twilio = build_sender(
        Settings(sms_provider="twilio", twilio_account_sid="AC1", public_base_url="https://e.x"),
        sqlite_store,
    )
    assert isinstance(twilio, TwilioSender)
    assert (
        twilio.request_form(SMS)["StatusCallback"]
        == "https://e.x/v1/sms/receipts/twilio?ref=ref123"
    )
    twilio.close()
    with pytest.raises(SmsConfigError, match="EYES_TWILIO_ACCOUNT_SID"):
        build_sender(Settings(sms_provider="twilio"), sqlite_store)


def test_unknown_provider_is_a_startup_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """EYES_SMS_PROVIDER=carrier-pigeon fails settings, and the CLI says which variable."""
    monkeypatch.setenv("EYES_SMS_PROVIDER", "carrier-pigeon")
    with pytest.raises(ValidationError, match="sms_provider"):
        Settings()
    from service.config import get_settings

    get_settings.cache_clear()
    try:
        assert main(["areas"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith(
        "error: EYES_SMS_PROVIDER: Input should be 'console', 'gatewayapi' or 'twilio'"
    )


def test_lease_must_outlast_the_timeout() -> None:
    """A lease not longer than twice the send deadline would let a second worker take a row
    whose request may still be landing at the provider."""
    with pytest.raises(ValidationError, match="EYES_SMS_LEASE_S"):
        Settings(sms_timeout_s=30, sms_lease_s=10)
    with pytest.raises(ValidationError, match="twice EYES_SMS_TIMEOUT_S"):
        Settings(sms_timeout_s=10, sms_lease_s=15)
    assert Settings(sms_timeout_s=10, sms_lease_s=21).sms_lease_s == 21


def test_a_send_has_a_total_deadline_not_only_per_read_timeouts() -> None:
    """A provider that answers a byte at a time never trips httpx's per-read timeout (1 s
    here) yet takes seconds in all; the send's total deadline (0.3 s) ends it as a retry in
    doubt, so a renewed lease always outlasts the request."""
    state = FakeProviderState(drip_s=0.05)
    with FakeProvider(state) as provider:
        sender = GatewayApiSender(
            httpx.Client(timeout=1.0),
            base_url=provider.url,
            token="t",
            sender="E",
            callback_url=None,
            deadline_s=0.3,
        )
        result = sender.send(SMS)
        sender.close()
    assert (result.kind, result.in_doubt) == ("retry", True)
    assert result.reason == "ReadTimeout talking to the provider"
    assert len(state.messages) == 1


def test_the_deadline_leaves_a_normal_answer_alone() -> None:
    """Within the deadline the answer is read whole: the message id comes back."""
    with FakeProvider() as provider:
        sender = GatewayApiSender(
            httpx.Client(timeout=1.0),
            base_url=provider.url,
            token="t",
            sender="E",
            callback_url=None,
        )
        result = sender.send(SMS)
        sender.close()
    assert (result.kind, result.provider_message_id) == ("accepted", "0")


def _twilio(url: str) -> TwilioSender:
    return TwilioSender(
        httpx.Client(timeout=5),
        base_url=url,
        account_sid="AC1",
        token="t",
        sender="+4570000000",
        callback_url=None,
    )


def test_twilio_find_sees_queued_messages_across_pages() -> None:
    """Against a Twilio-like list (newest first, pages of 2, no date_sent while queued) the
    look-up finds a queued message four pages back, by To, body and creation time."""
    state = FakeProviderState(page_size_max=2)
    with FakeProvider(state) as provider:
        sender = _twilio(provider.url)
        since = datetime.now(UTC)
        assert sender.send(SMS).kind == "accepted"
        for i in range(7):
            other = OutgoingSms(f"r{i}", SMS.phone, f"Andet {i}. Område: Sindal")
            assert sender.send(other).kind == "accepted"
        found = sender.find(SMS, since=since)
        missing = sender.find(OutgoingSms("x", SMS.phone, "aldrig sendt"), since=since)
        sender.close()
    assert (found.kind, found.provider_message_id) == ("found", f"SM{0:032d}")
    assert missing.kind == "absent"


def test_twilio_find_ignores_an_older_message_with_the_same_text() -> None:
    """The same text to the same number from well before this attempt (an earlier alert)
    is not taken for this one."""
    with FakeProvider() as provider:
        sender = _twilio(provider.url)
        assert sender.send(SMS).kind == "accepted"
        later = datetime.now(UTC) + timedelta(minutes=10)
        result = sender.find(SMS, since=later)
        sender.close()
    assert result.kind == "absent"


def test_twilio_find_gives_no_verdict_past_the_page_limit() -> None:
    """More pages than it will read is an error to ask about again, never 'absent'."""
    state = FakeProviderState(page_size_max=1)
    with FakeProvider(state) as provider:
        sender = _twilio(provider.url)
        for i in range(25):
            sender.send(OutgoingSms(f"r{i}", SMS.phone, f"Andet {i}"))
        result = sender.find(SMS, since=datetime.now(UTC))
        sender.close()
    assert (result.kind, result.reason) == ("error", "more than 20 pages of messages to look at")


PROD: dict[str, Any] = {"environment": "prod", "sms_token": "a-real-token"}


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"auth": False}, "EYES_AUTH"),
        (
            {"sms_provider": "gatewayapi", "public_base_url": "https://eyes.example.dk"},
            "EYES_GATEWAYAPI_WEBHOOK_SECRET",
        ),
        (
            {"sms_provider": "gatewayapi", "gatewayapi_webhook_secret": "s" * 40},
            "EYES_PUBLIC_BASE_URL",
        ),
        ({"sms_provider": "twilio", "twilio_account_sid": "AC1"}, "EYES_PUBLIC_BASE_URL"),
    ],
)
def test_prod_refuses_unsafe_settings(settings: dict[str, Any], variable: str) -> None:
    """In prod: no EYES_AUTH=false, no GatewayAPI without a webhook secret, no SMS provider
    without a public URL for its delivery reports."""
    with pytest.raises(ValidationError, match=variable):
        Settings(**PROD, **settings)
    Settings(**{**PROD, "environment": "dev"}, **settings)  # fine outside prod


def test_prod_accepts_a_complete_setup_and_warns_about_console(
    sqlite_store: AlertStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A complete GatewayAPI setup passes; console in prod is allowed but logs a warning."""
    Settings(
        **PROD,
        sms_provider="gatewayapi",
        gatewayapi_webhook_secret="s" * 40,
        public_base_url="https://eyes.example.dk",
    )
    with caplog.at_level(logging.WARNING, logger="service.alerts.sms"):
        assert isinstance(build_sender(Settings(**PROD), sqlite_store), ConsoleSender)
    assert "console in prod" in caplog.text


def test_the_console_provider_prints_each_message_with_the_phone_masked(
    sqlite_store: AlertStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The console provider (the default, for development) logs each message it "sends":
    the text and the phone masked to its last two digits, never the whole number."""
    import logging

    with caplog.at_level(logging.INFO, logger="service.alerts.sms.console"):
        ConsoleSender(sqlite_store).send(SMS)
    [line] = [r.getMessage() for r in caplog.records if "console SMS" in r.getMessage()]
    assert line == "console SMS ref123 to +45 •••• ••01: Hold øje. Område: Sindal"
    assert "+4520000001" not in caplog.text
