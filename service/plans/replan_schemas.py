"""A re-plan request: the evening as it now is."""

from __future__ import annotations

from pydantic import Field

from ..geo import Point
from ..timeutil import ClockOrDateTime
from .schemas import (
    MAX_CLOSED_STREETS,
    HotspotIn,
    Identifier,
    Location,
    PlanOptions,
    ShiftIn,
    VisitIn,
    _Strict,
)


class StaffNow(_Strict):
    """Where a staff member is now: a position, or the stop they are at (it stays theirs)."""

    staff_id: Identifier
    location: Location | None = Field(default=None, description="Where they are now.")
    at_stop: Identifier | None = Field(
        default=None, description="The hotspot or visit they are at: it is kept, first."
    )


class Reweight(_Strict):
    """A hotspot's new weight."""

    id: Identifier
    weight: float = Field(gt=0, le=1000)


class ReplanRequest(_Strict):
    """The evening as it is now. Stops done never move; the rest is planned again from
    where each staff member is. A stop is done when its time has passed, when ``done``
    names it, or when an earlier version marked it done; the stop under way is kept. A
    position says where someone is, never what they did."""

    base_version: int | None = Field(
        default=None,
        ge=1,
        description="The version this re-plan starts from (or send its ETag as If-Match): "
        "if another re-plan has made a newer one since, the answer is 409 with it. Without "
        "it, re-plans of one plan are serialised: each builds on the newest version.",
    )

    now: ClockOrDateTime | None = Field(
        default=None, description="The time now (clock time on the plan date, or ISO)."
    )
    positions: list[StaffNow] = Field(default_factory=list, max_length=100)
    done: list[Identifier] = Field(
        default_factory=list, max_length=2000, description="Hotspot and visit ids done."
    )
    staff_leaving: list[Identifier] = Field(default_factory=list, max_length=100)
    staff_joining: list[ShiftIn] = Field(default_factory=list, max_length=100)
    visits_added: list[VisitIn] = Field(default_factory=list, max_length=500)
    visits_cancelled: list[Identifier] = Field(default_factory=list, max_length=500)
    hotspots_added: list[HotspotIn] = Field(default_factory=list, max_length=1500)
    hotspots_reweighted: list[Reweight] = Field(default_factory=list, max_length=1500)
    streets_closed: list[Point] = Field(
        default_factory=list,
        max_length=MAX_CLOSED_STREETS,
        description="Streets closed since the plan (added to those closed before): the "
        "rest of the evening goes around them.",
    )
    options: PlanOptions | None = Field(
        default=None, description="Default: the plan's own seed, with a 1.5 s time limit."
    )
    use_checkins: bool = Field(
        default=True,
        description="Take the staff's check-ins (their page) as done stops, and the newest "
        "position each checked in from as where they are, where `done` and `positions` do "
        "not say otherwise. false: only what this request says.",
    )
