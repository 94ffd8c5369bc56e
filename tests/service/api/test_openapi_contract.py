"""The OpenAPI document states the constraints the API enforces (issue 22): schemathesis'
positive-data check in ``make test`` (a request valid by the document is not refused), and
a 405 names every method of its path in ``Allow``.

JSON Schema cannot state every rule: dates within a year of today, cross-field rules of a
plan (a shift ends after it starts, a visit fits its window), the content of a CSV or
GeoJSON file sent as text. For the operations carrying such rules (``UNSTATABLE``) a 422 to
a schema-valid request must name one of those rules and nothing else; every other operation
must accept every schema-valid request.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .fuzz_app import fuzz_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from schemathesis import Case
    from schemathesis.schemas import BaseSchema

    from service.plans.networks import AreaNetworks

NEAR_TODAY = r"must be within 366 days of today|is not a plausible date"
ADDRESS = r"\.address: |not as an address"
"""An address the area's OSM file does not have (or one given on a matrix area)."""
EITHER = r"give hotspots or hotspots_from, not both|needs a named area"
"""Cross-field rules of a plan request's top level."""
FILE_ROWS = r"^(\[\d+\]|features\[\d+\]|line \d+)"
UNSTATABLE: dict[str, str] = {
    # Relative dates, a matrix area's rows and columns agreeing, addresses the area has,
    # hotspots or their forecast.
    "POST /v1/plans": NEAR_TODAY
    + r"|must be square|the same shape as travel_time_s|"
    + ADDRESS
    + "|"
    + EITHER,
    "POST /v1/plans/{plan_id}/replan": NEAR_TODAY + "|" + ADDRESS,
    # The files' content (lines and columns), and relative dates in them.
    "POST /v1/imports/csv": r"^(shifts|hotspots|visits) CSV line \d+|" + NEAR_TODAY,
    # Relative dates; a polygon ring ending where it starts; the text with the area name
    # fitting 2 SMS segments in its encoding.
    "POST /v1/alerts": NEAR_TODAY + r"|must end where it starts|the SMS needs \d+ segments",
    # A records or local-areas file: each row checked on its own, positions on the area.
    "POST /v1/incidents": FILE_ROWS + r"|unreadable-file",
    "POST /v1/areas/{area}/local-areas": FILE_ROWS + r"|unreadable-file",
    # The last night not before the first, at most a year of nights.
    "GET /v1/reports/{area}/dosage": r"^to: ",
    "GET /v1/reports/{area}/dosage.png": r"^to: ",
}
KEY: dict[str, str] = {}
REFUSED: list[str] = []


@pytest.fixture(scope="module")
def contract_app(
    tmp_path_factory: pytest.TempPathFactory, graph_cache: Any, networks: AreaNetworks
) -> Iterator[FastAPI]:
    """An app on a fresh SQLite file, an admin key for every call, a short solver time."""
    app, KEY["X-API-Key"] = fuzz_app(tmp_path_factory.mktemp("contract"), graph_cache, networks)
    yield app
    app.state.job_queue.stop()


def _refused_only_for_unstatable_rules(case: Case[Any]) -> None:
    case.headers.update(KEY)  # a valid key, so requests get through
    body: Any = case.body
    if isinstance(body, dict) and isinstance(body.get("options"), dict):
        body["options"]["time_limit_s"] = 0.2
    response = case.call()
    label = f"{case.method.upper()} {case.operation.path}"
    allowed = UNSTATABLE.get(label)
    if allowed is None or response.status_code != 422:
        case.validate_response(response, checks=[positive_data_acceptance])
        return
    problem = response.json()
    reasons = [f"{e['field']}: {e['message']}" for e in problem.get("errors", [])] or [
        f"{problem.get('type')}: {problem.get('detail')}"
    ]
    for reason in reasons:
        if not re.search(allowed, reason):
            REFUSED.append(f"{label}: {reason}")


def test_schema_valid_requests_are_accepted(contract_app: FastAPI) -> None:
    """Generated positive cases for every operation: each is accepted, or (for the
    operations in ``UNSTATABLE``) refused only for a rule JSON Schema cannot state."""
    from schemathesis.checks import load_all_checks
    from schemathesis.pytest.lazy import get_all_tests

    load_all_checks()
    schema: BaseSchema = schemathesis.openapi.from_asgi("/openapi.json", contract_app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    run = settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    operations = []
    for result in get_all_tests(
        schema=schema, test_func=_refused_only_for_unstatable_rules, settings=run, given_kwargs={}
    ):
        operation, test = result.ok()  # type: ignore[union-attr]
        operations.append(f"{operation.method.upper()} {operation.path}")
        test()
    assert "GET /v1/hotspots" in operations
    assert set(UNSTATABLE) <= set(operations)
    assert REFUSED == [], "\n".join(sorted(set(REFUSED))[:20])


def test_the_document_names_this_servers_areas(client: TestClient) -> None:
    """Every ``area`` parameter and area name in a request body lists the server's areas
    (an unknown one is refused), and the alert circle states its radius bounds."""
    doc = client.get("/openapi.json").json()
    areas = client.get("/v1/areas").json()["areas"]
    parameters = [
        p
        for operations in doc["paths"].values()
        for operation in operations.values()
        for p in operation.get("parameters", [])
        if p["name"] == "area"
    ]
    assert len(parameters) >= 6
    for parameter in parameters:  # a name, or (an optional filter) a name or null
        schema = parameter["schema"]
        names = [schema] if "enum" in schema else [o for o in schema["anyOf"] if "enum" in o]
        assert [n["enum"] for n in names] == [areas], parameter
    plan_area = doc["components"]["schemas"]["PlanRequest"]["properties"]["area"]
    assert areas == plan_area["anyOf"][0]["oneOf"][0]["enum"]
    radius = doc["components"]["schemas"]["CircleArea"]["properties"]["radius_m"]
    assert (radius["minimum"], radius["maximum"]) == (200, 20000)


def test_a_405_names_every_method_of_its_path(client: TestClient) -> None:
    """OPTIONS, PUT or DELETE on a path answer 405 whose ``Allow`` lists exactly the
    methods the document gives that path (``/v1/incidents``: GET and POST, where
    Starlette named only the first route's POST)."""
    doc = client.get("/openapi.json").json()
    cases = {
        "/v1/incidents": "GET, POST",
        "/v1/plans": "POST",
        "/v1/plans/some-id": "GET",
        "/v1/alerts": "GET, POST",
    }
    for path, allow in cases.items():
        for method in ("OPTIONS", "PUT", "DELETE"):
            answer = client.request(method, path)
            assert answer.status_code == 405, (method, path)
            assert answer.headers["allow"] == allow, (method, path)
            assert answer.headers["content-type"] == "application/problem+json"
    for template, operations in doc["paths"].items():
        concrete = re.sub(r"\{[^/]+\}", "x", template)
        answer = client.request("OPTIONS", concrete)
        if answer.status_code == 405:
            assert answer.headers["allow"] == ", ".join(sorted(m.upper() for m in operations))
