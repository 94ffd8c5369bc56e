"""Aoristic evening windows: where in 17:00-22:00 local time the records' mass lies."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from forecast import EveningWindow, Incident, evening_windows
from forecast.windows import evening_hour_mass

from .conftest import CPH, at


def test_span_18_to_20_puts_half_in_each_of_its_two_hours() -> None:
    """'Between 18:00 and 20:00' spreads evenly: 0.5 at 18-19, 0.5 at 19-20, one window."""
    records = [at("a", 0, 0, 3, hours=(18, 20))]
    assert evening_hour_mass(records, CPH) == pytest.approx([0, 0.5, 0.5, 0, 0])
    assert evening_windows(records, CPH) == (EveningWindow(time(18), time(20), 1.0),)


def test_daytime_and_date_only_records_give_no_window() -> None:
    """A span 08:00-16:00 has no evening mass and a date-only record no time: no window."""
    records = [at("a", 0, 0, 3, hours=(8, 16)), at("b", 0, 0, 4)]
    assert evening_hour_mass(records, CPH).sum() == 0
    assert evening_windows(records, CPH) == ()


def test_span_into_the_evening_counts_only_its_evening_part() -> None:
    """16:00-18:00 is half afternoon: only 0.5 lands in 17-18, and that is the window."""
    records = [at("a", 0, 0, 3, hours=(16, 18))]
    assert evening_hour_mass(records, CPH) == pytest.approx([0.5, 0, 0, 0, 0])
    assert evening_windows(records, CPH) == (EveningWindow(time(17), time(18), 1.0),)


def test_overnight_span_and_utc_input_use_local_clock_hours() -> None:
    """20:00-02:00 gives 1/6 to 20-21 and to 21-22; 16:00Z-18:00Z in winter is 17-19 local."""
    overnight = [at("a", 0, 0, 3, hours=(20, 2))]
    assert evening_hour_mass(overnight, CPH) == pytest.approx([0, 0, 0, 1 / 6, 1 / 6])
    utc = Incident(
        "b",
        55.7,
        12.5,
        datetime(2024, 11, 20, 16, tzinfo=UTC),
        datetime(2024, 11, 20, 18, tzinfo=UTC),
    )
    assert evening_windows([utc], CPH) == (EveningWindow(time(17), time(19), 1.0),)


def test_windows_rank_by_share() -> None:
    """Two records at 21-22 and one at 17-18: 21:00-22:00 (share 2/3) first, then 17:00-18:00
    (1/3, exactly half the peak hour, so still proposed)."""
    records = [
        at("a", 0, 0, 3, hours=(21, 22)),
        at("b", 0, 0, 5, hours=(21, 22)),
        at("c", 0, 0, 6, hours=(17, 18)),
    ]
    windows = evening_windows(records, CPH)
    assert [(w.start, w.end) for w in windows] == [(time(21), time(22)), (time(17), time(18))]
    assert [w.share for w in windows] == pytest.approx([2 / 3, 1 / 3])


def test_hours_below_half_the_peak_are_not_proposed() -> None:
    """An exact moment at 19:30 adds 1 to 19-20; a span 19:45-20:15 adds 0.5 to 19-20 and
    0.5 to 20-21. With 2 at 21-22, the hour 20-21 (0.5) stays below half the peak."""
    moment = Incident("d", 55.7, 12.5, datetime(2024, 11, 20, 19, 30, tzinfo=CPH))
    brush = Incident(
        "e",
        55.7,
        12.5,
        datetime(2024, 11, 20, 19, 45, tzinfo=CPH),
        datetime(2024, 11, 20, 20, 15, tzinfo=CPH),
    )
    records = [at("a", 0, 0, 3, hours=(21, 22)), at("b", 0, 0, 5, hours=(21, 22)), moment, brush]
    assert evening_hour_mass(records, CPH) == pytest.approx([0, 0, 1.5, 0.5, 2])
    windows = evening_windows(records, CPH)
    assert [(w.start, w.end) for w in windows] == [(time(21), time(22)), (time(19), time(20))]
    assert [w.share for w in windows] == pytest.approx([0.5, 0.375])


def test_week_long_spans_carry_no_time_of_day() -> None:
    """A burglary found after eight days away says nothing about the hour: no mass."""
    long = Incident(
        "a",
        55.7,
        12.5,
        datetime(2024, 11, 1, 18, tzinfo=CPH),
        datetime(2024, 11, 9, 18, tzinfo=CPH),
    )
    assert evening_windows([long], CPH) == ()


def test_window_checks_itself() -> None:
    """A window outside the evening, or with a share above 1, is refused."""
    with pytest.raises(ValueError, match="within 17:00-22:00"):
        EveningWindow(time(15), time(18), 0.5)
    with pytest.raises(ValueError, match="share"):
        EveningWindow(time(18), time(19), 1.5)
