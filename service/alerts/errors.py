"""Errors of the alerts feature; ``service.errors`` renders them as problem+json."""

from __future__ import annotations

from typing import ClassVar

from ..errors import FieldProblem


class AlertNotFoundError(LookupError):
    """No alert with that id (or not one the caller may see)."""

    outcome_kind: ClassVar[str] = "not-found"


class IdempotencyConflictError(ValueError):
    """The idempotency key was used before with another body."""

    outcome_kind: ClassVar[str] = "conflict"

    @property
    def problems(self) -> list[FieldProblem]:
        """The header at fault."""
        return [FieldProblem("Idempotency-Key", str(self))]


class SignatureError(PermissionError):
    """A delivery receipt whose signature does not check out."""

    outcome_kind: ClassVar[str] = "bad-signature"


class SmsConfigError(ValueError):
    """The SMS provider settings are incomplete."""

    outcome_kind: ClassVar[str] = "invalid-config"
