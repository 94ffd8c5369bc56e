"""Burglary records, local areas, hotspots on the streets and local-area reports.

Records come in as CSV, GeoJSON or JSON (``importing``) and are stored per area
(``store``); the forecast package turns them into hotspot discs, which ``hotspots`` places
on the area's streets and names; ``expand`` turns a plan request's ``hotspots_from`` into
hotspots; ``reports`` counts burglaries per local area (``localareas``) and ``maps`` draws
the picture. Web-free: ``service.api.routers.incidents`` and ``service.cli`` call in.
"""
