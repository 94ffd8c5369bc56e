"""The eyes' own page: ``/s/{token}``, the staff member's evening on their phone.

The link is the key (``/s/`` is a public prefix in ``service.api.edge``): the page is
served only for a live link; a made-up one answers a small 404 page, an expired or revoked
one a 410, one not even a token's shape a 401, in the request's language and without a
word about the link. The page itself reads and writes through ``/v1/field/{token}``
(``service.api.routers.field``); its files are ``service/web/phone.html`` and
``static/js/phone/``, under the map's ``/map/static``. No cookie is set. Each opening of
the page is audited with the link's id (never the token); its check-ins and tips are, by
the JSON API; the page's polls of its JSON are not (one row every 30 s per phone).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ...auth.audit import audit
from ...field.errors import LinkGoneError, LinkInvalidError, LinkNotFoundError
from ...i18n import _, language
from ...web import PHONE_PAGE
from ...web.page import PHONE_SCRIPTS, render
from ..deps import DatabaseDep, FieldStoreDep, NowDep, SettingsDep
from .map import tile_source

if TYPE_CHECKING:
    from ...config import Settings

router = APIRouter(tags=["field"])

HEADERS = {
    "Referrer-Policy": "no-referrer",  # the token is in the address: never pass it on
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _policy(settings: Settings) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' data:{tile_source(settings.map_tile_url)}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )


def _refusal(status: int, title: str, text: str) -> HTMLResponse:
    """A small page for a link that does not open (no script, no style from anywhere)."""
    body = (
        f'<!doctype html>\n<html lang="{language()}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(text)}</p>\n</body>\n</html>\n"
    )
    policy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    return HTMLResponse(
        body, status_code=status, headers={**HEADERS, "Content-Security-Policy": policy}
    )


@router.get(
    "/s/{token}",
    include_in_schema=False,
    response_class=HTMLResponse,
)
def phone_page(
    token: str, field: FieldStoreDep, settings: SettingsDep, now: NowDep, db: DatabaseDep
) -> HTMLResponse:
    """The staff member's page: tonight's route, the next stop, check-ins and tips."""
    ask = _("Ask your dispatcher for a new link.")
    try:
        link = field.link(token, now=now)
    except LinkInvalidError:
        return _refusal(
            401, _("Not a staff link"), _("This address is not a staff link.") + " " + ask
        )
    except LinkNotFoundError:
        return _refusal(404, _("Unknown link"), _("No staff link has this address.") + " " + ask)
    except LinkGoneError:
        return _refusal(
            410, _("Link no longer valid"), _("This link has expired or was revoked.") + " " + ask
        )
    audit(db, None, "field.open", target=link.id)
    body = (
        render(language(), PHONE_PAGE, PHONE_SCRIPTS)
        .replace("{{TILE_URL}}", html.escape(settings.map_tile_url or "", quote=True))
        .replace("{{TILE_ATTRIBUTION}}", html.escape(settings.map_tile_attribution, quote=True))
    )
    return HTMLResponse(body, headers={**HEADERS, "Content-Security-Policy": _policy(settings)})
