"""What every SMS provider shares: the message, the outcome of a send or a look-up, the
sender interface, and a delivery report read from a provider's callback.

A sender never raises for a provider's answer: it classifies it. ``accepted`` (the provider
took the message), ``retry`` (5xx, 429, timeout, connection trouble: try again later) or
``rejected`` (any other 4xx: retrying cannot help). ``in_doubt`` marks a retry where the
request may have reached the provider (a read timeout, a dropped connection): before the
next attempt the worker asks ``find`` whether the message exists.

A provider is one module of this package with a sender class, ``build(settings, store)``
and ``read_receipt(incoming, settings)``; ``service.alerts.sms`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime


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


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified report: which message, its provider state, and whether that is final."""

    reference: str | None
    provider_message_id: str | None
    provider_status: str
    status: str | None  # delivered / failed / sent for a final state; None if transient
    error: str | None


@dataclass(frozen=True, slots=True)
class IncomingReceipt:
    """A delivery report as it reached ``POST /v1/sms/receipts/{provider}``: the public URL
    the provider signed (query included), the headers, the raw body and the query."""

    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str]
