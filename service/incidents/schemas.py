"""What the incidents feature answers (pydantic, the HTTP and CLI edge)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from .hotspots import Hotspot
    from .reports import AreaReport, LocalAreaNumbers

Trend = Literal["rising", "falling", "steady"]


class IncidentsImported(BaseModel):
    """What an import stored."""

    area: str
    received: int = Field(description="Records in the file.")
    created: int = Field(description="Records new to the area.")
    updated: int = Field(description="Records whose id the area had: replaced by the file's.")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the file was read with a doubt about (e.g. Windows-1252, not UTF-8).",
    )


class IncidentsSummary(BaseModel):
    """An area's stored records, counted (no positions)."""

    area: str
    records: int
    first_day: dt.date | None
    last_day: dt.date | None
    local_areas: int = Field(description="Imported local areas (0: reports use a grid).")


class LocalAreasImported(BaseModel):
    """The local areas an import stored (they replace the area's earlier ones)."""

    area: str
    names: list[str]


class WindowOut(BaseModel):
    """An evening window, local time, in the plan's format, with its share of the
    hotspot's evening burglaries."""

    start: str = Field(examples=["19:00"])
    end: str = Field(examples=["22:00"])
    share: float


class HotspotOut(BaseModel):
    """A forecast hotspot: where to be seen in the next 7 days, and why."""

    id: str = Field(examples=["hs-01-odinsvej"])
    lat: float
    lon: float
    weight: float = Field(
        description="Plan weight: 100 for the top hotspot, the others in proportion to "
        "expected_burglaries (rounded to 0.1, at least 0.1)."
    )
    expected_burglaries: float = Field(
        description="Expected burglaries within radius_m over the next 7 days."
    )
    radius_m: float
    street: str | None = Field(description="The street the point lies on (OSM name).")
    near_repeat_share: float = Field(description="Share of expected_burglaries from recent ones.")
    windows: list[WindowOut]
    why: str

    @classmethod
    def of(cls, hotspot: Hotspot) -> HotspotOut:
        """From the feature's ``Hotspot``."""
        return cls(
            id=hotspot.id,
            lat=hotspot.lat,
            lon=hotspot.lon,
            weight=hotspot.weight,
            expected_burglaries=round(hotspot.expected, 4),
            radius_m=hotspot.radius_m,
            street=hotspot.street,
            near_repeat_share=round(hotspot.near_repeat_share, 3),
            windows=[
                WindowOut(
                    start=w.start.strftime("%H:%M"),
                    end=w.end.strftime("%H:%M"),
                    share=round(w.share, 3),
                )
                for w in hotspot.windows
            ],
            why=hotspot.why,
        )


class HotspotsOut(BaseModel):
    """Ranked hotspots, highest weight first."""

    area: str | None
    as_of: dt.datetime = Field(description="Only records known before this moment were used.")
    hotspots: list[HotspotOut]
    note: str | None = Field(
        default=None,
        description="Why there are fewer hotspots than asked for; null when there are not.",
    )


class StreetCount(BaseModel):
    """A street and its burglaries in the last 4 weeks."""

    street: str
    burglaries: int


class LocalAreaOut(BaseModel):
    """One local area's numbers."""

    name: str
    last_4_weeks: int
    previous_4_weeks: int
    same_weeks_last_year: int | None = Field(
        description="null when the records do not reach back a year."
    )
    trend: Trend
    top_streets: list[StreetCount] = Field(
        description="Streets with at least 2 burglaries in the last 4 weeks, most first (at "
        "most 3); one burglary alone could point at one home, so it is not named."
    )
    expected_next_7_days: float = Field(description="The forecast's expected burglaries.")

    @classmethod
    def of(cls, numbers: LocalAreaNumbers) -> LocalAreaOut:
        """From the report's numbers."""
        return cls(
            name=numbers.name,
            last_4_weeks=numbers.last_4_weeks,
            previous_4_weeks=numbers.previous_4_weeks,
            same_weeks_last_year=numbers.same_weeks_last_year,
            trend=numbers.trend,
            top_streets=[StreetCount(street=s, burglaries=n) for s, n in numbers.top_streets],
            expected_next_7_days=round(numbers.expected_next_7_days, 3),
        )


class PeriodOut(BaseModel):
    """A period of whole local days, both ends included."""

    first: dt.date
    last: dt.date


class TipCountOut(BaseModel):
    """Tips from the staff in the report's last 4 weeks, per local area and category."""

    local_area: str | None = Field(description="Null: in none of the local areas.")
    category: str
    count: int


class ReportOut(BaseModel):
    """Burglaries per local area: the last 4 weeks against the 4 before and the same weeks
    a year earlier, the trend, the top streets and the forecast."""

    area: str
    as_of: dt.date = Field(description="Records before this day count.")
    periods: dict[str, PeriodOut]
    trend_rule: str
    local_areas_from: str = Field(description='"imported" or "grid of 1 km cells".')
    total: LocalAreaOut
    local_areas: list[LocalAreaOut]
    hotspots: list[HotspotOut]
    map_png: str = Field(description="Where the map picture of this report is.")
    tips: list[TipCountOut] = Field(
        default_factory=list,
        description="What the staff noticed in the last 4 weeks (their page's tips), per "
        "local area and category; a police key counts those marked for the police.",
    )

    @classmethod
    def of(cls, report: AreaReport, *, map_png: str) -> ReportOut:
        """From the feature's ``AreaReport``."""
        return cls(
            area=report.area,
            as_of=report.as_of,
            periods={
                name: PeriodOut(first=first, last=last)
                for name, (first, last) in report.periods.items()
            },
            trend_rule=report.trend_rule,
            local_areas_from=report.local_areas_from,
            total=LocalAreaOut.of(report.total),
            local_areas=[LocalAreaOut.of(n) for n in report.local_areas],
            hotspots=[HotspotOut.of(h) for h in report.hotspots],
            map_png=map_png,
        )
