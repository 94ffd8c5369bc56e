"""The audit log: every key use and every alert, with who, what and the outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..db import retry_busy
from .models import AuditRecord

if TYPE_CHECKING:
    from ..db import SessionSource
    from .keys import Principal


def audit(
    db: SessionSource,
    principal: Principal | None,
    action: str,
    *,
    target: str | None = None,
    outcome: str = "ok",
) -> None:
    """Append one entry (ids only: never phone numbers or alert text).

    A write SQLite refuses as "database is locked" (many requests at once) is retried.
    """
    at = datetime.now(UTC)

    def write() -> None:
        with db.sessions() as session, session.begin():
            session.add(
                AuditRecord(
                    at=at,
                    key_id=principal.key_id if principal else None,
                    role=principal.role if principal else None,
                    action=action[:40],
                    target=target[:200] if target else None,
                    outcome=outcome[:40],
                )
            )

    retry_busy(write)


def audit_entries(db: SessionSource, *, limit: int = 1000) -> list[AuditRecord]:
    """The latest entries, oldest first."""
    with db.sessions() as session:
        rows = session.scalars(
            select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
        ).all()
    return list(reversed(rows))
