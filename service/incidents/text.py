"""A report as plain text for the terminal (``eyes report``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reports import AreaReport, LocalAreaNumbers


def _row(numbers: LocalAreaNumbers, width: int) -> str:
    year = "-" if numbers.same_weeks_last_year is None else str(numbers.same_weeks_last_year)
    streets = ", ".join(f"{street} ({n})" for street, n in numbers.top_streets)
    return (
        f"{numbers.name:<{width}} {numbers.last_4_weeks:>9} {numbers.previous_4_weeks:>11} "
        f"{year:>9} {numbers.expected_next_7_days:>9.2f}  {numbers.trend:<7}  {streets}"
    )


def report_to_text(report: AreaReport) -> str:
    """The report's table: one line per local area, busiest first, then the hotspots."""
    first, last = report.periods["last_4_weeks"]
    width = max([len(n.name) for n in report.local_areas] + [10])
    lines = [
        f"Burglaries in {report.area} before {report.as_of:%Y-%m-%d} "
        f"(last 4 weeks: {first:%d %b}-{last:%d %b}; local areas: {report.local_areas_from})",
        "",
        f"{'local area':<{width}} {'last 4 wk':>9} {'4 wk before':>11} {'last year':>9} "
        f"{'next 7 d':>9}  {'trend':<7}  top streets",
        _row(report.total, width),
    ]
    ranked = sorted(report.local_areas, key=lambda n: (-n.last_4_weeks, -n.expected_next_7_days))
    lines += [_row(n, width) for n in ranked]
    lines += ["", f"Trend rule: {report.trend_rule}.", "", "Hotspots, next 7 days:"]
    lines += [
        f"{rank:>3}. {h.street or f'{h.lat:.5f}, {h.lon:.5f}'} (weight {h.weight:g}): {h.why}"
        for rank, h in enumerate(report.hotspots, start=1)
    ]
    return "\n".join(lines)
