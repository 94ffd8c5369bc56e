"""The text report of a plan, Copenhagen local time, and phone number normalisation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

import pytest

from service.plans.report import plan_to_text
from service.plans.schemas import (
    LeftOutOut,
    PlanResponse,
    PlanSummary,
    PointOut,
    RouteOut,
    StopOut,
    normalise_phone,
)
from service.timeutil import LOCAL_TZ, at_offset, hhmm, seconds_between, to_local

PLAN_DAY = date(2026, 3, 14)
SUMMER_DAY = date(2026, 7, 1)
WINTER_DAY = date(2026, 1, 15)
OTHER_DAY = date(2000, 1, 1)
# Summer time ends in the night to Sunday 2026-10-25: 03:00 +02:00 becomes 02:00 +01:00.
BEFORE_DST_END = date(2026, 10, 24)
DST_END = date(2026, 10, 25)


def _local(hour: int, minute: int = 0) -> datetime:
    """An aware Copenhagen time on the plan day."""
    return datetime.combine(PLAN_DAY, time(hour, minute), tzinfo=LOCAL_TZ)


def _stop(
    kind: Literal["start", "hotspot", "visit", "end"],
    stop_id: str | None,
    arrival: datetime,
    start: datetime,
    dwell_min: float,
    weight: float = 0.0,
    visit_number: int | None = None,
) -> StopOut:
    """A stop as the planner returns it, with its wait worked out from the times."""
    return StopOut(
        kind=kind,
        id=stop_id,
        location=PointOut(lat=57.47, lon=10.2),
        arrival=arrival,
        start=start,
        departure=start + timedelta(minutes=dwell_min),
        wait_min=(start - arrival).total_seconds() / 60,
        dwell_min=dwell_min,
        weight=weight,
        visit_number=visit_number,
    )


@pytest.fixture
def plan() -> PlanResponse:
    """One guard's evening: a hotspot after a 5 min wait, a visit; two hotspots left out."""
    stops = [
        _stop("start", None, _local(18), _local(18), 0),
        _stop("hotspot", "station", _local(18, 10), _local(18, 15), 10, 3.0, visit_number=1),
        _stop("visit", "client-7", _local(18, 35), _local(18, 35), 20),
        _stop("end", None, _local(19, 5), _local(19, 5), 0),
    ]
    route = RouteOut(
        staff_id="g1",
        name="Ane",
        role="service_guard",
        mode="drive",
        start=_local(18),
        end=_local(19, 5),
        travel_min=25.0,
        distance_km=12.34,
        weight_covered=3.0,
        stops=stops,
    )
    left_out = [
        LeftOutOut(
            hotspot_id="harbour", weight=2.0, reason="unreachable_in_window", detail="window"
        ),
        LeftOutOut(hotspot_id="school", weight=1.5, reason="not_enough_time", detail="time"),
    ]
    summary = PlanSummary(
        weight_total=6.5,
        weight_visited=3.0,
        weight_covered=3.0,
        coverage_ratio=3.0 / 6.5,
        hotspots_visited=1,
        hotspots_left_out=2,
        visits_kept=1,
        travel_min=25.0,
        distance_km=12.34,
        solve_time_s=0.5,
    )
    return PlanResponse(
        id="plan-1",
        created_at=_local(16),
        area="sindal",
        date=PLAN_DAY,
        latest_end=time(22, 0),
        summary=summary,
        routes=[route],
        left_out=left_out,
    )


def test_report_heading_names_plan_area_and_day(plan: PlanResponse) -> None:
    """The first line names the plan, its area, its day and the latest end."""
    first = plan_to_text(plan).splitlines()[0]
    assert first == "Plan plan-1 for area sindal, Sat 14 Mar 2026 (latest end 22:00)"


def test_report_lists_each_staff_member_with_stops(plan: PlanResponse) -> None:
    """Per staff member: a heading with times, km, travel and weight, then each stop at HH:MM."""
    lines = plan_to_text(plan).splitlines()
    head = lines.index(
        "Ane [g1, service_guard, drive] 18:00-19:05, 12.3 km, 25 min travel, weight 3"
    )
    assert lines[head + 1 : head + 5] == [
        "  18:00  leave start",
        "  18:15  hotspot station (weight 3, 10 min, waited 5 min)",
        "  18:35  visit client-7 (20 min)",
        "  19:05  back at end",
    ]


def test_report_lists_left_out_hotspots_with_reasons(plan: PlanResponse) -> None:
    """Each left-out hotspot appears with its weight and the reason in words."""
    lines = plan_to_text(plan).splitlines()
    head = lines.index("Left out (2):")
    assert lines[head + 1 : head + 3] == [
        "  harbour (weight 2): no one can reach it in its window",
        "  school (weight 1.5): not enough time on the shifts",
    ]


def test_report_ends_with_coverage_line(plan: PlanResponse) -> None:
    """The last line sums up coverage, visits kept, travel and distance."""
    last = plan_to_text(plan).splitlines()[-1]
    assert last == (
        "Visited hotspots worth 3 of 6.5 (46%); coverage with repeat visits 3; "
        "1 hotspots visited, 1 visits kept, 25 min travel, 12.3 km."
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (SUMMER_DAY, "2026-07-01T18:30:00+02:00"),
        (WINTER_DAY, "2026-01-15T18:30:00+01:00"),
    ],
)
def test_clock_time_is_taken_on_the_day_in_copenhagen(day: date, expected: str) -> None:
    """A bare clock time is that wall-clock time on the given day, with the day's offset."""
    result = to_local(time(18, 30), day)
    assert result.isoformat() == expected
    assert result.tzinfo is LOCAL_TZ


@pytest.mark.parametrize(
    ("naive", "expected"),
    [
        (datetime(2026, 7, 1, 23, 15), "2026-07-01T23:15:00+02:00"),
        (datetime(2026, 1, 15, 23, 15), "2026-01-15T23:15:00+01:00"),
    ],
)
def test_naive_datetime_is_copenhagen_time(naive: datetime, expected: str) -> None:
    """A datetime without offset is read as Copenhagen wall-clock time; the day is ignored."""
    assert to_local(naive, OTHER_DAY).isoformat() == expected


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 7, 1, 16, 0, tzinfo=UTC), "2026-07-01T18:00:00+02:00"),
        (datetime(2026, 1, 15, 17, 0, tzinfo=UTC), "2026-01-15T18:00:00+01:00"),
        (datetime(2026, 1, 15, 23, 30, tzinfo=UTC), "2026-01-16T00:30:00+01:00"),
    ],
)
def test_aware_datetime_is_converted(utc: datetime, expected: str) -> None:
    """An aware datetime keeps its instant and is shown in Copenhagen time, whatever the day."""
    result = to_local(utc, OTHER_DAY)
    assert result.isoformat() == expected
    assert result == utc


@pytest.mark.parametrize(
    ("clock", "day", "expected"),
    [
        (time(16, 0, tzinfo=UTC), SUMMER_DAY, "2026-07-01T18:00:00+02:00"),
        (time(16, 0, tzinfo=UTC), WINTER_DAY, "2026-01-15T17:00:00+01:00"),
        (
            time(20, 0, tzinfo=timezone(timedelta(hours=-5))),
            WINTER_DAY,
            "2026-01-16T02:00:00+01:00",
        ),
    ],
)
def test_clock_time_with_offset_is_converted(clock: time, day: date, expected: str) -> None:
    """A clock time with its own offset is taken on the day in that zone, then converted."""
    assert to_local(clock, day).isoformat() == expected


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 10, 24, 23, 0, tzinfo=LOCAL_TZ),
        datetime(2026, 10, 25, 1, 30, tzinfo=LOCAL_TZ),
        datetime(2026, 10, 25, 4, 0, tzinfo=LOCAL_TZ),
        datetime(2026, 10, 25, 6, 0, tzinfo=LOCAL_TZ),
    ],
    ids=["23:00+02", "01:30+02", "04:00+01", "06:00+01"],
)
def test_offsets_round_trip_across_dst_change(moment: datetime) -> None:
    """Plan seconds from an evening origin turn back into the same local time and offset."""
    origin = to_local(time(18, 0), BEFORE_DST_END)
    offset_s = seconds_between(origin, moment)
    assert offset_s > 0
    assert seconds_between(moment, origin) == -offset_s
    assert at_offset(origin, offset_s).isoformat() == moment.isoformat()


def test_offsets_count_real_seconds_across_dst_change() -> None:
    """18:00 on 24 Oct to 06:00 on 25 Oct is 13 h of real time, however the moment is given."""
    origin = to_local(time(18, 0), BEFORE_DST_END)
    moment = to_local(time(6, 0), DST_END)
    assert seconds_between(origin, moment.astimezone(UTC)) == 13 * 3600
    assert seconds_between(origin, moment) == 13 * 3600
    assert at_offset(origin, 13 * 3600).isoformat() == "2026-10-25T06:00:00+01:00"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 7, 1, 18, 5, tzinfo=LOCAL_TZ), "18:05"),
        (datetime(2026, 7, 1, 16, 5, tzinfo=UTC), "18:05"),
        (datetime(2026, 1, 15, 16, 5, tzinfo=UTC), "17:05"),
        (datetime(2026, 1, 15, 23, 0, tzinfo=UTC), "00:00"),
    ],
)
def test_hhmm_shows_copenhagen_clock(moment: datetime, expected: str) -> None:
    """``hhmm`` is the zero-padded 24 h Copenhagen clock time of any aware moment."""
    assert hhmm(moment) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+45 12 34 56 78", "+4512345678"),
        ("004512345678", "+4512345678"),
        ("+45 (12) 34-56-78", "+4512345678"),
        ("+442071838750", "+442071838750"),
    ],
)
def test_phone_numbers_normalised_to_e164(raw: str, expected: str) -> None:
    """Spaces, brackets and dashes go, a 00 prefix becomes +; foreign E.164 numbers pass."""
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12345678", "not a valid phone number"),
        ("+45123", "not a valid phone number"),
        ("+0123456789", "not a valid phone number"),
        ("+45 123 456 789", "8 digits after \\+45"),
    ],
)
def test_bad_phone_numbers_rejected(raw: str, message: str) -> None:
    """No country code, too short, a leading 0 or a Danish number of the wrong length fail."""
    with pytest.raises(ValueError, match=message):
        normalise_phone(raw)
