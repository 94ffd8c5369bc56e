"""The dosage picture (PNG): per night, the minutes of presence planned against those
delivered, and the hotspots that got least of what they were planned. matplotlib's object
API on the Agg canvas, imported only when drawn; texts in the language of the moment."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ..i18n import _, format_day

if TYPE_CHECKING:
    from datetime import date

    from .dosage import DosageReport

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 7.0, 120
PLANNED, DELIVERED = "#9bb7d4", "#1f3fbf"
MOST_HOTSPOTS = 15


def dosage_png(report: DosageReport, *, area_title: str, first: date, last: date) -> bytes:
    """The picture as PNG bytes (1200 x 840 pixels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    nights_ax, spots_ax = fig.subplots(2, 1, height_ratios=(1, 1.2))
    days = list(report.nights)
    xs = range(len(days))
    planned = [report.nights[d].planned_min for d in days]
    delivered = [report.nights[d].delivered_min for d in days]
    nights_ax.bar([x - 0.2 for x in xs], planned, 0.4, color=PLANNED, label=_("planned"))
    nights_ax.bar([x + 0.2 for x in xs], delivered, 0.4, color=DELIVERED, label=_("delivered"))
    nights_ax.set_xticks(list(xs), [format_day(d, "EEE d MMM") for d in days], rotation=30)
    nights_ax.set_ylabel(_("minutes at hotspots"))
    nights_ax.legend(loc="upper right")
    nights_ax.set_title(_("Per night"))

    short = sorted(
        report.hotspots, key=lambda h: (h.dose.delivered_min - h.dose.planned_min, h.id)
    )[:MOST_HOTSPOTS]
    ys = range(len(short))
    spots_ax.barh([y + 0.2 for y in ys], [h.dose.planned_min for h in short], 0.4, color=PLANNED)
    spots_ax.barh(
        [y - 0.2 for y in ys], [h.dose.delivered_min for h in short], 0.4, color=DELIVERED
    )
    spots_ax.set_yticks(list(ys), [h.id for h in short])
    spots_ax.invert_yaxis()
    spots_ax.set_xlabel(_("minutes"))
    spots_ax.set_title(_("Hotspots furthest below their planned presence"))
    total = report.total
    fig.suptitle(
        _(
            "Presence at the hotspots of {area}, {first} to {last}: {delivered} of {planned} "
            "minutes delivered",
            area=area_title,
            first=format_day(first, "d MMM y"),
            last=format_day(last, "d MMM y"),
            delivered=f"{total.delivered_min:.0f}",
            planned=f"{total.planned_min:.0f}",
        ),
        fontsize=12,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()
