"""A report as plain text for the terminal (``eyes report``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import _, format_day
from .maps import TRENDS

if TYPE_CHECKING:
    from .reports import AreaReport, LocalAreaNumbers


def _row(numbers: LocalAreaNumbers, width: int) -> str:
    year = "-" if numbers.same_weeks_last_year is None else str(numbers.same_weeks_last_year)
    streets = ", ".join(f"{street} ({n})" for street, n in numbers.top_streets)
    return (
        f"{numbers.name:<{width}} {numbers.last_4_weeks:>9} {numbers.previous_4_weeks:>11} "
        f"{year:>9} {numbers.expected_next_7_days:>9.2f}  {_(TRENDS[numbers.trend]):<9}  "
        f"{streets}"
    )


def _header(width: int) -> str:
    local, last, before = _("local area"), _("last 4 wk"), _("4 wk before")
    year, coming, trend, streets = _("last year"), _("next 7 d"), _("trend"), _("top streets")
    return f"{local:<{width}} {last:>9} {before:>11} {year:>9} {coming:>9}  {trend:<9}  {streets}"


def report_to_text(report: AreaReport, *, area_title: str | None = None) -> str:
    """The report's table, in the language of the moment: one line per local area,
    busiest first, then the hotspots (``area_title``: the area as people write it)."""
    first, last = report.periods["last_4_weeks"]
    width = max([len(n.name) for n in report.local_areas] + [10])
    lines = [
        _(
            "Burglaries in {area} before {day} (last 4 weeks: {first}-{last}; local areas: "
            "{local_areas})",
            area=area_title or report.area,
            day=f"{report.as_of:%Y-%m-%d}",
            first=format_day(first, "d MMM"),
            last=format_day(last, "d MMM"),
            local_areas=report.local_areas_from,
        ),
        "",
        _header(width),
        _row(report.total, width),
    ]
    ranked = sorted(report.local_areas, key=lambda n: (-n.last_4_weeks, -n.expected_next_7_days))
    lines += [_row(n, width) for n in ranked]
    lines += [
        "",
        _("Trend rule: {rule}.", rule=report.trend_rule),
        "",
        _("Hotspots, next 7 days:"),
    ]
    lines += [
        f"{rank:>3}. "
        + _(
            "{where} (weight {weight}): {why}",
            where=h.street or f"{h.lat:.5f}, {h.lon:.5f}",
            weight=f"{h.weight:g}",
            why=h.why,
        )
        for rank, h in enumerate(report.hotspots, start=1)
    ]
    return "\n".join(lines)
