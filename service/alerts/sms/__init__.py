"""SMS providers behind one interface: ``console`` (default), ``gatewayapi`` and ``twilio``.

Each provider is one module here holding its sender, ``build(settings, store)`` and
``read_receipt(incoming, settings)`` (signature check and parsing of its delivery reports).
Adding a provider is adding a module and a line to ``PROVIDERS``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Literal

from .base import (
    FindResult,
    IncomingReceipt,
    OutgoingSms,
    Receipt,
    SendResult,
    SmsSender,
)

if TYPE_CHECKING:
    from ...config import Settings
    from ..store import AlertStore

__all__ = [
    "PROVIDERS",
    "FindResult",
    "IncomingReceipt",
    "OutgoingSms",
    "Receipt",
    "ReceiptProvider",
    "SendResult",
    "SmsSender",
    "build_sender",
    "read_receipt",
]

# Providers that send delivery reports to ``POST /v1/sms/receipts/{provider}``.
ReceiptProvider = Literal["gatewayapi", "twilio"]

PROVIDERS: dict[str, str] = {
    "console": "service.alerts.sms.console",
    "gatewayapi": "service.alerts.sms.gatewayapi",
    "twilio": "service.alerts.sms.twilio",
}


def build_sender(settings: Settings, store: AlertStore) -> SmsSender:
    """The sender ``EYES_SMS_PROVIDER`` names.

    Raises
    ------
    SmsConfigError
        If a provider's required settings are missing.
    """
    module = importlib.import_module(PROVIDERS[settings.sms_provider])
    sender: SmsSender = module.build(settings, store)
    return sender


def read_receipt(
    provider: ReceiptProvider, incoming: IncomingReceipt, settings: Settings
) -> Receipt:
    """A provider's delivery report, verified by its signature and parsed.

    Raises
    ------
    SignatureError
        If the report does not verify.
    """
    module = importlib.import_module(PROVIDERS[provider])
    receipt: Receipt = module.read_receipt(incoming, settings)
    return receipt
