"""The eyes' own page: staff links (dispatchers), the phone's JSON (the link is the key),
the plan's progress and the tips.

``/v1/field/{token}`` and ``/s/{token}`` need no API key: the token is a capability for one
staff member on one plan's evening. A made-up token is a 404 (401 when it is not even a
token's shape), an expired or revoked one a 410; nothing else is said.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from ...auth.audit import audit
from ...auth.scope import check_area
from ...field.schemas import (
    Accepted,
    CheckinCreate,
    DosageOut,
    FieldView,
    LinkPublic,
    PlanProgress,
    PublishOut,
    TipCreate,
    TipPublic,
)
from ...field.service import (
    create_link,
    dosage_of,
    dosage_out,
    page_of,
    progress_of,
    publish_links,
    when_it_happened,
)
from ...i18n import _
from ...incidents.localareas import (
    GRID_CELL_M,
    LocalArea,
    assign_local_areas,
    grid_local_areas,
)
from ..deps import (
    AlertReaderDep,
    AlertStoreDep,
    AnyKeyDep,
    DatabaseDep,
    FieldStoreDep,
    IncidentStoreDep,
    NetworksDep,
    NowDep,
    PlannerDep,
    PlanStoreDep,
    SettingsDep,
)
from ..problems import PROBLEM

if TYPE_CHECKING:
    from ...auth.keys import Principal
    from ...field.dosage import DosageReport

router = APIRouter(tags=["field"])
phone_router = APIRouter(tags=["field"])

LINK_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not a staff link", **PROBLEM},
    404: {"description": "No such staff link", **PROBLEM},
    410: {"description": "The staff link expired or was revoked", **PROBLEM},
}


@router.post(
    "/v1/plans/{plan_id}/staff/{staff_id}/link",
    status_code=201,
    responses={404: {"description": "No such plan or staff member", **PROBLEM}},
)
def post_staff_link(
    plan_id: str,
    staff_id: str,
    principal: PlannerDep,
    plans: PlanStoreDep,
    field: FieldStoreDep,
    settings: SettingsDep,
    db: DatabaseDep,
    now: NowDep,
) -> LinkPublic:
    """A link for a staff member's phone: their route on that plan's evening (following
    re-plans), check-ins and tips; no API key needed. Shown once (only a digest is
    stored); it lives until their shift ends plus `EYES_FIELD_LINK_MARGIN_MIN`."""
    plans.check_area(plan_id, within=principal.visible())
    link = create_link(
        plan_id=plan_id,
        staff_id=staff_id,
        plans=plans,
        field=field,
        settings=settings,
        created_by=principal.key_id,
        now=now,
    )
    audit(db, principal, "link.create", target=f"{plan_id}/{staff_id}")
    return link


@router.delete(
    "/v1/plans/{plan_id}/staff/{staff_id}/link",
    status_code=204,
    responses={404: {"description": "No such plan", **PROBLEM}},
)
def delete_staff_link(
    plan_id: str,
    staff_id: str,
    principal: PlannerDep,
    plans: PlanStoreDep,
    field: FieldStoreDep,
    db: DatabaseDep,
    now: NowDep,
) -> Response:
    """Revoke the staff member's links on this plan: they answer 410 from now on."""
    plans.check_area(plan_id, within=principal.visible())
    revoked = field.revoke(plans.lineage_of(plan_id), staff_id, now=now)
    audit(db, principal, "link.revoke", target=f"{plan_id}/{staff_id}", outcome=f"{revoked}")
    return Response(status_code=204)


@router.post(
    "/v1/plans/{plan_id}/publish",
    status_code=202,
    responses={
        404: {"description": "No such plan", **PROBLEM},
        409: {"description": "EYES_PUBLIC_BASE_URL is not set", **PROBLEM},
    },
)
def post_publish(
    plan_id: str,
    principal: PlannerDep,
    plans: PlanStoreDep,
    field: FieldStoreDep,
    alerts: AlertStoreDep,
    settings: SettingsDep,
    db: DatabaseDep,
    now: NowDep,
) -> PublishOut:
    """Text each staff member of the plan a link to their own page, through the SMS outbox
    (nothing lost, nothing sent twice). Publishing again texts only those without a live
    texted link (e.g. who joined in a re-plan); links follow re-plans by themselves."""
    plans.check_area(plan_id, within=principal.visible())
    published = publish_links(
        plan_id,
        plans=plans,
        field=field,
        alerts=alerts,
        settings=settings,
        owner=principal.owner,
        now=now,
    )
    audit(db, principal, "links.publish", target=plan_id, outcome=f"{len(published.texted)}")
    return published


@router.get(
    "/v1/plans/{plan_id}/progress",
    responses={404: {"description": "No such plan", **PROBLEM}},
)
def get_progress(
    plan_id: str, principal: PlannerDep, plans: PlanStoreDep, field: FieldStoreDep
) -> PlanProgress:
    """Per staff member of the newest version: the stops checked in, the last position and
    time, and minutes behind (negative: ahead of) the plan at the last check-in."""
    plans.check_area(plan_id, within=principal.visible())
    return progress_of(plan_id, plans=plans, field=field)


@router.get("/v1/tips")
def get_tips(
    principal: AlertReaderDep,
    field: FieldStoreDep,
    area: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
) -> list[TipPublic]:
    """Tips from the staff, oldest first. Police keys see only those marked for the police,
    without the staff member's identity."""
    police = principal.role == "police"
    if area is not None:
        check_area(principal, area)
    visible = principal.visible()
    if since is not None and since.tzinfo is None:
        from ...timeutil import LOCAL_TZ

        since = since.replace(tzinfo=LOCAL_TZ)
    return [
        TipPublic(
            id=tip.client_id,
            area=tip.area,
            category=tip.category,
            text=tip.text,
            at=tip.at,
            for_police=tip.for_police,
            lat=tip.lat,
            lon=tip.lon,
            staff_id=None if police else tip.staff_id,
        )
        for tip in field.tips(area=area, since=since, police=police)
        if visible is None or tip.area in visible
    ]


@phone_router.get("/v1/field/{token}", responses=LINK_ERRORS)
def get_field(
    token: str, field: FieldStoreDep, plans: PlanStoreDep, alerts: AlertStoreDep, now: NowDep
) -> FieldView:
    """The staff member's evening: the newest version of their route, the stops done, the
    next stop, and the police alerts sent to them."""
    link = field.link(token, now=now)
    return page_of(link, plans=plans, field=field, alerts=alerts)


@phone_router.post("/v1/field/{token}/checkins", status_code=201, responses=LINK_ERRORS)
def post_checkin(
    token: str,
    body: CheckinCreate,
    response: Response,
    field: FieldStoreDep,
    db: DatabaseDep,
    now: NowDep,
) -> Accepted:
    """The staff member was at a stop (`at`: when). The same `id` again is the same
    check-in: 200 with `created` false."""
    link = field.link(token, now=now)
    at = when_it_happened(body.at, link=link, now=now, field_name="at")
    checkin, created = field.add_checkin(link, body, at=at, now=now)
    if created:
        audit(db, None, "field.checkin", target=f"{link.id}/{checkin.stop_id}"[:200])
    else:
        response.status_code = 200
    return Accepted(id=checkin.client_id, created=created)


@phone_router.post(
    "/v1/field/{token}/tips",
    status_code=201,
    responses={**LINK_ERRORS, 429: {"description": "Too many tips (Retry-After)", **PROBLEM}},
)
def post_tip(
    token: str,
    body: TipCreate,
    request: Request,
    response: Response,
    field: FieldStoreDep,
    db: DatabaseDep,
    now: NowDep,
) -> Accepted:
    """Something noticed: a category, free text, where and when, and whether the police
    should see it. The same `id` again is the same tip (200, `created` false)."""
    link = field.link(token, now=now)
    at = when_it_happened(body.at, link=link, now=now, field_name="at")
    limiter = request.app.state.tip_limiter
    wait = limiter.hit(link.id)
    if wait is not None:
        raise HTTPException(
            429,
            _("Too many tips from this link; try again later."),
            headers={"Retry-After": str(int(wait) + 1)},
        )
    tip, created = field.add_tip(link, body, at=at, now=now)
    if created:
        audit(db, None, "field.tip", target=f"{link.id}/{tip.category}")
    else:
        limiter.refund(link.id)
        response.status_code = 200
    return Accepted(id=tip.client_id, created=created)


DOSAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such area", **PROBLEM},
    422: {"description": "Bad dates", **PROBLEM},
}


def _dosage(
    area: str,
    first: date,
    last: date,
    *,
    principal: Principal,
    networks: NetworksDep,
    plans: PlanStoreDep,
    field: FieldStoreDep,
    incidents: IncidentStoreDep,
) -> tuple[DosageReport, str]:
    """The report, and where its local areas come from (imported, else 1 km cells)."""
    if area not in networks.catalog.names():
        raise HTTPException(404, _("No area named {area!r}.", area=area))
    check_area(principal, area)
    polygons = [LocalArea.from_stored(s) for s in incidents.local_areas(area)]
    source = "imported"
    if not polygons:
        bounds = networks.catalog.get(area).bounds()
        if bounds is not None:
            south, west, north, east = bounds
            centre = ((south + north) / 2, (west + east) / 2)
            spots = [
                (p.lat, p.lon)
                for _lineage, plan in plans.newest_plans_between(area, first, last)
                for route in plan.routes
                for s in route.stops
                for p in [s.location]
                if s.kind == "hotspot" and p.lat is not None and p.lon is not None
            ]
            polygons = grid_local_areas(
                [lat for lat, _lon in spots],
                [lon for _lat, lon in spots],
                centre=centre,
                extent=bounds,
            )
        source = f"grid of {GRID_CELL_M / 1000:g} km cells"

    def local_area_of(lat: float, lon: float) -> str | None:
        (index,) = assign_local_areas(polygons, [lat], [lon])
        return None if index < 0 else polygons[int(index)].name

    report = dosage_of(area, first, last, plans=plans, field=field, local_area_of=local_area_of)
    return report, source


FromQuery = Annotated[date, Query(alias="from", description="First night (YYYY-MM-DD).")]
ToQuery = Annotated[date, Query(alias="to", description="Last night (YYYY-MM-DD).")]


@router.get("/v1/reports/{area}/dosage", responses=DOSAGE_ERRORS)
def get_dosage(
    area: str,
    first: FromQuery,
    last: ToQuery,
    principal: AnyKeyDep,
    networks: NetworksDep,
    plans: PlanStoreDep,
    field: FieldStoreDep,
    incidents: IncidentStoreDep,
) -> DosageOut:
    """Minutes of presence at the hotspots, planned against delivered (checked in), per
    night, per hotspot and per local area, and in total. Planned: every hotspot stop of
    each plan's newest version; delivered: the stops checked in at, credited with their
    planned dwell. The picture beside it: `dosage.png`."""
    report, source = _dosage(
        area,
        first,
        last,
        principal=principal,
        networks=networks,
        plans=plans,
        field=field,
        incidents=incidents,
    )
    return dosage_out(report, area=area, first=first, last=last, source=source)


@router.get(
    "/v1/reports/{area}/dosage.png",
    responses={200: {"content": {"image/png": {}}, "description": "The picture"}, **DOSAGE_ERRORS},
    response_class=Response,
)
def get_dosage_png(
    area: str,
    first: FromQuery,
    last: ToQuery,
    principal: AnyKeyDep,
    networks: NetworksDep,
    plans: PlanStoreDep,
    field: FieldStoreDep,
    incidents: IncidentStoreDep,
) -> Response:
    """The dosage as a picture (PNG, 1200 x 840): per night planned and delivered minutes,
    and the hotspots furthest below their planned presence."""
    from ...field.dosage_picture import dosage_png

    report, _source = _dosage(
        area,
        first,
        last,
        principal=principal,
        networks=networks,
        plans=plans,
        field=field,
        incidents=incidents,
    )
    return Response(
        dosage_png(
            report,
            area_title=networks.catalog.get(area).display_name,
            first=first,
            last=last,
        ),
        media_type="image/png",
    )
