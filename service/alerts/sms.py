"""SMS providers behind one interface: ``console`` (default), ``gatewayapi`` and ``twilio``.

A sender never raises for a provider's answer: it classifies it. ``accepted`` (the provider
took the message), ``retry`` (5xx, 429, timeout, connection trouble: try again later) or
``rejected`` (any other 4xx: retrying cannot help). ``in_doubt`` marks a retry where the
request may have reached the provider (a read timeout, a dropped connection): before the
next attempt the worker asks ``find`` whether the message exists.
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

import httpx
from sqlalchemy.exc import IntegrityError

from .errors import SmsConfigError
from .models import ConsoleMessage
from .text import mask_phone

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import Settings
    from .store import AlertStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One message: ``reference`` is the outbox row id, unique per (alert, recipient)."""

    reference: str
    phone: str
    text: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """How a provider answered one send."""

    kind: Literal["accepted", "retry", "rejected"]
    provider_message_id: str | None = None
    delivered: bool = False
    reason: str | None = None
    retry_after_s: float | None = None
    in_doubt: bool = False


@dataclass(frozen=True, slots=True)
class FindResult:
    """Whether a message with a reference exists at the provider.

    ``found`` / ``absent``; ``unknown`` when the provider cannot be asked at all; ``error``
    when asking failed this time (ask again later).
    """

    kind: Literal["found", "absent", "unknown", "error"]
    provider_message_id: str | None = None
    reason: str | None = None
    # With ``unknown``: how long a delivery report may take to arrive and settle the row;
    # past that, the message is sent again with the same reference (see ``outbox.py``).
    receipt_wait_s: float | None = None


class SmsSender(Protocol):
    """An SMS provider."""

    name: str

    def send(self, sms: OutgoingSms) -> SendResult:
        """Hand one message to the provider."""
        ...

    def find(self, sms: OutgoingSms, *, since: datetime) -> FindResult:
        """Whether ``sms`` reached the provider at or after ``since`` (a check before resend)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class ConsoleSender:
    """Writes each message to the log (phone masked) and to the ``console_messages`` table.

    The reference is the table's primary key, so sending twice stores once.
    """

    name = "console"

    def __init__(self, store: AlertStore) -> None:
        self._store = store

    def send(self, sms: OutgoingSms) -> SendResult:
        """Store and log the message; it counts as delivered."""
        try:
            with self._store.sessions() as session, session.begin():
                session.add(
                    ConsoleMessage(
                        reference=sms.reference,
                        created_at=datetime.now(UTC),
                        phone=sms.phone,
                        text=sms.text,
                    )
                )
        except IntegrityError:
            log.info("console SMS %s was already stored", sms.reference)
        log.info("console SMS %s to %s", sms.reference, mask_phone(sms.phone))
        return SendResult("accepted", provider_message_id=sms.reference, delivered=True)

    def find(self, sms: OutgoingSms, *, since: datetime) -> FindResult:
        """Look the reference up in the table."""
        with self._store.sessions() as session:
            found = session.get(ConsoleMessage, sms.reference)
        return FindResult("found", sms.reference) if found else FindResult("absent")

    def close(self) -> None:
        """Nothing to release."""


def post_with_deadline(
    client: httpx.Client,
    url: str,
    *,
    total_s: float,
    clock: Callable[[], float] = time.monotonic,
    auth: httpx.Auth | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """``client.post`` whose TOTAL time is bounded by ``total_s``, not only each phase's.

    httpx's timeouts apply per phase (pool, connect, write, read), so a provider that is slow
    phase after phase can hold a request far longer than the timeout, and outlive the outbox
    lease. httpcore announces each phase through the ``trace`` extension before it starts and
    takes that phase's timeout from the ``timeout`` extension (or the traced arguments) as it
    starts: the trace here cuts every phase's timeout to the time left. The body is streamed
    and checked against the deadline between chunks. Residual: within one phase each socket
    read may wait the phase's timeout, so a server dripping its status line and headers byte
    by byte could still overrun.

    Raises
    ------
    httpx.TimeoutException
        When the deadline passes (``ReadTimeout`` once the request has been written).
    """
    end = clock() + total_s
    caps = client.timeout.as_dict()
    timeouts: dict[str, float] = {
        phase: total_s if cap is None else min(total_s, cap) for phase, cap in caps.items()
    }

    def trace(event: str, info: dict[str, Any]) -> None:
        if not event.endswith(".started"):
            return
        left = max(0.001, end - clock())
        for phase, value in timeouts.items():
            timeouts[phase] = min(value, left)
        if isinstance(info.get("timeout"), int | float):
            info["timeout"] = min(info["timeout"], left)

    request = client.build_request(
        "POST", url, extensions={"timeout": timeouts, "trace": trace}, **kwargs
    )
    response = client.send(request, stream=True, auth=auth)
    try:
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if clock() > end:
                msg = f"no complete answer within the {total_s:g} s deadline"
                raise httpx.ReadTimeout(msg, request=request)
    finally:
        response.close()
    # The body is decoded already: drop the headers that describe its encoding on the wire.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=request
    )


def _client_total_s(client: httpx.Client) -> float:
    """The client's longest per-phase timeout: the default total deadline of a request."""
    return max((t for t in client.timeout.as_dict().values() if t is not None), default=30.0)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the provider asks us to wait (delta-seconds or an HTTP date), at least 0;
    ``None`` when absent or unreadable (the backoff then decides; the policy caps it)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            seconds = (moment - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def classify_http(response: httpx.Response) -> SendResult | None:
    """A retry or rejection for a failed answer; ``None`` for a 2xx."""
    if response.is_success:
        return None
    status = response.status_code
    if status == 429 or status >= 500:
        # 502/504 come from a gateway in front of the provider: the request may have reached
        # the provider itself, so the message may exist.
        return SendResult(
            "retry",
            reason=f"provider answered {status}",
            retry_after_s=_retry_after(response),
            in_doubt=status in {502, 504},
        )
    return SendResult("rejected", reason=f"provider refused the message ({status})")


def classify_transport(exc: httpx.TransportError) -> SendResult:
    """A retry for a transport failure; in doubt unless the request surely never left."""
    sure_not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return SendResult(
        "retry",
        reason=f"{type(exc).__name__} talking to the provider",
        in_doubt=not sure_not_sent,
    )


def send_message(
    client: httpx.Client,
    url: str,
    *,
    total_s: float,
    auth: httpx.Auth,
    message_id: Callable[[Any], str],
    **payload: Any,
) -> SendResult:
    """POST one message within ``total_s`` and classify the outcome.

    Parameters
    ----------
    message_id
        Reads the provider's message id from the JSON answer; an answer it cannot read
        still means accepted (the provider took the message), with no id.
    payload
        ``json=`` or ``data=`` for the provider's request.

    Returns
    -------
    SendResult
        ``accepted``, or what ``classify_http`` / ``classify_transport`` make of a failure.
    """
    try:
        response = post_with_deadline(client, url, total_s=total_s, auth=auth, **payload)
    except httpx.TransportError as exc:
        return classify_transport(exc)
    failed = classify_http(response)
    if failed is not None:
        return failed
    try:
        provider_id: str | None = message_id(response.json())
    except (ValueError, KeyError, IndexError, TypeError):
        provider_id = None
    return SendResult("accepted", provider_message_id=provider_id)


class GatewayApiSender:
    """GatewayAPI REST: ``POST /rest/mtsms`` with the token as Basic-auth user name.

    The outbox reference goes as ``userref`` and comes back in every delivery report.
    GatewayAPI has no look-up by ``userref``, so ``find`` answers ``unknown`` with a settle
    window (``receipt_wait_s``): a message in doubt waits that long for its delivery report,
    and is sent again (same ``userref``) only if none came.
    """

    name = "gatewayapi"

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        token: str,
        sender: str,
        callback_url: str | None,
        deadline_s: float | None = None,
        receipt_wait_s: float = 300.0,
    ) -> None:
        self._client = client
        self._deadline_s = deadline_s or _client_total_s(client)
        self._receipt_wait_s = receipt_wait_s
        self._url = base_url.rstrip("/") + "/rest/mtsms"
        self._auth = httpx.BasicAuth(token, "")
        self._sender = sender
        self._callback_url = callback_url

    def request_body(self, sms: OutgoingSms) -> dict[str, object]:
        """The JSON body for one message."""
        body: dict[str, object] = {
            "sender": self._sender,
            "message": sms.text,
            "recipients": [{"msisdn": int(sms.phone.removeprefix("+"))}],
            "userref": sms.reference,
        }
        if self._callback_url:
            body["callback_url"] = self._callback_url
        return body

    def send(self, sms: OutgoingSms) -> SendResult:
        """Send one message; the answer's first id is the provider's message id.

        Accepted (200) but unreadable still counts as sent: the receipt's userref matches.
        """
        return send_message(
            self._client,
            self._url,
            total_s=self._deadline_s,
            auth=self._auth,
            message_id=lambda answer: str(answer["ids"][0]),
            json=self.request_body(sms),
        )

    def find(self, sms: OutgoingSms, *, since: datetime) -> FindResult:
        """GatewayAPI cannot be asked by ``userref``: wait for the delivery report."""
        return FindResult("unknown", receipt_wait_s=self._receipt_wait_s)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


# How far Twilio's clock may be behind ours when matching ``date_created``.
CLOCK_SKEW = timedelta(minutes=2)
PAGE_SIZE = 50
MAX_PAGES = 20


def _twilio_match(message: dict[str, Any], sms: OutgoingSms, earliest: datetime) -> bool:
    """Whether a listed Twilio message is ``sms``: same To and Body, created since
    ``earliest`` (``date_created`` is RFC 2822; unreadable counts as a match, the safe side)."""
    if message.get("to") != sms.phone or message.get("body") != sms.text:
        return False
    try:
        created = email.utils.parsedate_to_datetime(str(message.get("date_created")))
    except (TypeError, ValueError):
        return True
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created >= earliest


class TwilioSender:
    """Twilio Messages API: form-encoded ``POST .../Messages.json``, Basic auth SID:token.

    Twilio takes no reference of ours (the status callback's ``?ref=`` comes back only in
    reports), so ``find`` lists the messages to the number and matches the body and a
    creation time since the first attempt. Two alerts with the same text to the same person
    within minutes would look alike; the alert text carries the area name, which makes that
    rare, and the cost is a message not repeated rather than one sent twice. A status
    callback already recorded on the row settles it before any look-up (``outbox.py``).
    """

    name = "twilio"

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        account_sid: str,
        token: str,
        sender: str,
        callback_url: str | None,
        deadline_s: float | None = None,
    ) -> None:
        self._client = client
        self._deadline_s = deadline_s or _client_total_s(client)
        self._origin = base_url.rstrip("/")
        self._url = f"{self._origin}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = httpx.BasicAuth(account_sid, token)
        self._sender = sender
        self._callback_url = callback_url

    def request_form(self, sms: OutgoingSms) -> dict[str, str]:
        """The form fields for one message (``From`` or ``MessagingServiceSid``); the status
        callback carries the outbox reference as ``?ref=``."""
        form = {"To": sms.phone, "Body": sms.text}
        form["MessagingServiceSid" if self._sender.startswith("MG") else "From"] = self._sender
        if self._callback_url:
            form["StatusCallback"] = f"{self._callback_url}?ref={sms.reference}"
        return form

    def send(self, sms: OutgoingSms) -> SendResult:
        """Send one message; the answer's ``sid`` is the provider's message id."""
        return send_message(
            self._client,
            self._url,
            total_s=self._deadline_s,
            auth=self._auth,
            message_id=lambda answer: str(answer["sid"]),
            data=self.request_form(sms),
        )

    def find(self, sms: OutgoingSms, *, since: datetime) -> FindResult:
        """Look for a message with this body to this number created since ``since``.

        Lists by ``To`` only: a queued message has no ``date_sent`` yet, so a ``DateSent``
        filter would hide exactly the messages in question. ``date_created`` is compared
        here (allowing ``CLOCK_SKEW`` for the two clocks), following ``next_page_uri``
        over at most ``MAX_PAGES`` pages; more than that is an error to ask again about,
        never a verdict of absent.
        """
        earliest = since - CLOCK_SKEW
        url: str | None = self._url
        params: dict[str, str] | None = {"To": sms.phone, "PageSize": str(PAGE_SIZE)}
        for _ in range(MAX_PAGES):
            if url is None:
                return FindResult("absent")
            try:
                response = self._client.get(url, params=params, auth=self._auth)
                response.raise_for_status()
                page = response.json()
                messages = page.get("messages", [])
                next_uri = page.get("next_page_uri")
            except (httpx.HTTPError, ValueError, AttributeError) as exc:
                return FindResult("error", reason=f"{type(exc).__name__} asking the provider")
            for message in messages:
                if _twilio_match(message, sms, earliest):
                    return FindResult("found", message.get("sid"))
            url = self._origin + next_uri if next_uri else None
            params = None  # the next page's URI carries the query
        if url is None:
            return FindResult("absent")
        return FindResult("error", reason=f"more than {MAX_PAGES} pages of messages to look at")

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


def build_sender(settings: Settings, store: AlertStore) -> SmsSender:
    """The sender ``EYES_SMS_PROVIDER`` names.

    Raises
    ------
    SmsConfigError
        If a provider's required settings are missing.
    """
    if settings.sms_provider == "console":
        if settings.environment == "prod":
            log.warning("EYES_SMS_PROVIDER=console in prod: alerts are logged, no SMS is sent")
        return ConsoleSender(store)
    client = httpx.Client(timeout=settings.sms_timeout_s)
    token = settings.sms_token.get_secret_value()
    callback = (
        f"{settings.public_base_url.rstrip('/')}/v1/sms/receipts/{settings.sms_provider}"
        if settings.public_base_url
        else None
    )
    if settings.sms_provider == "gatewayapi":
        return GatewayApiSender(
            client,
            base_url=settings.gatewayapi_base_url,
            token=token,
            sender=settings.sms_sender,
            callback_url=callback,
            deadline_s=settings.sms_timeout_s,
            receipt_wait_s=settings.sms_receipt_wait_s,
        )
    if not settings.twilio_account_sid:
        client.close()
        msg = "EYES_TWILIO_ACCOUNT_SID must be set when EYES_SMS_PROVIDER=twilio."
        raise SmsConfigError(msg)
    return TwilioSender(
        client,
        base_url=settings.twilio_base_url,
        account_sid=settings.twilio_account_sid,
        token=token,
        sender=settings.sms_sender,
        callback_url=callback,
        deadline_s=settings.sms_timeout_s,
    )
