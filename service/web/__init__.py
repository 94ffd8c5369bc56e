"""The dispatcher's map: ``index.html`` and ``static/`` (our JS and CSS, and Leaflet under
``static/vendor/``, copied from the npm package pinned in ``package-lock.json`` by
``make web``). Served by ``service.api.routers.map``; ``page`` puts the page in the
request's language."""

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
PAGE = WEB_DIR / "index.html"
