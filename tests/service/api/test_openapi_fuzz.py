"""Schemathesis against the app's own OpenAPI: the documented plan examples (so plans
reach the solver) and generated requests for every operation get no 5xx, and every answer
(status, content type, headers, body) is one the OpenAPI documents. A bounded run (tens of
cases per operation) with short solver time limits."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.plans.examples import PLAN_REQUEST_EXAMPLES

from .fuzz_app import fuzz_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from schemathesis import Case
    from schemathesis.schemas import BaseSchema

    from service.plans.networks import AreaNetworks

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
KEY: dict[str, str] = {}
APPS: list[Any] = []


@pytest.fixture(scope="module")
def fuzz_schema(
    tmp_path_factory: pytest.TempPathFactory, graph_cache: Any, networks: AreaNetworks
) -> Iterator[BaseSchema]:
    """The OpenAPI of an app on a fresh SQLite file, with an admin key for every call."""
    app, KEY["X-API-Key"] = fuzz_app(tmp_path_factory.mktemp("fuzz"), graph_cache, networks)
    APPS.append(app)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.job_queue.stop()


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _check(case: Case[Any]) -> None:
    case.headers.update(KEY)  # a valid key, so requests get through
    body: Any = case.body
    if isinstance(body, dict) and isinstance(body.get("options"), dict):
        body["options"]["time_limit_s"] = 0.2  # reach the solver, briefly
    response = case.call()
    case.validate_response(response, checks=CHECKS)


def test_api_answers_as_documented(fuzz_schema: BaseSchema) -> None:
    """The documented plan examples, then generated cases for every operation: no 5xx;
    status, content type, headers and body as the OpenAPI documents them."""
    from schemathesis.checks import load_all_checks
    from schemathesis.pytest.lazy import get_all_tests

    load_all_checks()
    plans = fuzz_schema["/v1/plans"]["POST"]
    for example in PLAN_REQUEST_EXAMPLES.values():
        _check(plans.Case(body=copy.deepcopy(example["value"]), media_type="application/json"))
    operations = []
    for result in get_all_tests(
        schema=fuzz_schema, test_func=_check, settings=SETTINGS, given_kwargs={}
    ):
        operation, test = result.ok()  # type: ignore[union-attr]
        operations.append(f"{operation.method.upper()} {operation.path}")
        test()
    assert "POST /v1/plans" in operations
    assert "POST /v1/alerts" in operations
    # The documented examples reached the solver and were planned.
    assert APPS[-1].state.job_store.counts().get("done", 0) >= 2
