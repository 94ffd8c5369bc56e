"""Applying a verified delivery report to its outbox row.

Providers may report out of order: once a row has a final state from a receipt, a later
transient one is ignored. Each provider's signature check and parsing live beside its
sender (``service/alerts/sms/``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from .models import OutboxRecord

if TYPE_CHECKING:
    from datetime import datetime

    from .sms import Receipt
    from .store import AlertStore


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
