"""Local-area reports: counts per period against a hand-computed case, the trend rule,
top streets from the street graph, the grid when no local areas are given, and a map
picture that is a real, non-blank PNG."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image
from shapely.geometry import box

from forecast import Incident
from service.i18n import use_language
from service.incidents.localareas import LocalArea
from service.incidents.maps import report_figure, report_map_png
from service.incidents.reports import OUTSIDE, build_report, report_periods, trend
from service.incidents.store import incident_day
from service.timeutil import LOCAL_TZ

from .conftest import AS_OF, home_beside

if TYPE_CHECKING:
    from graphs import StreetNetwork
    from service.i18n import Language

NORD = LocalArea("Nord", box(10.14, 57.473, 10.22, 57.49))
SYD = LocalArea("Syd", box(10.10, 57.41, 10.22, 57.473))


def _hand_case(net: StreetNetwork) -> list[Incident]:
    """Records with hand-known counts (as_of 2026-11-23: last 4 weeks 2026-10-26..11-22,
    the 4 before 2026-09-28..10-25, last year 2025-10-27..11-23):

    - Nord: last 4 weeks 3 x Nørrelund + 2 x Irisvej = 5; before 1; last year 1;
    - Syd: last 4 weeks 1 x Fjelstedvej + 1 x Ugiltvej = 2; before 6 (one of them a span
      starting 2026-10-25 23:30, the last day of that period); last year 8 (one on
      2025-10-27, its first day, so the records reach back a year);
    - outside both: 1 in the last 4 weeks;
    - on the report's own day (not counted): 1 in Nord.
    """

    def at(street: str, n: int) -> tuple[float, float]:
        return home_beside(net, street=street, side_m=15.0 + 3 * n, at=0.3 + 0.1 * n)

    records: list[Incident] = []

    def add(
        where: tuple[float, float], start: date | datetime, end: datetime | None = None
    ) -> None:
        records.append(Incident(f"T-{len(records):03d}", *where, start, end))

    for n in range(3):
        add(at("Nørrelund", n), date(2026, 11, 2 + n))
    for n in range(2):
        add(at("Irisvej", n), date(2026, 10, 26 + n))
    add(at("Irisvej", 3), date(2026, 10, 1))
    add(at("Irisvej", 4), date(2025, 11, 10))
    add(at("Fjelstedvej", 0), date(2026, 11, 22))
    add(at("Ugiltvej", 0), date(2026, 11, 20))
    for n in range(5):
        add(at("Fjelstedvej", n + 1), date(2026, 9, 28) + timedelta(days=n))
    add(
        at("Ugiltvej", 1),
        datetime(2026, 10, 25, 23, 30, tzinfo=LOCAL_TZ),
        datetime(2026, 10, 26, 7, 0, tzinfo=LOCAL_TZ),
    )
    add(at("Ugiltvej", 2), date(2025, 10, 27))
    for n in range(7):
        add(at("Fjelstedvej", n % 5), date(2025, 11, 1 + n))
    add((57.50, 10.30), date(2026, 11, 15))
    add(at("Nørrelund", 4), date(2026, 11, 23))
    return records


def test_numbers_per_local_area_match_the_hand_count(drive: StreetNetwork) -> None:
    """Counts per period, the trend, and the top streets (2 burglaries or more) are those
    computed by hand in ``_hand_case``; records outside every local area get their own
    row; the total adds up."""
    report = build_report(
        _hand_case(drive), area="sindal", as_of=AS_OF, local_areas=[NORD, SYD], network=drive
    )
    assert report.periods == {
        "last_4_weeks": (date(2026, 10, 26), date(2026, 11, 22)),
        "previous_4_weeks": (date(2026, 9, 28), date(2026, 10, 25)),
        "same_weeks_last_year": (date(2025, 10, 27), date(2025, 11, 23)),
    }
    nord, syd, outside = report.local_areas
    assert (nord.name, nord.last_4_weeks, nord.previous_4_weeks, nord.same_weeks_last_year) == (
        "Nord",
        5,
        1,
        1,
    )
    assert nord.trend == "rising"  # 5 against a baseline of 1: +4 >= max(3, 2)
    assert nord.top_streets == (("Nørrelund", 3), ("Irisvej", 2))
    assert (syd.last_4_weeks, syd.previous_4_weeks, syd.same_weeks_last_year) == (2, 6, 8)
    assert syd.trend == "steady"  # baseline 7: -5 is short of 2 x sqrt(7) = 5.3
    assert syd.top_streets == ()  # one each: a single burglary could point at one home
    assert (outside.name, outside.last_4_weeks) == (OUTSIDE, 1)
    total = report.total
    assert (total.last_4_weeks, total.previous_4_weeks, total.same_weeks_last_year) == (8, 7, 9)
    assert report.local_areas_from == "imported"
    assert sum(n.expected_next_7_days for n in report.local_areas) == pytest.approx(
        total.expected_next_7_days
    )
    assert nord.expected_next_7_days > 0
    assert syd.expected_next_7_days > 0


def test_without_a_year_of_records_last_year_is_unknown(drive: StreetNetwork) -> None:
    """Records that start after last year's weeks give null there, and the trend compares
    with the previous 4 weeks alone."""
    recent = [i for i in _hand_case(drive) if incident_day(i) >= date(2026, 1, 1)]
    report = build_report(recent, area="sindal", as_of=AS_OF, local_areas=[NORD, SYD])
    nord, syd, _ = report.local_areas
    assert nord.same_weeks_last_year is None
    assert syd.same_weeks_last_year is None
    assert nord.trend == "rising"  # 5 against 1
    assert syd.trend == "steady"  # 2 against 6: -4 is short of 2 x sqrt(6) = 4.9
    assert nord.top_streets == ()  # no street graph given: no street names


@pytest.mark.parametrize(
    ("last", "previous", "last_year", "expected"),
    [
        (4, 1, None, "rising"),  # +3 >= max(3, 2)
        (3, 1, None, "steady"),  # +2 < 3
        (2, 6, None, "steady"),  # -4 < 2 sqrt 6 = 4.9
        (0, 9, 9, "falling"),  # -9 >= 6
        (10, 5, 5, "rising"),  # +5 >= 2 sqrt 5 = 4.47
        (30, 24, None, "steady"),  # +6 < 2 sqrt 24 = 9.8
    ],
)
def test_the_trend_rule(last: int, previous: int, last_year: int | None, expected: str) -> None:
    """Rising or falling only when the change is at least max(3, 2 x sqrt(baseline))."""
    assert trend(last, previous, last_year) == expected


def test_periods_keep_weekdays() -> None:
    """Last year's weeks are 52 weeks back, so they start on the same weekday."""
    periods = report_periods(date(2026, 11, 23))
    assert periods["same_weeks_last_year"][0].weekday() == periods["last_4_weeks"][0].weekday()
    assert periods["last_4_weeks"][1] == date(2026, 11, 22)


def test_the_demo_report_renders_from_the_synthetic_records(
    sindal_incidents: list[Incident], drive: StreetNetwork
) -> None:
    """The shipped synthetic Sindal records give a report on 1 km grid cells whose rows add
    up to the totals counted straight from the file, and a 1200 x 960 PNG map that is not
    blank (varied pixels, many colours: shaded cells, streets, hotspot circles, text)."""
    bounds = (57.4184, 10.0576, 57.5131, 10.3624)
    report = build_report(
        sindal_incidents, area="sindal", as_of=AS_OF, network=drive, extent=bounds
    )
    assert report.local_areas_from == "grid of 1 km cells"
    days = [incident_day(i) for i in sindal_incidents]
    last = sum(1 for d in days if AS_OF - timedelta(days=28) <= d < AS_OF)
    assert report.total.last_4_weeks == last
    assert sum(n.last_4_weeks for n in report.local_areas) == last
    assert all(n.name[0].isalpha() and n.name[1:].isdigit() for n in report.local_areas)
    assert len(report.hotspots) == 10
    png = report_map_png(report, network=drive)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1200, 960)
    pixels = np.asarray(image.convert("RGB"), dtype=float)
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200
    reds = (pixels[..., 0] > 180) & (pixels[..., 2] < 120)  # risk shading (YlOrRd)
    blues = (pixels[..., 2] > 150) & (pixels[..., 0] < 80)  # hotspot circles
    assert reds.mean() > 0.01
    assert blues.mean() > 0.0005


def test_a_map_without_streets_or_local_areas_still_renders() -> None:
    """No street network and records in no local area: the map still draws (cells from
    the grid, no streets) rather than failing."""
    records = [Incident(f"M-{n}", 55.70 + n * 1e-3, 12.55, date(2026, 11, 1)) for n in range(4)]
    report = build_report(records, area="elsewhere", as_of=AS_OF)
    image = Image.open(io.BytesIO(report_map_png(report)))
    assert image.size == (1200, 960)


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_two_texts_of_the_picture_overlap(
    sindal_incidents: list[Incident], drive: StreetNetwork, language: Language
) -> None:
    """On 1 km cells over all of Sindal (crowded labels in town), every text left visible
    on the picture has its own space, in Danish and in English, and the Danish picture
    speaks Danish."""
    bounds = (57.4184, 10.0576, 57.5131, 10.3624)
    report = build_report(
        sindal_incidents, area="sindal", as_of=AS_OF, network=drive, extent=bounds
    )
    with use_language(language):
        fig = report_figure(report, network=drive, area_title="Sindal")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert len(texts) > 10
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not a.overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    words = " ".join(t.get_text() for t in texts)
    title = "Indbrud i Sindal" if language == "da" else "Burglaries in Sindal"
    assert title in words
    assert ("forventede indbrud" in words) == (language == "da")
