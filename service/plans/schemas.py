"""Plan requests and responses (pydantic): every boundary check of a plan lives here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..geo import Point
from ..spreadsheets import clock_text
from ..timeutil import ClockOrDateTime, today_local

Role = Literal["service_guard", "home_care", "road_park", "other"]
TravelMode = Literal["drive", "bike", "walk"]
Identifier = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]

MAX_SHIFTS = 100
MAX_HOTSPOTS = 1500
MAX_VISITS = 500
MAX_CLOSED_STREETS = 50
MAX_MATRIX_SIZE = 2500
# Numeric bounds where the domain has them: no leg takes a week, no distance is longer than
# the way round the Earth, a plan is for a date within about a year of today.
MAX_TRAVEL_TIME_S = 7 * 24 * 3600
MAX_DISTANCE_M = 40_075_000.0
MAX_DAYS_FROM_TODAY = 366
MAX_TIME_LIMIT_S = 3600.0

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SEP = r"[\s()-]*"
PHONE_PATTERN = (
    rf"^{_SEP}(?:\+|00){_SEP}(?:4{_SEP}5(?:{_SEP}\d){{8}}|4{_SEP}[0-46-9](?:{_SEP}\d){{5,13}}"
    rf"|[1-35-9](?:{_SEP}\d){{6,14}}){_SEP}$"
)
"""What `normalise_phone` accepts (spaces, brackets and dashes anywhere; + or 00; Danish
numbers 8 digits after 45), stated in the OpenAPI without look-arounds."""


def normalise_phone(raw: str) -> str:
    """A phone number in E.164 form; Danish numbers must have 8 digits after +45.

    Raises
    ------
    ValueError
        With a sentence saying what is wrong (the number itself is not repeated).
    """
    phone = re.sub(r"[\s()-]", "", raw)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.fullmatch(phone):
        msg = "not a valid phone number: use E.164 with country code, e.g. +4512345678"
        raise ValueError(msg)
    if phone.startswith("+45") and len(phone) != 11:
        msg = "a Danish phone number has 8 digits after +45"
        raise ValueError(msg)
    return phone


def _near_today(value: Any) -> Any:
    """A date or datetime at most ``MAX_DAYS_FROM_TODAY`` from today (a clock time passes).

    Compared by calendar date, which cannot overflow however far the year is.
    """
    if isinstance(value, datetime | dt.date):
        day = value.date() if isinstance(value, datetime) else value
        if abs((day - today_local()).days) > MAX_DAYS_FROM_TODAY:
            msg = f"must be within {MAX_DAYS_FROM_TODAY} days of today"
            raise ValueError(msg)
    return value


def _danish_clock(value: Any) -> Any:
    """A clock time as Danes write it (``17.00``) as ``17:00`` (else pydantic reads it as
    seconds since 1970); anything else unchanged. Dates stay ISO in JSON: a day-first date
    (``07-12-2026``) is read in CSV files only, where it is the local convention."""
    return clock_text(value) if isinstance(value, str) else value


PlanDate = Annotated[dt.date, AfterValidator(_near_today)]
PlanTime = Annotated[ClockOrDateTime, BeforeValidator(_danish_clock), AfterValidator(_near_today)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MatrixIndex(_Strict):
    """A location given as a row of the request's own travel-time matrix."""

    index: int = Field(ge=0, lt=MAX_MATRIX_SIZE)


MAX_ADDRESS_CHARS = 200


class AddressIn(_Strict):
    """A location given as a Danish address on a named area ("Nørregade 12B, 9870
    Sindal"; postcode and town optional, floor and door ignored). It is looked up in the
    area's own OSM file, offline, and replaced by its point before the request is planned
    or stored: the text itself is never kept."""

    address: str = Field(
        min_length=1,
        max_length=MAX_ADDRESS_CHARS,
        examples=["Nørregade 1A, 9870 Sindal"],
    )


def _location_kind(value: Any) -> str:
    if isinstance(value, dict):
        if value.get("address") is not None:
            return "Address"
        return "MatrixIndex" if value.get("index") is not None else "Point"
    if isinstance(value, AddressIn):
        return "Address"
    return "MatrixIndex" if isinstance(value, MatrixIndex) else "Point"


def _without_null_coordinates(value: Any) -> Any:
    """A location as answered (``{"lat", "lon", "index": null}``) is accepted back: null
    ``lat``/``lon``/``index`` are dropped before the location is read."""
    if isinstance(value, dict) and any(
        value.get(key, 0) is None for key in ("lat", "lon", "index")
    ):
        return {k: v for k, v in value.items() if not (k in {"lat", "lon", "index"} and v is None)}
    return value


Location = Annotated[
    Annotated[Point, Tag("Point")]
    | Annotated[MatrixIndex, Tag("MatrixIndex")]
    | Annotated[AddressIn, Tag("Address")],
    Discriminator(_location_kind),
    BeforeValidator(_without_null_coordinates),
]


class MatrixArea(_Strict):
    """An explicit area: travel times in seconds between locations identified by index."""

    travel_time_s: list[
        Annotated[
            list[Annotated[int, Field(ge=0, le=MAX_TRAVEL_TIME_S)]],
            Field(max_length=MAX_MATRIX_SIZE, fail_fast=True),
        ]
    ] = Field(
        max_length=MAX_MATRIX_SIZE,
        fail_fast=True,
        json_schema_extra={"minItems": 1},
        description="Square matrix; row i, column j is the travel time from location i to j "
        f"(whole seconds, at most {MAX_TRAVEL_TIME_S}).",
    )
    distance_m: (
        list[
            Annotated[
                list[Annotated[float, Field(ge=0, le=MAX_DISTANCE_M, allow_inf_nan=False)]],
                Field(max_length=MAX_MATRIX_SIZE, fail_fast=True),
            ]
        ]
        | None
    ) = Field(default=None, max_length=MAX_MATRIX_SIZE, fail_fast=True)

    @model_validator(mode="after")
    def _square(self) -> MatrixArea:
        n = len(self.travel_time_s)
        if not 1 <= n <= MAX_MATRIX_SIZE:
            msg = f"travel_time_s must have between 1 and {MAX_MATRIX_SIZE} rows"
            raise ValueError(msg)
        if any(len(row) != n for row in self.travel_time_s):
            msg = "travel_time_s must be square"
            raise ValueError(msg)
        if self.distance_m is not None and (
            len(self.distance_m) != n or any(len(row) != n for row in self.distance_m)
        ):
            msg = "distance_m must have the same shape as travel_time_s"
            raise ValueError(msg)
        return self


def _area_kind(value: Any) -> str:
    return "str" if isinstance(value, str) else "MatrixArea"


AreaChoice = Annotated[
    Annotated[Annotated[str, Field(min_length=1, max_length=64)], Tag("str")]
    | Annotated[MatrixArea, Tag("MatrixArea")],
    Discriminator(_area_kind),
]


class Window(_Strict):
    """A time window: a clock time (``"18:00"``, taken on the plan date) or a full datetime."""

    start: PlanTime
    end: PlanTime


class FixedVisitIn(_Strict):
    """A visit of a home-care route as its scheduler planned it: kept in the order given,
    starting within ``tolerance_min`` of ``planned_start``."""

    id: Identifier
    location: Location
    planned_start: PlanTime = Field(description="Clock time on the plan date, or ISO.")
    duration_min: float = Field(ge=0, le=480)
    tolerance_min: float = Field(
        default=15, ge=0, le=240, description="How far the start may move either way."
    )


class ShiftIn(_Strict):
    """One staff member on shift tonight."""

    id: Identifier
    name: str = Field(default="", max_length=100)
    phone: str = Field(
        description="E.164, e.g. +4512345678 (Danish: +45 and 8 digits).",
        json_schema_extra={"pattern": PHONE_PATTERN},
    )
    role: Role = "service_guard"
    mode: TravelMode = "drive"
    start_location: Location
    end_location: Location | None = Field(default=None, description="Defaults to the start.")
    start_time: PlanTime
    end_time: PlanTime
    fixed_visits: list[FixedVisitIn] = Field(
        default_factory=list,
        max_length=60,
        description="A home-care route to keep: visits in this order, hotspots fitted between.",
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_phone(value)


class HotspotIn(_Strict):
    """An area to patrol, worth ``weight`` on the first visit; repeats are worth less."""

    id: Identifier
    location: Location
    weight: float = Field(gt=0, le=1000)
    dwell_min: float = Field(
        default=10, ge=0, le=240, description="Minutes on site; 10-15 deter longest."
    )
    windows: list[Window] = Field(
        default_factory=list, max_length=10, description="When the stop may start."
    )
    max_visits: int = Field(default=1, ge=1, le=6)
    min_gap_min: float = Field(default=60, ge=0, le=720)
    repeat_value: float = Field(
        default=0.5, gt=0, le=1, description="Worth of each repeat relative to the visit before."
    )
    passing_counts: bool = Field(
        default=False,
        description="If no one stops here, a walking or cycling route along its street while "
        "a window is open counts as coverage in passing (reported apart).",
    )


class VisitIn(_Strict):
    """A mandatory visit (home care): kept, or the request fails naming it."""

    id: Identifier
    location: Location
    window: Window = Field(description="When the visit may start.")
    duration_min: float = Field(ge=0, le=480)
    staff_ids: list[Identifier] | None = Field(
        default=None, max_length=MAX_SHIFTS, description="Only these staff may serve it."
    )
    roles: list[Role] | None = Field(
        default=None, max_length=4, description="Only these roles may serve it."
    )


class VariationIn(_Strict):
    """Routes that differ from the night before, at a bounded price in coverage."""

    enabled: bool = Field(
        default=True, description="Compare with the newest plan of the day before, if any."
    )
    max_coverage_loss_pct: float = Field(
        default=3, ge=0, le=50, description="Cover at least (100 - this) % of the best plan."
    )
    repeat_cost: float = Field(
        default=0.5,
        ge=0,
        le=10,
        description="What revisiting a hotspot the same staff member patrolled last night "
        "costs, as a share of the median hotspot weight.",
    )


class HotspotsFrom(_Strict):
    """Hotspots forecast from the area's stored burglary records (as ``GET /v1/hotspots``),
    instead of listing them; the API and the CLI turn them into ``hotspots`` before
    planning (``service.incidents.expand``)."""

    as_of: datetime | dt.date | None = Field(
        default=None,
        description="Only records known before this moment count; a date means its start "
        "(00:00 Copenhagen). Default: now (for a past plan date: its start).",
    )
    count: int = Field(default=20, ge=1, le=200, description="Hotspots at most.")
    top_weight: float = Field(
        default=100,
        gt=0,
        le=1000,
        description="Weight of the top hotspot; the others in proportion to their expected "
        "burglaries (at least 0.1).",
    )
    dwell_min: float = Field(default=10, ge=0, le=240)
    max_visits: int = Field(default=1, ge=1, le=6)
    min_gap_min: float = Field(default=60, ge=0, le=720)
    use_windows: bool = Field(
        default=True,
        description="Start each stop in the evening hours its burglaries happened in "
        "(no window when the records carry no times).",
    )


class PlanOptions(_Strict):
    """Search settings."""

    time_limit_s: float | None = Field(
        default=None, gt=0, le=MAX_TIME_LIMIT_S, description="Default: 5 s."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Vary it between nights.")
    stop_early: bool = Field(
        default=True,
        description="Stop once the search has converged (time_limit_s is a maximum); false "
        "searches for the whole time limit.",
    )
    variation: VariationIn = Field(default_factory=VariationIn)
    passing_within_m: float = Field(
        default=30, gt=0, le=200, description="How near a route must pass for passing coverage."
    )
    balance_weight_per_hour: float = Field(
        default=0,
        ge=0,
        le=1000,
        description="Balance the evening: coverage weight worth giving up to cut an hour "
        "from the longest route's busy time (0: off). The price is reported.",
    )


@dataclass(frozen=True, slots=True)
class VisitEntry:
    """A mandatory visit of the request, free or fixed in a shift's sequence."""

    field: str
    id: str
    location: Location
    duration_min: float
    shift: int | None
    """The shift whose fixed sequence holds it (None for a free visit)."""


class PlanRequest(_Strict):
    """Tonight's plan: shifts, hotspots to cover and visits to keep, on an area."""

    area: AreaChoice | None = Field(
        default=None, description="A named area (default: the service's) or an explicit matrix."
    )
    date: PlanDate | None = Field(
        default=None, description="Plan date; default today (Copenhagen)."
    )
    latest_end: time | None = Field(
        default=time(22, 0), description="No route ends after this local time; null for none."
    )
    shifts: list[ShiftIn] = Field(min_length=1, max_length=MAX_SHIFTS)
    hotspots: list[HotspotIn] = Field(default_factory=list, max_length=MAX_HOTSPOTS)
    hotspots_from: HotspotsFrom | None = Field(
        default=None, description="Forecast the hotspots from stored burglary records."
    )
    visits: list[VisitIn] = Field(default_factory=list, max_length=MAX_VISITS)
    streets_closed: list[Point] = Field(
        default_factory=list,
        max_length=MAX_CLOSED_STREETS,
        description="Streets closed tonight: the street nearest each point is closed both "
        "ways (named areas). Routes drive, walk and cycle around it; a stop on it is still "
        "reached along its own stretch.",
    )
    options: PlanOptions = Field(default_factory=PlanOptions)

    def visit_entries(self) -> list[VisitEntry]:
        """Every mandatory visit: the free ones, then each shift's fixed visits in order.

        This order is the solver's visit numbering.
        """
        entries = [
            VisitEntry(f"visits[{i}]", v.id, v.location, v.duration_min, None)
            for i, v in enumerate(self.visits)
        ]
        entries += [
            VisitEntry(f"shifts[{s}].fixed_visits[{j}]", f.id, f.location, f.duration_min, s)
            for s, shift in enumerate(self.shifts)
            for j, f in enumerate(shift.fixed_visits)
        ]
        return entries

    @field_validator("hotspots_from")
    @classmethod
    def _hotspots_or_forecast(
        cls, value: HotspotsFrom | None, info: ValidationInfo
    ) -> HotspotsFrom | None:
        if value is not None and info.data.get("hotspots"):
            msg = "give hotspots or hotspots_from, not both"
            raise ValueError(msg)
        if value is not None and isinstance(info.data.get("area"), MatrixArea):
            msg = "hotspots_from needs a named area (the records' streets), not a matrix"
            raise ValueError(msg)
        return value

    @field_validator("streets_closed")
    @classmethod
    def _closed_on_streets(cls, value: list[Point], info: ValidationInfo) -> list[Point]:
        if value and isinstance(info.data.get("area"), MatrixArea):
            msg = "streets_closed needs a named area (its streets), not a matrix"
            raise ValueError(msg)
        return value


# A local clock time as answered ("22:00:00"): JSON Schema's "time" format (RFC 3339)
# requires an offset, which a Copenhagen clock time does not carry.
LocalClock = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "examples": ["22:00:00"]}
    ),
]


class PointOut(BaseModel):
    """A location in the answer: ``lat``/``lon`` on a named area, ``index`` on a matrix
    (the other null); sent back as it is (e.g. as a re-plan's position) it is accepted as
    a location."""

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    def as_location(self) -> Point | MatrixIndex:
        """The location this is, as a request gives it."""
        if self.index is not None:
            return MatrixIndex(index=self.index)
        if self.lat is None or self.lon is None:
            msg = "a location needs lat and lon, or an index"
            raise ValueError(msg)
        return Point(lat=self.lat, lon=self.lon)


class StopOut(BaseModel):
    """A stop on a route, with its local times."""

    kind: Literal["start", "hotspot", "visit", "end"]
    id: str | None = Field(description="Hotspot or visit id; null for start and end.")
    location: PointOut = Field(description="The location as requested.")
    street: PointOut | None = Field(
        default=None,
        description="Where the stop lies on the street its staff member travels (named "
        "areas): the route line starts and ends here.",
    )
    snap_m: float | None = Field(
        default=None, description="Metres from the requested location to the street point."
    )
    done: bool = Field(
        default=False, description="In a re-plan: done (or under way) before it; never moved."
    )
    arrival: datetime
    start: datetime
    departure: datetime
    wait_min: float
    dwell_min: float
    weight: float = Field(description="Coverage weight this stop earns.")
    visit_number: int | None = None


class RouteOut(BaseModel):
    """One staff member's route."""

    staff_id: str
    name: str
    role: Role
    mode: TravelMode
    start: datetime
    end: datetime
    travel_min: float
    distance_km: float | None
    weight_covered: float
    busy_min: float = Field(default=0, description="Travel plus time at stops (no waiting).")
    overlap_with_previous: float | None = Field(
        default=None,
        description="Share of this route's hotspot stops the same staff member made in the "
        "previous night's plan (null without one).",
    )
    patrol_extra_min: float | None = Field(
        default=None,
        description="For a shift with fixed visits: minutes its hotspot stops add (their "
        "dwell and the travel beyond the fixed route alone).",
    )
    stops: list[StopOut]


class LeftOutOut(BaseModel):
    """A hotspot no route visits, and why."""

    hotspot_id: str
    weight: float
    reason: Literal["unreachable_in_window", "not_enough_time"]
    detail: str


class PassOut(BaseModel):
    """A hotspot no one stops at, covered in passing by a walking or cycling route."""

    hotspot_id: str
    staff_id: str
    at: datetime
    weight: float


class VariationOut(BaseModel):
    """How tonight's routes differ from the night before, and what it cost."""

    previous_plan_id: str
    overlap: float = Field(description="Mean share of repeated hotspot stops per staff member.")
    overlap_best: float = Field(description="The same for the best plan without variation.")
    coverage_vs_best_pct: float = Field(description="Covered weight as % of the best plan's.")
    applied: bool = Field(description="False when varying would cost more than allowed.")


class BalanceOut(BaseModel):
    """What balancing the evening changed, and its price in coverage."""

    longest_busy_min: float
    longest_busy_min_unbalanced: float
    price_weight: float = Field(description="Coverage given up for balance (0 or more).")


class PlanSummary(BaseModel):
    """Totals over the plan."""

    weight_total: float = Field(description="Sum of all hotspot weights.")
    weight_visited: float = Field(description="Weight of the hotspots visited at least once.")
    weight_covered: float = Field(description="Coverage earned, repeat visits included.")
    coverage_ratio: float | None = Field(
        description="weight_visited / weight_total; null when there is nothing to cover."
    )
    hotspots_visited: int
    hotspots_left_out: int
    visits_kept: int
    travel_min: float
    distance_km: float | None
    solve_time_s: float
    time_limit_s: float | None = Field(
        default=None,
        description="The search's limit; it stops sooner once more search cannot help.",
    )
    variation: VariationOut | None = None
    balance: BalanceOut | None = None
    weight_passing: float = Field(
        default=0, description="Weight of left-out hotspots covered in passing (apart)."
    )


class WarningOut(BaseModel):
    """Something the planner changed or doubts in the request: the plan was still made."""

    field: str = Field(examples=["shifts[0].end_time"])
    code: str = Field(
        description="past_date, shift_cut, window_other_day, nothing_to_cover, "
        "time_limit_capped, outside_area, far_from_street"
    )
    message: str
    id: str | None = Field(default=None, description="The id of the item the field belongs to.")


class StopMove(BaseModel):
    """A stop kept but at another time, or by another staff member."""

    id: str
    before: str = Field(description="HH:MM in the previous version.")
    after: str = Field(description="HH:MM now.")


class StaffChange(BaseModel):
    """What the re-plan changed for one staff member, in words a dispatcher can read out."""

    staff_id: str
    added: list[str]
    dropped: list[str]
    moved: list[StopMove]
    text: str


class PlanVersion(BaseModel):
    """One version of a plan."""

    id: str
    version: int
    parent_id: str | None
    created_at: datetime
    latest: bool


class PlanResponse(BaseModel):
    """A stored plan."""

    id: str
    created_at: datetime
    area: str
    date: dt.date
    latest_end: LocalClock | None
    summary: PlanSummary
    routes: list[RouteOut]
    left_out: list[LeftOutOut]
    warnings: list[WarningOut] = Field(default_factory=list)
    passed: list[PassOut] = Field(
        default_factory=list, description="Left-out hotspots covered in passing."
    )
    version: int = Field(default=1, description="1 for a plan; each re-plan adds one.")
    parent_id: str | None = Field(default=None, description="The version this re-plans.")
    changes: list[StaffChange] = Field(
        default_factory=list, description="For a re-plan: what changed for each staff member."
    )
