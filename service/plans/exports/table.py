"""A plan as CSV for schedulers: one row per stop, times as ISO 8601 with the Copenhagen
offset."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from .stops import exported_stops

if TYPE_CHECKING:
    from ..schemas import PlanResponse

CSV_COLUMNS = ("staff", "order", "kind", "id", "arrival", "start", "departure", "lat", "lon")


def plan_to_csv(plan: PlanResponse, *, staff_id: str | None = None) -> str:
    """The plan's stops as CSV text (header first, ``\\r\\n`` line ends as RFC 4180 says).

    Parameters
    ----------
    plan
        A stored plan.
    staff_id
        Only this staff member's route; every route when ``None``.

    Returns
    -------
    str
        Columns `CSV_COLUMNS`: ``lat``/``lon`` are empty on a plan made on an explicit
        matrix, ``id`` is empty for the start and the end.

    Raises
    ------
    PlanNotFoundError
        If ``staff_id`` has no route in the plan.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for stop in exported_stops(plan, staff_id=staff_id):
        writer.writerow(
            (
                stop.staff_id,
                stop.order,
                stop.kind,
                stop.id or "",
                stop.arrival.isoformat(),
                stop.start.isoformat(),
                stop.departure.isoformat(),
                "" if stop.lat is None else f"{stop.lat:.6f}",
                "" if stop.lon is None else f"{stop.lon:.6f}",
            )
        )
    return out.getvalue()
