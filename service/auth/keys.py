"""API keys: created once and shown once, stored as a SHA-256 digest, each with one role.

Keys are 256-bit random tokens, so a fast digest is enough (no password stretching is
needed: there is nothing to guess).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from .models import ApiKeyRecord
from .roles import ROLES

if TYPE_CHECKING:
    from ..db import SessionSource

KEY_PREFIX = "eyes_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key id (None when auth is off) and its role."""

    key_id: str | None
    role: str

    @property
    def owner(self) -> str:
        """What alerts are filed under (idempotency keys are per owner)."""
        return self.key_id or ""


def digest(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(db: SessionSource, role: str, *, label: str = "") -> tuple[str, str]:
    """A new key for ``role``; returns (key id, key). The key is not stored, only its digest.

    Raises
    ------
    ValueError
        If ``role`` is not one of the roles.
    """
    if role not in ROLES:
        msg = f"role must be one of {', '.join(ROLES)}"
        raise ValueError(msg)
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"
    with db.sessions() as session, session.begin():
        session.add(
            ApiKeyRecord(
                id=key_id,
                key_hash=digest(key),
                role=role,
                label=label[:100],
                created_at=datetime.now(UTC),
                revoked=False,
            )
        )
    return key_id, key


def authenticate(db: SessionSource, key: str) -> Principal | None:
    """The principal of a key, or None for an unknown or revoked one."""
    with db.sessions() as session:
        record = session.scalars(
            select(ApiKeyRecord).where(ApiKeyRecord.key_hash == digest(key))
        ).first()
    if record is None or record.revoked:
        return None
    return Principal(record.id, record.role)
