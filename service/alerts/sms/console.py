"""The ``console`` provider: logs each message (phone masked) and keeps it in a table."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from ..models import ConsoleMessage
from ..text import mask_phone
from .base import FindResult, SendResult

if TYPE_CHECKING:
    from ...config import Settings
    from ..store import AlertStore
    from .base import OutgoingSms

log = logging.getLogger(__name__)


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
        # The console provider is the development stand-in for a phone: the text is its
        # delivery. Real providers never log a message's text.
        log.info("console SMS %s to %s: %s", sms.reference, mask_phone(sms.phone), sms.text)
        return SendResult("accepted", provider_message_id=sms.reference, delivered=True)

    def find(self, sms: OutgoingSms, *, since: datetime) -> FindResult:
        """Look the reference up in the table."""
        with self._store.sessions() as session:
            found = session.get(ConsoleMessage, sms.reference)
        return FindResult("found", sms.reference) if found else FindResult("absent")

    def close(self) -> None:
        """Nothing to release."""


def build(settings: Settings, store: AlertStore) -> ConsoleSender:
    """The console sender (a warning in prod: nothing reaches a phone)."""
    if settings.environment == "prod":
        log.warning("EYES_SMS_PROVIDER=console in prod: alerts are logged, no SMS is sent")
    return ConsoleSender(store)
