"""The dispatcher's map (``index.html``) and the eyes' own page on a staff member's phone
(``phone.html``), with ``static/`` (our JS and CSS, and Leaflet under ``static/vendor/``,
copied from the npm package pinned in ``package-lock.json`` by ``make web``). Served by
``service.api.routers.map`` and ``service.api.routers.phone``; ``page`` puts a page in the
request's language."""

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
PAGE = WEB_DIR / "index.html"
PHONE_PAGE = WEB_DIR / "phone.html"
