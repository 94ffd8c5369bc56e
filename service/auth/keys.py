"""API keys: created once and shown once, stored as a SHA-256 digest, each with one role
and, for keys of a municipality, the areas it sees and acts on.

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
    from collections.abc import Collection

    from ..db import SessionSource

KEY_PREFIX = "eyes_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key id (None when auth is off), its role and its areas.

    ``areas`` is None for a key of every area: admin keys, and keys made before keys were
    scoped or without ``--areas``.
    """

    key_id: str | None
    role: str
    areas: frozenset[str] | None = None

    @property
    def owner(self) -> str:
        """What alerts are filed under (idempotency keys are per owner)."""
        return self.key_id or ""

    @property
    def scoped(self) -> bool:
        """Whether the key sees some areas only (not admin, and areas named)."""
        return self.role != "admin" and self.areas is not None

    def may_see(self, area: str) -> bool:
        """Whether the key sees and acts on ``area`` (every area for admin and unscoped
        keys)."""
        return not self.scoped or area in (self.areas or ())

    def visible(self) -> frozenset[str] | None:
        """The areas to limit a list to; None: every area."""
        return self.areas if self.scoped else None


def digest(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    db: SessionSource,
    role: str,
    *,
    label: str = "",
    areas: Collection[str] | None = None,
) -> tuple[str, str]:
    """A new key for ``role``; returns (key id, key). The key is not stored, only its digest.

    Parameters
    ----------
    db
        Where keys are stored.
    role
        One of `ROLES`.
    label
        Who the key is for (cut to 100 characters).
    areas
        The area names the key sees and acts on; None (or empty): every area. The names
        are stored as given: the caller checks them against the area catalogue.

    Raises
    ------
    ValueError
        If ``role`` is not one of the roles, or an admin key is given areas (admin sees
        every area).
    """
    if role not in ROLES:
        msg = f"role must be one of {', '.join(ROLES)}"
        raise ValueError(msg)
    scope = sorted(set(areas)) if areas else None
    if scope is not None and role == "admin":
        msg = "an admin key sees every area: leave out the areas, or choose another role"
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
                areas=scope,
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
    areas = frozenset(record.areas) if record.areas else None  # NULL or empty: every area
    return Principal(record.id, record.role, areas)
