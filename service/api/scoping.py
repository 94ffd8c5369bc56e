"""The area a request acts on, for the key scope check (`service.auth.scope`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plans.schemas import PlanRequest

MATRIX_AREA = "matrix"
"""The area name a plan on an explicit matrix is stored under: no key scoped to areas acts
on it."""


def plan_request_area(request: PlanRequest, *, default_area: str) -> str:
    """The named area a plan request plans on: its own, the service's default, or
    `MATRIX_AREA` for an explicit matrix."""
    if isinstance(request.area, str):
        return request.area
    return default_area if request.area is None else MATRIX_AREA
