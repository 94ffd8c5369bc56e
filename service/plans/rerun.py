"""Planning a stored plan's request again, with another time limit or seed (the map's
"plan again"; re-planning from where staff are now is ``replan.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import FieldProblem, RequestError
from ..i18n import _
from .errors import PlanNotFoundError
from .schemas import PlanRequest
from .store import PlanRecord

if TYPE_CHECKING:
    from .store import PlanStore


class Rerun(BaseModel):
    """What changes when a plan is planned again; anything left out stays as it was."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float | None = Field(default=None, gt=0, description="Search time.")
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1, description="Another seed.")


def rerun_request(store: PlanStore, plan_id: str, change: Rerun) -> PlanRequest:
    """The request of stored plan ``plan_id`` with ``change`` applied, on the same date.

    Raises
    ------
    PlanNotFoundError
        If there is no such plan.
    RequestError
        If retention has deleted the staff phones the request needs.
    """
    with store.sessions() as session:
        record = session.get(PlanRecord, plan_id)
    if record is None:
        msg = _("no plan with id {id!r}.", id=plan_id)
        raise PlanNotFoundError(msg)
    body: dict[str, Any] = dict(record.request)
    if any(not shift.get("phone") for shift in body.get("shifts", [])):
        message = _(
            "the staff phones of this plan were deleted by retention; plan it again from its files"
        )
        raise RequestError([FieldProblem("plan", message)])
    body["date"] = body.get("date") or record.plan["date"]
    options = dict(body.get("options") or {})
    options.update(change.model_dump(exclude_none=True))
    body["options"] = options
    return PlanRequest.model_validate(body)
