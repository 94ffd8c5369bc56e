"""Delivery receipts from the SMS providers, checked with each provider's signature."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ...alerts.receipts import apply_receipt
from ...alerts.sms import IncomingReceipt, ReceiptProvider, read_receipt
from ...i18n import _
from ..deps import AlertStoreDep, SettingsDep
from ..problems import PROBLEM

router = APIRouter(prefix="/v1/sms/receipts", tags=["sms"])


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
    provider: ReceiptProvider,
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
        raise HTTPException(
            status_code=404,
            detail=_("{provider} is not the SMS provider in use", provider=provider),
        )
    url = str(request.url)
    if settings.public_base_url:  # the URL the provider signed, behind any proxy
        query = f"?{request.url.query}" if request.url.query else ""
        url = settings.public_base_url.rstrip("/") + request.url.path + query
    incoming = IncomingReceipt(
        url=url,
        headers=dict(request.headers),
        body=await request.body(),
        query=dict(request.query_params),
    )
    receipt = read_receipt(provider, incoming, settings)
    # The row lock and commit are blocking database work: off the event loop.
    result = await run_in_threadpool(apply_receipt, store, receipt, now=datetime.now(UTC))
    return ReceiptAnswer(result=result)
