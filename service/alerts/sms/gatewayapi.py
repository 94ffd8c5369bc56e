"""GatewayAPI (the common choice of Danish municipalities): sending, and the delivery
reports it signs with a JWT."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import jwt

from ..errors import SignatureError
from .base import FindResult, Receipt, SendResult
from .http import client_total_s, send_message

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from ...config import Settings
    from ..store import AlertStore
    from .base import IncomingReceipt, OutgoingSms

GATEWAYAPI_FINAL = {
    "DELIVERED": "delivered",
    "ACCEPTED": "sent",
    "EXPIRED": "failed",
    "DELETED": "failed",
    "UNDELIVERABLE": "failed",
    "REJECTED": "failed",
    "SKIPPED": "failed",
}
RECEIPT_MAX_AGE_S = 86400.0
"""Default oldest delivery report accepted (``EYES_RECEIPT_MAX_AGE_S``)."""
CLOCK_SKEW_S = 300.0
"""How far a report's time may lie ahead of this server's clock."""


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
        self._deadline_s = deadline_s or client_total_s(client)
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


def verify_gatewayapi(
    token: str | None,
    secret: str,
    *,
    max_age_s: float = RECEIPT_MAX_AGE_S,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of GatewayAPI's ``X-Gwapi-Signature`` JWT (HS256 with the shared secret),
    if it is recent.

    A signed report could otherwise be replayed for ever. Its moment is the standard
    ``iat`` claim, or GatewayAPI's own ``time`` (the status event's UNIX time); it must be
    at most ``max_age_s`` old and not more than ``CLOCK_SKEW_S`` ahead. An ``exp`` claim is
    checked too, and must not lie further ahead than ``max_age_s``. A token with none of
    the three is refused.

    Raises
    ------
    SignatureError
        If the header is missing, the token does not verify, has expired, is too old or
        carries no time.
    """
    if not token or not secret:
        msg = "missing or unverifiable X-Gwapi-Signature"
        raise SignatureError(msg)
    moment = time.time() if now is None else now
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            leeway=CLOCK_SKEW_S,
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.InvalidTokenError as exc:
        msg = "X-Gwapi-Signature does not verify"
        raise SignatureError(msg) from exc
    _check_age(claims, max_age_s=max_age_s, now=moment)
    return claims


def _check_age(claims: Mapping[str, Any], *, max_age_s: float, now: float) -> None:
    """Refuse a report that is expired, too old, dated ahead, or carries no time."""
    times = {
        name: claims[name]
        for name in ("iat", "time", "exp")
        if isinstance(claims.get(name), int | float) and not isinstance(claims[name], bool)
    }
    if not times:
        msg = "the signed report carries no time (iat or time) and no expiry (exp)"
        raise SignatureError(msg)
    if "exp" in times and not now - CLOCK_SKEW_S < times["exp"] <= now + max_age_s:
        msg = "the signed report has expired, or its expiry lies too far ahead"
        raise SignatureError(msg)
    for name in ("iat", "time"):
        if name not in times:
            continue
        age_s = now - times[name]
        if age_s > max_age_s:
            msg = f"the signed report is {age_s:.0f} s old (at most {max_age_s:.0f} s)"
            raise SignatureError(msg)
        if age_s < -CLOCK_SKEW_S:
            msg = f"the signed report's {name} lies ahead of this server's clock"
            raise SignatureError(msg)


def signed_report(claims: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    """The report to trust: the JWT's claims, completed from the JSON body where they lack a
    field. A body that contradicts a signed claim is refused.

    Raises
    ------
    SignatureError
        If body and claims disagree, or the body is not a JSON object.
    """
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        msg = "the receipt body is not a JSON object"
        raise SignatureError(msg)
    for name, value in claims.items():
        if name in data and data[name] != value:
            msg = f"the receipt body's {name!r} does not match the signed one"
            raise SignatureError(msg)
    return {**data, **claims}


def receipt_from_gatewayapi(claims: Mapping[str, Any]) -> Receipt:
    """A receipt from GatewayAPI's verified JWT claims alone (never the unsigned body).

    Raises
    ------
    SignatureError
        If the signed claims lack ``status`` or both ``userref`` and ``id``: an unsigned
        body could otherwise choose the state or the message.
    """
    if not claims.get("status") or (claims.get("userref") is None and claims.get("id") is None):
        msg = "the signed claims must carry status and userref or id"
        raise SignatureError(msg)
    state = str(claims.get("status", "")).upper()
    error = claims.get("error") or claims.get("code")
    return Receipt(
        reference=str(claims["userref"]) if claims.get("userref") else None,
        provider_message_id=str(claims["id"]) if claims.get("id") is not None else None,
        provider_status=state,
        status=GATEWAYAPI_FINAL.get(state),
        error=str(error) if error else None,
    )


def read_receipt(incoming: IncomingReceipt, settings: Settings) -> Receipt:
    """A verified receipt from the ``X-Gwapi-Signature`` JWT (HS256 with
    ``EYES_GATEWAYAPI_WEBHOOK_SECRET``); a body contradicting the signed claims is refused.

    Raises
    ------
    SignatureError
        If the signature is missing or wrong, or the claims are not enough.
    """
    claims = verify_gatewayapi(
        incoming.headers.get("x-gwapi-signature"),
        settings.gatewayapi_webhook_secret.get_secret_value(),
        max_age_s=settings.receipt_max_age_s,
    )
    signed_report(claims, incoming.body)  # refuses a contradicting body
    return receipt_from_gatewayapi(claims)


def build(settings: Settings, store: AlertStore) -> GatewayApiSender:
    """The GatewayAPI sender as configured."""
    return GatewayApiSender(
        httpx.Client(timeout=settings.sms_timeout_s),
        base_url=settings.gatewayapi_base_url,
        token=settings.sms_token.get_secret_value(),
        sender=settings.sms_sender,
        callback_url=settings.receipt_url(),
        deadline_s=settings.sms_timeout_s,
        receipt_wait_s=settings.sms_receipt_wait_s,
    )
