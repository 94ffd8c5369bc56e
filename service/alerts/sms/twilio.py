"""Twilio: sending, looking a message up before a resend, and signed status callbacks."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx

from ..errors import SignatureError, SmsConfigError
from .base import FindResult, Receipt, SendResult
from .http import client_total_s, send_message

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ...config import Settings
    from ..store import AlertStore
    from .base import IncomingReceipt, OutgoingSms

TWILIO_FINAL = {
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}


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
        self._deadline_s = deadline_s or client_total_s(client)
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


def twilio_signature(url: str, params: Mapping[str, str], token: str) -> str:
    """Twilio's signature: base64 HMAC-SHA1 of the URL followed by each sorted key+value."""
    payload = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio(url: str, params: Mapping[str, str], signature: str | None, token: str) -> None:
    """Check ``X-Twilio-Signature``.

    Raises
    ------
    SignatureError
        If it is missing or wrong.
    """
    if not signature or not token:
        msg = "missing or unverifiable X-Twilio-Signature"
        raise SignatureError(msg)
    if not hmac.compare_digest(twilio_signature(url, params, token), signature):
        msg = "X-Twilio-Signature does not verify"
        raise SignatureError(msg)


def receipt_from_twilio(form: Mapping[str, str], *, reference: str | None = None) -> Receipt:
    """A receipt from Twilio's (verified) status callback; ``reference`` comes from the
    callback URL's ``ref`` (signed with it), so a report that beats the send's own commit
    still finds its row."""
    state = form.get("MessageStatus", "").lower()
    return Receipt(
        reference=reference,
        provider_message_id=form.get("MessageSid"),
        provider_status=state,
        status=TWILIO_FINAL.get(state),
        error=form.get("ErrorCode") or None,
    )


def read_receipt(incoming: IncomingReceipt, settings: Settings) -> Receipt:
    """A verified receipt from a status callback: ``X-Twilio-Signature`` is HMAC-SHA1 (auth
    token) over the public URL, query included, and the sorted form fields.

    Raises
    ------
    SignatureError
        If the signature is missing or wrong.
    """
    form = dict(parse_qsl(incoming.body.decode("utf-8", "replace"), keep_blank_values=True))
    verify_twilio(
        incoming.url,
        form,
        incoming.headers.get("x-twilio-signature"),
        settings.sms_token.get_secret_value(),
    )
    return receipt_from_twilio(form, reference=incoming.query.get("ref"))


def build(settings: Settings, store: AlertStore) -> TwilioSender:
    """The Twilio sender as configured.

    Raises
    ------
    SmsConfigError
        Without ``EYES_TWILIO_ACCOUNT_SID``.
    """
    if not settings.twilio_account_sid:
        msg = "EYES_TWILIO_ACCOUNT_SID must be set when EYES_SMS_PROVIDER=twilio."
        raise SmsConfigError(msg)
    return TwilioSender(
        httpx.Client(timeout=settings.sms_timeout_s),
        base_url=settings.twilio_base_url,
        account_sid=settings.twilio_account_sid,
        token=settings.sms_token.get_secret_value(),
        sender=settings.sms_sender,
        callback_url=settings.receipt_url(),
        deadline_s=settings.sms_timeout_s,
    )
