"""What the phone sends and reads, and what the dispatcher reads back (pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..geo import Point

TipCategory = Literal[
    "street_light", "open_door_window", "suspicious_vehicle", "suspicious_person", "damage", "other"
]
ClientId = Annotated[
    str,
    Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        description="Made on the phone (a UUID): the same id twice is one record.",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckinCreate(_Strict):
    """The staff member was at a stop."""

    id: ClientId
    stop_id: str = Field(min_length=1, max_length=80)
    at: datetime = Field(description="When it happened (no offset: Copenhagen time).")
    location: Point | None = Field(default=None, description="The phone's position then.")


class TipCreate(_Strict):
    """Something noticed along the way."""

    id: ClientId
    category: TipCategory
    text: str = Field(default="", max_length=1000)
    location: Point | None = None
    at: datetime = Field(description="When it was noticed (no offset: Copenhagen time).")
    for_police: bool = Field(default=False, description="Pass it on to the police.")


class LinkPublic(BaseModel):
    """A staff link: shown once (only its digest is stored)."""

    token: str
    url: str
    expires_at: datetime
    link_id: str | None = Field(default=None, exclude=True)


class PublishSkip(BaseModel):
    """A staff member not texted, and why."""

    staff_id: str
    reason: Literal["already_texted", "no_phone", "shift_over"]


class PublishOut(BaseModel):
    """Links texted to the staff through the SMS outbox."""

    message_id: str | None = Field(
        description="The outbox record of the texts (GET /v1/alerts/{id} shows delivery)."
    )
    texted: list[str]
    skipped: list[PublishSkip]


class FieldStop(BaseModel):
    """A stop as its staff member sees it: a hotspot by id, a client visit as a visit and
    a time only."""

    stop_id: str = Field(description="What a check-in names.")
    kind: Literal["hotspot", "visit"]
    label: str
    start: datetime
    departure: datetime
    dwell_min: float
    lat: float | None = Field(description="Null on a plan made on its own matrix.")
    lon: float | None
    done: bool


class FieldAlert(BaseModel):
    """A police alert sent to this staff member."""

    id: str
    sent_at: datetime
    message: str
    area_name: str
    area: dict[str, object]
    valid_until: datetime


class FieldView(BaseModel):
    """The staff member's evening: the newest version of their route, their check-ins and
    the alerts sent to them. Nothing about anyone else."""

    staff_id: str
    name: str
    area: str
    date: date
    version: int
    on_plan: bool = Field(description="False when a re-plan has taken them off the plan.")
    shift_start: datetime
    shift_end: datetime
    mode: str
    stops: list[FieldStop]
    next_stop: str | None = Field(description="The first stop not done.")
    line: list[tuple[float, float]] = Field(description="The route's street line, [lon, lat].")
    start: tuple[float, float] | None = Field(description="[lat, lon] of the route's start.")
    alerts: list[FieldAlert]
    checked_in: int


class Accepted(BaseModel):
    """A check-in or tip stored (``created`` false: the same id was stored before)."""

    id: str
    created: bool


class TipPublic(BaseModel):
    """A tip as a dispatcher (with its staff member) or the police (without) read it."""

    id: str
    area: str
    category: TipCategory
    text: str
    at: datetime
    for_police: bool
    lat: float | None
    lon: float | None
    staff_id: str | None = Field(default=None, description="Not shown to the police.")


class StaffProgress(BaseModel):
    """How one staff member's evening is going."""

    staff_id: str
    stops_planned: int
    stops_done: list[str] = Field(
        description='The stops done: a visit by its id, a hotspot by its id ("hs-3#2" for '
        "its second visit)."
    )
    last_position: tuple[float, float] | None = Field(description="[lat, lon]")
    last_seen_at: datetime | None
    behind_min: float | None = Field(
        description="Minutes behind the plan at the last check-in (negative: ahead)."
    )


class PlanProgress(BaseModel):
    """Per staff member of the newest version: done, where, ahead or behind."""

    plan_id: str
    version: int
    staff: list[StaffProgress]


class DoseOut(BaseModel):
    """Visits and minutes of presence, planned and delivered (checked in)."""

    planned_visits: int
    planned_min: float
    delivered_visits: int
    delivered_min: float
    delivered_share: float | None = Field(description="Delivered over planned minutes.")


class NightDoseOut(DoseOut):
    """One night's dose."""

    date: date


class HotspotDoseOut(DoseOut):
    """One hotspot's dose over the nights."""

    id: str
    lat: float | None
    lon: float | None
    local_area: str | None


class LocalAreaDoseOut(DoseOut):
    """One local area's dose over the nights."""

    name: str


class DosageOut(BaseModel):
    """Presence at the hotspots of an area from one night to another."""

    area: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    rule: str
    local_areas_from: str
    total: DoseOut
    nights: list[NightDoseOut]
    local_areas: list[LocalAreaDoseOut]
    hotspots: list[HotspotDoseOut]

    model_config = ConfigDict(populate_by_name=True)
