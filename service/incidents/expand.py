"""A plan request's ``hotspots_from``, turned into hotspots from the area's records.

The plan job runner (``service.jobs.runner``: API plans and the nightly plans, on the
workers) and the ``eyes plan`` command call ``expand_hotspots_from`` before
``service.plans.planning.create_plan``, so the plans feature never reads burglary records:
it gets a request with ordinary ``hotspots``, and the stored request holds the hotspots
that were planned (each id names its rank and street, e.g. ``hs-01-odinsvej``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from graphs import snap_to_streets

from ..errors import FieldProblem, RequestError
from ..geo import Point
from ..i18n import _
from ..plans.schemas import HotspotIn, Window
from ..timeutil import LOCAL_TZ, as_of_moment, today_local
from .hotspots import Hotspot, area_hotspots
from .store import IncidentStore

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..db import SessionSource
    from ..plans.networks import AreaNetworks
    from ..plans.schemas import PlanRequest


def no_records_message(area: str) -> str:
    """What to say when an area has no records."""
    return _(
        "area {area!r} has no burglary records: import them first "
        "(POST /v1/incidents?area={area}, or eyes incidents import FILE --area {area})",
        area=area,
    )


def expand_hotspots_from(
    request: PlanRequest, *, db: SessionSource, networks: AreaNetworks, max_snap_m: float
) -> PlanRequest:
    """``request`` with its ``hotspots_from`` replaced by forecast hotspots on the area's
    streets (unchanged when it has none).

    Parameters
    ----------
    request
        A validated plan request (so not both ``hotspots`` and ``hotspots_from``).
    db
        The service's database (the records).
    networks
        The areas' street networks.
    max_snap_m
        How far a hotspot may lie from the streets its staff use (``EYES_MAX_SNAP_M``).

    Returns
    -------
    PlanRequest
        With ``hotspots`` filled and ``hotspots_from`` None.

    Raises
    ------
    RequestError
        On ``hotspots_from`` when the area has no records, or none known at ``as_of``, or
        a forecast hotspot lies farther than ``max_snap_m`` from every street its staff use.
    UnknownAreaError
        If the named area does not exist.
    """
    spec = request.hotspots_from
    if spec is None:
        return request
    area = request.area if isinstance(request.area, str) else networks.default_area
    network = networks.get(area, "drive")
    day = request.date or today_local()
    now = datetime.now(LOCAL_TZ)
    if spec.as_of is None and day >= now.date():
        as_of = now
    else:
        as_of = as_of_moment(spec.as_of, default=day)
    incidents = IncidentStore(db).incidents(area)
    if not incidents:
        raise RequestError([FieldProblem("hotspots_from", no_records_message(area))])
    hotspots = area_hotspots(
        incidents, as_of=as_of, count=spec.count, network=network, top_weight=spec.top_weight
    )
    if not hotspots:
        msg = f"area {area!r} has no burglary record known before {as_of:%Y-%m-%d %H:%M}"
        raise RequestError([FieldProblem("hotspots_from.as_of", msg)])
    far = off_the_streets(hotspots, request=request, area=area, networks=networks)
    problems = [
        FieldProblem(
            "hotspots_from",
            f"forecast hotspot {hotspot.id} lies {distance_m:.0f} m from the nearest street "
            f"its staff can use (at most {max_snap_m:.0f} m): the burglaries behind it lie "
            f"away from the streets ({hotspot.why}); check their positions, or list the "
            "hotspots to plan in hotspots",
            hotspot.id,
        )
        for hotspot, distance_m in far
        if distance_m > max_snap_m
    ]
    if problems:
        raise RequestError(problems)
    planned = [
        HotspotIn(
            id=h.id,
            location=Point(lat=h.lat, lon=h.lon),
            weight=h.weight,
            dwell_min=spec.dwell_min,
            windows=[Window(start=w.start, end=w.end) for w in h.windows]
            if spec.use_windows
            else [],
            max_visits=spec.max_visits,
            min_gap_min=spec.min_gap_min,
        )
        for h in hotspots
    ]
    return request.model_copy(update={"hotspots": planned, "hotspots_from": None})


def off_the_streets(
    hotspots: Sequence[Hotspot], *, request: PlanRequest, area: str, networks: AreaNetworks
) -> list[tuple[Hotspot, float]]:
    """The hotspots the forecast could not place on a street, each with its distance in
    metres to the nearest street of any travel mode of the request's shifts."""
    unplaced = [h for h in hotspots if h.street is None]
    if not unplaced:
        return []
    lats, lons = [h.lat for h in unplaced], [h.lon for h in unplaced]
    modes = sorted({shift.mode for shift in request.shifts}) or ["drive"]
    nearest = np.min(
        [snap_to_streets(networks.get(area, mode), lats, lons).snap_m for mode in modes], axis=0
    )
    return [(h, float(d)) for h, d in zip(unplaced, nearest, strict=True)]
