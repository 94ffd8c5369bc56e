"""The alerts API at its edge: ``AlertCreate`` in, ``AlertAccepted``/``AlertPublic`` out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import shapely
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator
from shapely.geometry import Polygon

from .. import i18n
from ..geo import Point
from ..i18n import N_
from .text import MAX_SEGMENTS, segment_count, sms_text

Severity = Literal["info", "warning", "urgent"]
Targeting = Literal["near_route", "all_on_shift"]
SentAs = Literal["near_route", "all_on_shift", "staff_links"]
"""What a stored record was: an alert by its targeting, or the staff's links texted."""
RecipientStatus = Literal["queued", "sending", "sent", "delivered", "failed"]

MAX_MESSAGE_CHARS = 2 * 160
MAX_POLYGON_VERTICES = 1000
# Radius limit; the configurable service limit (EYES_MAX_ALERT_RADIUS_M) is checked on top.
MAX_RADIUS_M = 100_000.0


PLAIN_TEXT_PATTERN = r"^[^\x00-\x09\x0b-\x1f]*[^\s\x00-\x1f][^\x00-\x09\x0b-\x1f]*$"
"""What `_plain` accepts, stated in the OpenAPI: no control character but a line break, and
something besides white space."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class CircleArea(_Strict):
    """A point and a radius in metres."""

    type: Literal["Circle"] = "Circle"
    center: Point
    radius_m: float = Field(
        ge=1,
        le=MAX_RADIUS_M,
        examples=[400],
        description="Metres; at least EYES_MIN_ALERT_RADIUS_M (200 by default).",
    )


class PolygonArea(_Strict):
    """A GeoJSON (RFC 7946) Polygon: rings of ``[lon, lat]`` positions, the first ring outside."""

    type: Literal["Polygon"]
    coordinates: list[list[Annotated[list[float], Field(min_length=2, max_length=3)]]] = Field(
        min_length=1, max_length=20
    )

    @field_validator("coordinates")
    @classmethod
    def _valid_polygon(cls, rings: list[list[list[float]]]) -> list[list[list[float]]]:
        if sum(len(r) for r in rings) > MAX_POLYGON_VERTICES:
            msg = i18n._("a polygon may have at most {most} positions", most=MAX_POLYGON_VERTICES)
            raise ValueError(msg)
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                msg = i18n._("each ring needs at least 4 positions and must end where it starts")
                raise ValueError(msg)
            if any(not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90) for p in ring):
                msg = i18n._(
                    "positions are [lon, lat] with lon in [-180, 180] and lat in [-90, 90]"
                )
                raise ValueError(msg)
        polygon = Polygon(
            [tuple(p[:2]) for p in rings[0]], [[tuple(p[:2]) for p in r] for r in rings[1:]]
        )
        if not polygon.is_valid or polygon.area == 0:
            reason = shapely.is_valid_reason(polygon)
            msg = i18n._("not a valid polygon ({reason})", reason=reason)
            raise ValueError(msg)
        return rings


def _area_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "Polygon" if value.get("type") == "Polygon" else "Circle"
    return "Polygon" if isinstance(value, PolygonArea) else "Circle"


AlertArea = Annotated[
    Annotated[CircleArea, Tag("Circle")] | Annotated[PolygonArea, Tag("Polygon")],
    Discriminator(_area_kind),
]


PATROL_NOTE = N_("The routes were changed to stop in the area.")
"""Appended to a patrol alert's SMS: the recipients' routes changed (no stop or client named)."""


class PatrolIn(_Strict):
    """Make the alert's area a priority stop of tonight's plans there, and re-plan them."""

    weight: float = Field(default=100, gt=0, le=1000, description="The stop's hotspot weight.")
    dwell_min: float = Field(default=15, ge=0, le=240, description="Minutes at the stop.")


class AlertCreate(_Strict):
    """A police alert: what to watch for, where, and when."""

    message: str = Field(
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        description="Plain text; with the area name it must fit in 2 SMS segments.",
        examples=["Hold øje med en hvid varevogn uden nummerplader."],
        json_schema_extra={"pattern": PLAIN_TEXT_PATTERN},
    )
    area_name: str = Field(
        min_length=1,
        max_length=60,
        description="Sent with the message.",
        examples=["Sindal"],
        json_schema_extra={"pattern": PLAIN_TEXT_PATTERN},
    )
    area: AlertArea
    valid_from: datetime | None = Field(
        default=None, description="Default now; no offset means Copenhagen time."
    )
    valid_until: datetime = Field(description="No offset means Copenhagen time.")
    severity: Severity = "warning"
    targeting: Targeting = Field(
        default="near_route",
        description="near_route: staff whose planned route passes the area while the alert "
        "is valid; all_on_shift: everyone whose shift overlaps it.",
    )
    patrol: PatrolIn | None = Field(
        default=None,
        description="Add the area (its centre) as a priority stop, within the validity, to "
        "tonight's plans there and re-plan them before choosing recipients; the SMS says "
        "the routes changed.",
    )

    @field_validator("message", "area_name")
    @classmethod
    def _plain(cls, value: str) -> str:
        value = value.strip()
        if not value:
            msg = i18n._("must not be empty")
            raise ValueError(msg)
        if any(ord(c) < 32 and c != "\n" for c in value):
            msg = i18n._("must be plain text (no control characters)")
            raise ValueError(msg)
        return value

    def full_message(self) -> str:
        """The message as sent: a patrol alert says the routes changed."""
        if self.patrol is None:
            return self.message
        with i18n.use_language(i18n.staff_language()):  # the staff's language
            return f"{self.message} {i18n._(PATROL_NOTE)}"

    def text(self) -> str:
        """The SMS text."""
        return sms_text(self.full_message(), self.area_name)

    def too_long(self) -> bool:
        """Whether the SMS text needs more than 2 segments."""
        return segment_count(self.text()) > MAX_SEGMENTS


class RecipientPublic(BaseModel):
    """One staff member the alert goes to, and how far the SMS has got.

    A police key sees recipients anonymised (discretion): a running label instead of the
    staff id, no phone, no plan id, and only the kind of reason (no route times).
    """

    staff_id: str = Field(description="Police keys: an anonymous label, e.g. recipient-1.")
    phone: str | None = Field(description="Masked, e.g. +45 •••• ••12; null for police keys.")
    reason: str = Field(
        description="Why this person was chosen (police keys: near_route or all_on_shift)."
    )
    plan_id: str | None
    status: RecipientStatus
    attempts: int
    failure_reason: str | None
    queued_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


class AlertAccepted(BaseModel):
    """The answer to a new alert.

    Police keys see how many staff a ``near_route`` alert reaches only as a band
    (``recipients_band``; ``recipients`` is null): an exact count of 0 or 1 on a small area
    would tell where a home-care visit is."""

    id: str
    recipients: int | None = Field(description="Null for police keys on near_route alerts.")
    recipients_band: str | None = Field(
        default=None, description="Police keys: 'fewer than 3', '3-9' or '10 or more'."
    )
    note: str | None = Field(description="Set when few or no staff were found to reach.")
    replanned: list[str] = Field(
        default_factory=list, description="Patrol alerts: the new plan versions made."
    )


class AlertPublic(BaseModel):
    """A stored alert with the state of every recipient."""

    id: str
    created_at: datetime
    area_name: str
    area: dict[str, Any]
    valid_from: datetime
    valid_until: datetime
    severity: Severity
    targeting: SentAs
    message: str | None = Field(description="Null once deleted by retention.")
    segments: int
    recipient_count: int | None = Field(
        description="Null for police keys on near_route alerts (see recipients_band)."
    )
    recipients_band: str | None = None
    counts: dict[str, int] = Field(
        description="Recipients by state (empty for police keys on near_route alerts)."
    )
    delivery: str | None = Field(
        default=None,
        description="Police keys on near_route alerts, at or above the band floor: 'in "
        "progress', 'all sent' or 'done, some failed' instead of counts.",
    )
    note: str | None
    recipients: list[RecipientPublic]


class AlertSummary(BaseModel):
    """A line in the list of recent alerts."""

    id: str
    created_at: datetime
    area_name: str
    severity: Severity
    valid_from: datetime
    valid_until: datetime
    targeting: SentAs = "near_route"
    recipient_count: int | None
    recipients_band: str | None = None
    counts: dict[str, int]
    delivery: str | None = Field(
        default=None, description="As on the alert: police keys on near_route alerts."
    )
