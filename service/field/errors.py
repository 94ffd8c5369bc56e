"""Errors of the field feature (web-free; ``service.api.problems`` renders them)."""

from __future__ import annotations

from typing import ClassVar


class LinkInvalidError(LookupError):
    """Not a staff link's shape (a typo or a guess): nothing is looked up."""

    outcome_kind: ClassVar[str] = "bad-link"


class LinkNotFoundError(LookupError):
    """No staff link has this token."""

    outcome_kind: ClassVar[str] = "not-found"


class LinkGoneError(LookupError):
    """The staff link expired or was revoked."""

    outcome_kind: ClassVar[str] = "gone"


class StaffNotInPlanError(LookupError):
    """The plan has no staff member of that id."""

    outcome_kind: ClassVar[str] = "not-found"
