"""Errors of the plans feature (web-free; ``service.api.problems`` renders them)."""

from __future__ import annotations


class PlanNotFoundError(LookupError):
    """No stored plan has that id."""


class AreaConfigError(ValueError):
    """The configured areas leave no default area to plan on."""
