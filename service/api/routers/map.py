"""The dispatcher's map: the page (``/map``, ``/map/{plan_id}``), the area's streets as
GeoJSON from the street graph, and the recent plans to pick from.

The page reads the same JSON and GeoJSON the API serves; its files are in ``service/web``
and mounted at ``/map/static`` (`static_files`). It speaks the request's language
(``Accept-Language``, else ``EYES_LANGUAGE``): its texts and the catalogue its JavaScript
reads are filled in by ``service.web.page``.
"""

from __future__ import annotations

import hashlib
import html
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, HTTPException, Query, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from graphs import TravelMode
from graphs.areas import display_name_from_name

from ...auth.scope import check_area
from ...i18n import _, language
from ...plans.streets import streets_geojson_bytes
from ...web import STATIC_DIR
from ...web.page import render
from ..deps import AnyKeyDep, NetworksDep, PlannerDep, PlanStoreDep, SettingsDep
from ..problems import PROBLEM

if TYPE_CHECKING:
    from ...config import Settings

router = APIRouter(tags=["map"])
static_files = StaticFiles(directory=STATIC_DIR)


class PlanListItem(BaseModel):
    """A stored plan in the map's list."""

    id: str
    created_at: datetime
    area: str
    area_display_name: str
    municipality: str
    date: date
    staff: int
    hotspots_visited: int
    coverage_ratio: float | None


def tile_source(tile_url: str | None) -> str:
    """The CSP source the tiles come from (``{s}`` subdomains as a wildcard)."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def _page(settings: Settings) -> HTMLResponse:
    body = (
        render(language())
        .replace("{{TILE_URL}}", html.escape(settings.map_tile_url or "", quote=True))
        .replace("{{TILE_ATTRIBUTION}}", html.escape(settings.map_tile_attribution, quote=True))
    )
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' data:{tile_source(settings.map_tile_url)}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    }
    return HTMLResponse(body, headers=headers)


@router.get("/map", include_in_schema=False)
def map_page(settings: SettingsDep) -> HTMLResponse:
    """The map with the newest plan (the page asks for an API key, kept per browser tab)."""
    return _page(settings)


@router.get("/map/{plan_id}", include_in_schema=False)
def map_plan_page(plan_id: str, settings: SettingsDep) -> HTMLResponse:
    """The map with plan ``plan_id`` (read by the page through the API)."""
    return _page(settings)


@router.get(
    "/v1/areas/{area}/streets.geojson",
    tags=["areas"],
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "RFC 7946"},
        304: {"description": "Unchanged (ETag)"},
        404: {"description": "No such area", **PROBLEM},
    },
)
def area_streets(
    area: str,
    networks: NetworksDep,
    principal: AnyKeyDep,
    mode: TravelMode = "drive",
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The area's streets for a travel mode, from its street graph: one MultiLineString per
    street class (major, minor, other), simplified to about a metre, two-way streets once.
    Street data © OpenStreetMap contributors, ODbL. Another area than the key's is a 403."""
    check_area(principal, area)
    if area not in networks.catalog.names():
        raise HTTPException(404, _("No area named {area!r}.", area=area))
    body = streets_geojson_bytes(networks.get(area, mode), area=area)
    etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=3600"}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/geo+json", headers=headers)


@router.get("/v1/map/plans", responses={401: PROBLEM, 403: PROBLEM})
def recent_plans(
    store: PlanStoreDep,
    principal: PlannerDep,
    networks: NetworksDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[PlanListItem]:
    """The newest plans first, for the map's plan list (of the key's areas), each with its
    area's name as people read it and its municipality."""
    labels = {a.name: a for a in networks.catalog.areas()}
    plans = store.recent(limit=limit, areas=principal.visible())
    return [
        PlanListItem(
            id=plan.id,
            created_at=plan.created_at,
            area=plan.area,
            area_display_name=labels[plan.area].display_name
            if plan.area in labels
            else display_name_from_name(plan.area),
            municipality=labels[plan.area].municipality if plan.area in labels else plan.area,
            date=plan.date,
            staff=len(plan.routes),
            hotspots_visited=plan.summary.hotspots_visited,
            coverage_ratio=plan.summary.coverage_ratio,
        )
        for plan in plans
    ]
