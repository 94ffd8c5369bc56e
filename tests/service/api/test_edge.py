"""The HTTP edge: body limits, the key checked before the body, bounded 422s, inputs that
used to be 500s, security headers, offline docs, and a connection that survives a 500."""

from __future__ import annotations

import copy
import json
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth.audit import audit_entries
from service.auth.keys import create_key
from service.plans.store import PlanStore

from ..server import header_of, raw_exchange, serve, status_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

    from service.config import Settings
    from service.plans.networks import AreaNetworks

SMALL_LIMIT = 64 * 1024


def matrix_request() -> dict[str, Any]:
    """A tiny valid plan on an explicit 2 x 2 matrix (no street data needed)."""
    from service.timeutil import today_local

    return {
        "area": {"travel_time_s": [[0, 600], [600, 0]]},
        "date": today_local().isoformat(),
        "shifts": [
            {
                "id": "guard-1",
                "phone": "+4520000001",
                "start_location": {"index": 0},
                "start_time": "17:00",
                "end_time": "21:00",
            }
        ],
        "hotspots": [{"id": "hs-1", "location": {"index": 1}, "weight": 1}],
        "options": {"time_limit_s": 0.5},
    }


@pytest.fixture
def small_app(settings: Settings, networks: AreaNetworks) -> FastAPI:
    """The app with a 64 KiB body limit."""
    limited = settings.model_copy(update={"max_body_bytes": SMALL_LIMIT})
    return create_app(limited, networks=networks, store=PlanStore.from_url(limited.database_url))


@pytest.fixture
def small_client(small_app: FastAPI) -> Iterator[TestClient]:
    """A client of ``small_app`` with an admin key."""
    _, key = create_key(small_app.state.alert_store, "admin")
    with TestClient(small_app, raise_server_exceptions=False, headers={"X-API-Key": key}) as c:
        yield c


def test_a_body_over_the_limit_is_413_problem(small_client: TestClient) -> None:
    """A body past EYES_MAX_BODY_BYTES is a 413 problem+json, not parsed (so not a 400/422)."""
    answer = small_client.post(
        "/v1/plans", content=b"[" + b"0," * SMALL_LIMIT + b"0]", headers=_json()
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/body-too-large")


def test_a_chunked_body_over_the_limit_is_413(small_app: FastAPI) -> None:
    """Without Content-Length (chunked), the limit holds on the bytes actually read."""
    _, key = create_key(small_app.state.alert_store, "admin")
    chunk = b"x" * 16384
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n"
    request = (
        b"POST /v1/plans HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nX-API-Key: " + key.encode() + b"\r\n\r\n" + body
    )
    with serve(small_app) as url:
        (answer,) = raw_exchange(url, [request])
    assert status_of(answer) == 413


def test_the_key_is_checked_before_the_body_is_read(app: FastAPI) -> None:
    """A request announcing 50 MB without a key gets its 401 while almost none of the body
    has been sent (the server did not wait for it), and the connection is closed; with a
    valid key the same announcement is a 413 at once."""
    _, key = create_key(app.state.alert_store, "admin")
    head = (
        b"POST /v1/plans HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 50000000\r\n"
    )
    with serve(app) as url:
        started = time.monotonic()
        (refused,) = raw_exchange(url, [head + b"\r\n" + b"[" * 1024])
        (too_large,) = raw_exchange(
            url, [head + b"X-API-Key: " + key.encode() + b"\r\n\r\n" + b"[" * 1024]
        )
        elapsed = time.monotonic() - started
    assert status_of(refused) == 401
    assert header_of(refused, "connection") == "close"
    assert header_of(refused, "www-authenticate") == "ApiKey"
    assert status_of(too_large) == 413
    assert elapsed < 30  # generous: both answered without the 50 MB ever being sent


def test_a_key_is_looked_up_once_per_request(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key gate looks the key up in the database; the route's role check uses what
    the gate found instead of looking it up again (still one 'key used' audit row)."""
    import service.api.edge
    import service.auth.dependencies

    _, key = create_key(app.state.alert_store, "dispatcher")
    calls: list[str] = []
    from service.auth.keys import authenticate as real

    def counting(db: Any, raw: str) -> Any:
        calls.append(raw)
        return real(db, raw)

    monkeypatch.setattr(service.api.edge, "authenticate", counting)
    monkeypatch.setattr(service.auth.dependencies, "authenticate", counting)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/areas", headers={"X-API-Key": key}).status_code == 200
    assert calls == [key]
    used = [e for e in audit_entries(app.state.alert_store) if e.outcome == "key used"]
    assert [e.action for e in used] == ["GET /v1/areas"]


def test_refused_requests_are_counted_not_each_audited(app: FastAPI) -> None:
    """30 requests without a valid key: 30 401s, but one audit row during the interval
    (the first) and one more with the count of the rest when the app stops."""
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(30):
            assert client.post("/v1/plans", json={}).status_code == 401
        during = [e for e in audit_entries(app.state.alert_store) if e.role is None]
    after = [e for e in audit_entries(app.state.alert_store) if e.role is None]
    assert [e.outcome for e in during] == ["401 x1"]
    assert [e.outcome for e in after] == ["401 x1", "401 x29"]
    assert {e.action for e in after} == {"refused: no valid key"}


def test_a_flood_of_errors_is_a_short_422(client: TestClient) -> None:
    """A flat array where a matrix belongs, 20,000 unknown fields in one object, or 90 in
    each of 1,500 hotspots: each is a short 422 (at most EYES_MAX_VALIDATION_ERRORS problems
    listed, the rest counted; an object with more fields than any of the API's is refused
    before validation)."""
    flat = matrix_request()
    flat["area"] = {"travel_time_s": [0] * 100_000}
    extra = matrix_request()
    extra["shifts"][0].update({f"x{i}": 0 for i in range(20_000)})
    spread = matrix_request()
    spread["hotspots"] = [
        {"id": f"h{j}", "location": {"index": 1}, "weight": 1, **{f"x{i}": 0 for i in range(90)}}
        for j in range(1500)
    ]
    answers = [client.post("/v1/plans", json=body) for body in (flat, extra, spread)]
    for answer in answers:
        assert answer.status_code == 422
        assert len(answer.json()["errors"]) <= 20
        assert len(answer.content) < 20_000
    assert "20,005 fields" in answers[1].json()["detail"]
    assert answers[2].json()["errors_omitted"] > 0
    assert re.search(r"and [\d,]+ more", answers[2].json()["detail"])


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}


def _shift(**values: Any) -> Any:
    return lambda r: r["shifts"][0].update(values)


@pytest.mark.parametrize(
    ("field", "mutate"),
    [
        (
            "area.travel_time_s[0][1]",
            lambda r: r["area"].update(travel_time_s=[[0, 2**63], [1, 0]]),
        ),
        ("date", lambda r: r.update(date="0001-01-01")),
        ("shifts[0].start_time", _shift(start_time="0001-01-01T17:00")),
        ("shifts[0].end_time", _shift(end_time="9999-12-31T23:00")),
        ("shifts[0].start_location.index", _shift(start_location={"index": 10**20})),
    ],
)
def test_inputs_that_were_500s_are_422s_naming_the_field(
    client: TestClient, field: str, mutate: Any
) -> None:
    """A travel time of 2^63, a year-1 or year-9999 date or datetime, a huge index: each is a
    422 naming the field (they overflowed in the planner: 500)."""
    request = copy.deepcopy(matrix_request())
    mutate(request)
    answer = client.post("/v1/plans", json=request)
    assert answer.status_code == 422, answer.text
    assert field in {e["field"] for e in answer.json()["errors"]}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('"distance_m": [[0, 1e309], [1, 0]]', "area.distance_m[0][1]"),
        ('"distance_m": [[0, NaN], [1, 0]]', "area.distance_m[0][1]"),
        ('"distance_m": [[0, Infinity], [1, 0]]', "area.distance_m[0][1]"),
    ],
)
def test_infinity_and_nan_are_refused(client: TestClient, raw: str, field: str) -> None:
    """Python's JSON reader takes 1e309, NaN and Infinity; none of them may be stored (an
    Infinity distance broke PostgreSQL after solving)."""
    text = json.dumps(matrix_request()).replace('"travel_time_s"', raw + ', "travel_time_s"')
    answer = client.post("/v1/plans", content=text, headers=_json())
    assert answer.status_code == 422, answer.text
    assert field in {e["field"] for e in answer.json()["errors"]}


@pytest.mark.parametrize("radius", [5e-324, 0.5, 30])
def test_tiny_alert_radius_is_422(app: FastAPI, radius: float) -> None:
    """A radius of 5e-324 crashed the geometry library (500); anything under 200 m is now a
    422 naming the field (a small circle could locate a home visit)."""
    _, key = create_key(app.state.alert_store, "police")
    body = {
        "message": "Hold øje.",
        "area_name": "Sindal",
        "area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": radius},
        "valid_until": "2099-01-01T00:00",
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/v1/alerts", json=body, headers={"X-API-Key": key})
    assert answer.status_code == 422, answer.text
    assert "area.radius_m" in {e["field"] for e in answer.json()["errors"]}


def test_security_headers_and_no_store(client: TestClient) -> None:
    """Every answer carries nosniff, DENY framing, no referrer and a CSP; plans and alerts
    are not cached."""
    for path in ("/healthz", "/v1/plans/nope", "/v1/alerts", "/openapi.json"):
        answer = client.get(path)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        if path.startswith("/v1/"):
            assert answer.headers["cache-control"] == "no-store"


def test_docs_work_offline(client: TestClient) -> None:
    """/docs loads Swagger UI from this server (no CDN) under a CSP that names the page's
    inline script by its hash and allows no other origin."""
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert re.findall(r'(?:src|href)="(https?:[^"]*)"', page.text) == []
    csp = page.headers["content-security-policy"]
    assert "'sha256-" in csp
    assert "http" not in csp
    for asset in re.findall(r'(?:src|href)="(/docs/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_no_server_banner_and_the_connection_survives_a_500(app: FastAPI) -> None:
    """On the real server: no ``server: uvicorn`` header, and after a 500 (here from a route
    that raises) the next request on the same keep-alive connection is answered."""

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/v1/boom", boom)
    _, key = create_key(app.state.alert_store, "admin")
    request = b"GET /v1/boom HTTP/1.1\r\nHost: t\r\nX-API-Key: " + key.encode() + b"\r\n\r\n"
    health = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
    with serve(app) as url:
        failed, after = raw_exchange(url, [request, health])
    assert status_of(failed) == 500
    assert b"problem+json" in failed
    assert status_of(after) == 200
    assert header_of(after, "server") is None
