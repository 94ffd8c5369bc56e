"""Errors of the alerts feature; ``service.errors`` renders them as problem+json."""

from __future__ import annotations


class AlertNotFoundError(LookupError):
    """No alert with that id (or not one the caller may see)."""


class IdempotencyConflictError(ValueError):
    """The idempotency key was used before with another body."""


class SignatureError(PermissionError):
    """A delivery receipt whose signature does not check out."""


class SmsConfigError(ValueError):
    """The SMS provider settings are incomplete."""
