"""Errors of the plans feature (web-free; ``service.api.problems`` renders them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..errors import FieldProblem
from ..i18n import _

if TYPE_CHECKING:
    from graphs import AddressNotFoundError

    from .schemas import PlanResponse


class PlanNotFoundError(LookupError):
    """No stored plan has that id."""

    outcome_kind: ClassVar[str] = "not-found"


class AddressError(ValueError):
    """An address the area's OSM file does not hold (or holds in more than one town); the
    message names the closest addresses there are, in the language of the moment."""

    outcome_kind: ClassVar[str] = "invalid-request"

    def __init__(self, found: AddressNotFoundError, area: str) -> None:
        self.text = found.text
        self.suggestions = found.suggestions
        matches = "; ".join(found.suggestions)
        if found.reason == "unreadable":
            message = _(
                "{address!r} is not an address: expected a street and a house number, "
                "e.g. {example}",
                address=found.text,
                example="Nørregade 1A, 9870 Sindal",
            )
        elif found.reason == "ambiguous":
            message = _(
                "address {address!r} is in more than one town in {area}; add the postcode: "
                "{matches}",
                address=found.text,
                area=area,
                matches=matches,
            )
        elif matches:
            message = _(
                "address {address!r} not found in {area}; closest: {matches}",
                address=found.text,
                area=area,
                matches=matches,
            )
        else:
            message = _(
                "address {address!r} not found in {area}, nor any street like it",
                address=found.text,
                area=area,
            )
        super().__init__(message)


class AreaConfigError(ValueError):
    """The configured areas leave no default area to plan on."""

    outcome_kind: ClassVar[str] = "invalid-config"


class VersionTakenError(RuntimeError):
    """Another version with the same number was stored first (a concurrent re-plan)."""


class VersionConflictError(RuntimeError):
    """A re-plan named a version that is no longer the newest: ``current`` is."""

    outcome_kind: ClassVar[str] = "version-conflict"

    def __init__(
        self,
        plan_id: str,
        asked: int | None,
        current: PlanResponse,
        *,
        message: str | None = None,
    ) -> None:
        self.plan_id = plan_id
        self.asked = asked
        self.current_id = current.id
        self.current_version = current.version
        default = _(
            "version {asked} of plan {plan!r} is not the newest: version {version} ({id}) is; "
            "re-plan from it",
            asked=asked,
            plan=plan_id,
            version=current.version,
            id=current.id,
        )
        super().__init__(message or default)
        self.problems = [FieldProblem("base_version", str(self))]
        self.problem_extra = {"current_version": current.version, "current_id": current.id}
