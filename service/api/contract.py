"""The API contract as the running server enforces it: constraints that depend on its
configuration stated in the OpenAPI document, and a right ``Allow`` on a 405.

FastAPI builds the document from the code alone, so it could not say which area names this
server knows (an unknown one is a 422) or how small an alert circle may be
(``EYES_MIN_ALERT_RADIUS_M``). ``state_server_constraints`` adds them each time the document
is served, so a client generated from it sends only what is accepted. Rules JSON Schema
cannot state (dates within a year of today, a shift ending after it starts, CSV content)
are in the operations' descriptions and answered with a 422 naming the field.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .problems import problem_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    from ..config import Settings
    from ..plans.networks import AreaNetworks

# Request bodies whose ``area`` may be a name (the others are answers, or alert areas).
AREA_BODIES = ("PlanRequest", "CsvImport")
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH"})


def _name_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The string schemas inside an ``area`` property (a name, beside a matrix or null)."""
    if schema.get("type") == "string":
        return [schema]
    found: list[dict[str, Any]] = []
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            found += _name_schemas(option)
    return found


def state_server_constraints(
    doc: dict[str, Any], *, areas: list[str], settings: Settings
) -> dict[str, Any]:
    """``doc`` (the OpenAPI document) with this server's area names as the ``enum`` of every
    area parameter and area name in a request body, and the alert circle's radius bounds
    from the settings. Idempotent: it sets, never appends."""
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "area":
                    for string in _name_schemas(parameter["schema"]):
                        string["enum"] = list(areas)
    schemas = doc.get("components", {}).get("schemas", {})
    for name in AREA_BODIES:
        area = schemas.get(name, {}).get("properties", {}).get("area")
        for string in _name_schemas(area or {}):
            string["enum"] = list(areas)
    radius = schemas.get("CircleArea", {}).get("properties", {}).get("radius_m")
    if radius is not None:
        radius["minimum"] = settings.min_alert_radius_m
        radius["maximum"] = settings.max_alert_radius_m
    return doc


def install_contract(app: FastAPI, *, networks: AreaNetworks, settings: Settings) -> None:
    """Serve the document with this server's constraints, and answer a method a path does
    not have with 405 and an ``Allow`` naming every method of that path."""
    built: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return state_server_constraints(built(), areas=networks.catalog.names(), settings=settings)

    app.openapi = openapi  # type: ignore[method-assign]

    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        given = getattr(exc, "headers", None) or {}
        allowed = allowed_methods(app.openapi(), request.url.path) or sorted(
            m.strip() for m in given.get("Allow", "").split(",") if m.strip()
        )
        detail = f"{request.method} is not allowed here; use {', '.join(allowed)}"
        headers = {"Allow": ", ".join(allowed)}
        return problem_response(405, "Method Not Allowed", detail, kind="http-405", headers=headers)

    app.add_exception_handler(405, method_not_allowed)


def allowed_methods(doc: dict[str, Any], path: str) -> list[str]:
    """Every method the OpenAPI document gives the path (Starlette's own 405 names only the
    first route's, so ``OPTIONS /v1/incidents`` said POST where GET works too); empty for a
    path the document does not describe."""
    methods: set[str] = set()
    for template, operations in doc.get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods |= {m.upper() for m in operations if m.upper() in HTTP_METHODS}
    return sorted(methods)
