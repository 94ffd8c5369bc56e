"""Delivery receipts: signature checks and applying a provider's report to an outbox row.

Receipts are untrusted until their signature checks out. Providers may report out of
order: once a row has a final state from a receipt, a later transient one is ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from sqlalchemy import select

from .errors import SignatureError
from .models import OutboxRecord

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from .store import AlertStore

GATEWAYAPI_FINAL = {
    "DELIVERED": "delivered",
    "ACCEPTED": "sent",
    "EXPIRED": "failed",
    "DELETED": "failed",
    "UNDELIVERABLE": "failed",
    "REJECTED": "failed",
    "SKIPPED": "failed",
}
TWILIO_FINAL = {
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified report: which message, its provider state, and whether that is final."""

    reference: str | None
    provider_message_id: str | None
    provider_status: str
    status: str | None  # delivered / failed / sent for a final state; None if transient
    error: str | None


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


def apply_receipt(store: AlertStore, receipt: Receipt, *, now: datetime) -> str:
    """Record a receipt on its outbox row; returns ``applied``, ``ignored`` or ``unknown``."""
    with store.sessions() as session, session.begin():
        row = None
        if receipt.reference:
            row = session.get(OutboxRecord, receipt.reference, with_for_update=True)
        if row is None and receipt.provider_message_id:
            row = session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.provider_message_id == receipt.provider_message_id[:64])
                .with_for_update()
            ).first()
        if row is None:
            return "unknown"
        if row.receipt_final:
            return "ignored"
        # Provider-supplied strings are cut to their columns (PostgreSQL refuses overlong).
        row.provider_status = receipt.provider_status[:32]
        if receipt.provider_message_id and not row.provider_message_id:
            row.provider_message_id = receipt.provider_message_id[:64]
        if receipt.status is None:
            return "applied"  # transient: noted; the row's status waits for a final state
        row.receipt_final = True
        row.status = receipt.status
        if receipt.status == "delivered":
            row.delivered_at = now
            row.failure_reason = None
        elif receipt.status == "failed":
            row.failed_at = now
            row.failure_reason = (
                f"provider reports {receipt.provider_status[:32]}"
                + (f" (error {receipt.error})" if receipt.error else "")
            )[:300]
        return "applied"
