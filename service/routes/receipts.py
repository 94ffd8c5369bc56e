"""Delivery receipts from the SMS providers, checked with each provider's signature."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from ..alerts.receipts import (
    apply_receipt,
    receipt_from_gatewayapi,
    receipt_from_twilio,
    signed_report,
    verify_gatewayapi,
    verify_twilio,
)
from ..deps import AlertStoreDep, SettingsDep

router = APIRouter(prefix="/v1/sms/receipts", tags=["sms"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


class ReceiptAnswer(BaseModel):
    """What was done with a receipt: applied, ignored (after a final state) or unknown."""

    result: str


@router.post(
    "/{provider}",
    responses={
        401: {"description": "Bad or missing signature", **PROBLEM},
        404: {"description": "Not the configured SMS provider", **PROBLEM},
        422: {"description": "Unknown provider", **PROBLEM},
    },
)
async def post_receipt(
    provider: Literal["gatewayapi", "twilio"],
    request: Request,
    store: AlertStoreDep,
    settings: SettingsDep,
) -> ReceiptAnswer:
    """A delivery report. GatewayAPI signs with a JWT (HS256) in `X-Gwapi-Signature`;
    Twilio with `X-Twilio-Signature` (HMAC-SHA1 of the URL and the sorted form fields).
    Only the configured provider (`EYES_SMS_PROVIDER`) is listened to; any other is a 404.
    GatewayAPI reports are read from the signed claims only (which must hold `status` and
    `userref` or `id`); a body contradicting them is refused."""
    if provider != settings.sms_provider:
        raise HTTPException(status_code=404, detail=f"{provider} is not the SMS provider in use")
    if provider == "gatewayapi":
        claims = verify_gatewayapi(
            request.headers.get("x-gwapi-signature"),
            settings.gatewayapi_webhook_secret.get_secret_value(),
        )
        signed_report(claims, await request.body())  # refuses a contradicting body
        receipt = receipt_from_gatewayapi(claims)
    else:
        form = dict(
            parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        )
        url = str(request.url)
        if settings.public_base_url:
            query = f"?{request.url.query}" if request.url.query else ""
            url = settings.public_base_url.rstrip("/") + request.url.path + query
        verify_twilio(
            url,
            form,
            request.headers.get("x-twilio-signature"),
            settings.sms_token.get_secret_value(),
        )
        receipt = receipt_from_twilio(form, reference=request.query_params.get("ref"))
    return ReceiptAnswer(result=apply_receipt(store, receipt, now=datetime.now(UTC)))
