"""GatewayAPI (the common choice of Danish municipalities): sending, and the delivery
reports it signs with a JWT."""

from __future__ import annotations

import json
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


def verify_gatewayapi(token: str | None, secret: str) -> dict[str, Any]:
    """The claims of GatewayAPI's ``X-Gwapi-Signature`` JWT (HS256 with the shared secret).

    Raises
    ------
    SignatureError
        If the header is missing or the token does not verify.
    """
    if not token or not secret:
        msg = "missing or unverifiable X-Gwapi-Signature"
        raise SignatureError(msg)
    try:
        claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError as exc:
        msg = "X-Gwapi-Signature does not verify"
        raise SignatureError(msg) from exc
    return claims


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
