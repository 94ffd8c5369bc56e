"""Who may do what: API keys and roles, the OpenAPI security scheme, the rate limit on
alert creation, and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.alerts.store import AlertStore
from service.api.app import create_app
from service.auth.audit import audit_entries
from service.auth.keys import authenticate, create_key, digest
from service.auth.models import ApiKeyRecord
from service.cli import main
from service.config import Settings
from service.timeutil import today_local

from ..databases import migrated_engine
from .conftest import as_

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

    from service.auth.keys import Principal
    from service.plans.networks import AreaNetworks


def _alert() -> dict[str, Any]:
    tomorrow = today_local() + timedelta(days=1)
    return {
        "message": "Hold øje.",
        "area_name": "Sindal",
        "area": {"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 300},
        "valid_from": f"{tomorrow}T18:00:00",
        "valid_until": f"{tomorrow}T21:00:00",
    }


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        ("police", "POST", "/v1/alerts", 202),
        ("police", "GET", "/v1/plans/x", 403),
        ("police", "POST", "/v1/plans", 403),
        ("police", "GET", "/v1/plans/x/routes.geojson", 403),
        ("dispatcher", "POST", "/v1/alerts", 403),
        ("dispatcher", "GET", "/v1/alerts", 200),
        ("dispatcher", "GET", "/v1/plans/x", 404),
        ("scheduler", "GET", "/v1/plans/x", 404),
        ("scheduler", "GET", "/v1/alerts", 403),
        ("scheduler", "POST", "/v1/alerts", 403),
        ("admin", "POST", "/v1/alerts", 202),
        ("admin", "GET", "/v1/plans/x", 404),
        ("police", "GET", "/v1/areas", 200),
    ],
)
def test_roles(
    api: TestClient, keys: dict[str, str], role: str, method: str, path: str, status: int
) -> None:
    """Police send alerts but see no plans; dispatchers plan and read alerts but send none;
    schedulers plan only; admin does everything (404 = allowed but no such plan)."""
    body = _alert() if path == "/v1/alerts" else {}
    answer = api.request(
        method, path, json=body if method == "POST" else None, headers=as_(keys[role])
    )
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "eyes_not-a-real-key"}])
def test_no_valid_key_is_401(api: TestClient, headers: dict[str, str]) -> None:
    """Without a valid key every route but /healthz is a 401 problem; /healthz stays open."""
    for method, path in [("GET", "/v1/alerts"), ("GET", "/v1/plans/x"), ("GET", "/v1/areas")]:
        answer = api.request(method, path, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "ApiKey"
    assert api.get("/healthz").status_code == 200


def test_police_read_only_their_own_alerts(api: TestClient, keys: dict[str, str]) -> None:
    """A police key sees its own alerts; another police key gets 404 and an empty list;
    a dispatcher sees them all."""
    alert_id = api.post("/v1/alerts", json=_alert(), headers=as_(keys["police"])).json()["id"]
    assert api.get(f"/v1/alerts/{alert_id}", headers=as_(keys["police"])).status_code == 200
    assert api.get(f"/v1/alerts/{alert_id}", headers=as_(keys["police2"])).status_code == 404
    assert api.get("/v1/alerts", headers=as_(keys["police2"])).json() == []
    listed = api.get("/v1/alerts", headers=as_(keys["dispatcher"])).json()
    assert [a["id"] for a in listed] == [alert_id]


def test_openapi_shows_the_security_scheme(api: TestClient) -> None:
    """The OpenAPI declares the X-API-Key scheme and attaches it to the guarded routes."""
    spec = api.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key from `eyes keys create --role ROLE`.",
    }
    assert spec["paths"]["/v1/alerts"]["post"]["security"] == [{"ApiKey": []}]
    assert spec["paths"]["/v1/plans"]["post"]["security"] == [{"ApiKey": []}]
    assert "security" not in spec["paths"]["/healthz"]["get"]


def test_rate_limit_per_key(tmp_path: Path, networks: AreaNetworks) -> None:
    """Past EYES_ALERT_RATE_PER_MIN alerts a key gets 429 with Retry-After; another key
    is not affected."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'rl.db'}",
        preload_area=False,
        sender_in_process=False,
        alert_rate_per_min=2,
    )
    app = create_app(settings, networks=networks)
    one = create_key(app.state.alert_store, "police")[1]
    two = create_key(app.state.alert_store, "police")[1]
    with TestClient(app, raise_server_exceptions=False) as client:
        codes = [
            client.post("/v1/alerts", json=_alert(), headers=as_(one)).status_code for _ in range(3)
        ]
        assert codes == [202, 202, 429]
        limited = client.post("/v1/alerts", json=_alert(), headers=as_(one))
        assert limited.headers["content-type"] == "application/problem+json"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert client.post("/v1/alerts", json=_alert(), headers=as_(two)).status_code == 202


def test_rate_limit_counts_only_newly_stored_alerts(tmp_path: Path, networks: AreaNetworks) -> None:
    """Replays of a stored alert (same Idempotency-Key and body) and refused requests (422)
    do not use up a key's rate: with 2 per minute, one alert replayed three times and an
    invalid one still leave room for a second new alert; the third new one is a 429."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'rl.db'}",
        preload_area=False,
        sender_in_process=False,
        alert_rate_per_min=2,
    )
    app = create_app(settings, networks=networks)
    key = create_key(app.state.alert_store, "police")[1]
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {**as_(key), "Idempotency-Key": "k1"}
        first = client.post("/v1/alerts", json=_alert(), headers=headers)
        assert first.status_code == 202
        for _ in range(3):
            again = client.post("/v1/alerts", json=_alert(), headers=headers)
            assert (again.status_code, again.json()["id"]) == (202, first.json()["id"])
        past = {**_alert(), "valid_until": "2020-01-01T12:00:00"}
        invalid = client.post("/v1/alerts", json=past, headers=as_(key))
        assert invalid.status_code == 422
        assert client.post("/v1/alerts", json=_alert(), headers=as_(key)).status_code == 202
        assert client.post("/v1/alerts", json=_alert(), headers=as_(key)).status_code == 429


def test_audit_log_records_key_use_and_alerts(
    api: TestClient, keys: dict[str, str], alert_app: FastAPI
) -> None:
    """Every key use, refusal and alert is in the audit log, by key id and role, without
    phone numbers or alert text."""
    alert_id = api.post("/v1/alerts", json=_alert(), headers=as_(keys["police"])).json()["id"]
    api.get("/v1/plans/x", headers=as_(keys["police"]))
    api.get("/v1/alerts", headers={"X-API-Key": "eyes_wrong"})
    entries = [
        (e.role, e.action, e.target, e.outcome) for e in audit_entries(alert_app.state.alert_store)
    ]
    assert ("police", "POST /v1/alerts", None, "key used") in entries
    assert ("police", "alert.create small area", alert_id, "0 recipients") in entries
    assert ("police", "GET /v1/plans/x", None, "403") in entries
    assert (None, "refused: no valid key", "GET /v1/alerts", "401 x1") in entries
    text = repr(entries)
    assert "Hold øje" not in text
    assert "+45" not in text


def test_keys_create_cli_prints_the_key_once_and_stores_its_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`eyes keys create --role police` prints a working key; only its digest is stored;
    an unknown role is refused by the parser."""
    from service.alerts.store import AlertStore
    from service.config import get_settings

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("EYES_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert main(["keys", "create", "--role", "police", "--label", "Nordjyllands Politi"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("eyes_")
    assert "not shown again" in out.err
    store = AlertStore(migrated_engine(url))
    principal = authenticate(store, key)
    assert principal is not None
    assert principal.role == "police"
    with store.sessions() as session:
        [record] = session.query(ApiKeyRecord).all()
    assert record.key_hash == digest(key) != key
    with pytest.raises(SystemExit):
        main(["keys", "create", "--role", "sheriff"])


def test_auth_off_makes_every_caller_admin(tmp_path: Path, networks: AreaNetworks) -> None:
    """EYES_AUTH=false (development only) lets requests through without a key."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'open.db'}",
        preload_area=False,
        sender_in_process=False,
        auth=False,
    )
    with TestClient(create_app(settings, networks=networks)) as client:
        assert client.post("/v1/alerts", json=_alert()).status_code == 202
        assert client.get("/v1/areas").status_code == 200


@pytest.fixture
def municipalities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """EYES_AREAS_DIR with Sindal and Hjørring (Hjørring municipality) and Rønne (Bornholm),
    and a fresh database; yields its URL."""
    from service.config import get_settings

    areas = tmp_path / "areas"
    areas.mkdir()
    for name in ("sindal", "hjoerring", "ronne"):
        (areas / f"{name}.osm").write_text("<osm/>")
    (areas / "areas.toml").write_text(
        '[sindal]\nname = "Sindal"\nmunicipality = "Hjørring"\n'
        '[hjoerring]\nname = "Hjørring"\nmunicipality = "Hjørring"\n'
        '[ronne]\nname = "Rønne"\nmunicipality = "Bornholm"\n',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("EYES_DATABASE_URL", url)
    monkeypatch.setenv("EYES_AREAS_DIR", str(areas))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _created(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[Principal, str]:
    out = capsys.readouterr()
    principal = authenticate(AlertStore(migrated_engine(url)), out.out.strip())
    assert principal is not None
    return principal, out.err


def test_keys_create_with_areas_or_municipality(
    municipalities: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--areas sindal,hjoerring`` scopes the key to those areas; ``--municipality`` to the
    municipality's areas as they are now; the key id and scope are printed on stderr."""
    argv = ["keys", "create", "--role", "police", "--areas", "sindal,hjoerring"]
    assert main(argv) == 0
    principal, err = _created(municipalities, capsys)
    assert principal.areas == frozenset({"sindal", "hjoerring"})
    assert principal.may_see("sindal")
    assert not principal.may_see("ronne")
    assert "areas hjoerring, sindal" in err
    assert main(["keys", "create", "--role", "dispatcher", "--municipality", "bornholm"]) == 0
    principal, err = _created(municipalities, capsys)
    assert principal.areas == frozenset({"ronne"})


def test_keys_create_without_areas_warns_and_admin_takes_none(
    municipalities: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A non-admin key without --areas sees every area, with a warning; an admin key sees
    every area and refuses --areas; unknown areas and municipalities exit 2 naming the
    known ones."""
    assert main(["keys", "create", "--role", "police"]) == 0
    principal, err = _created(municipalities, capsys)
    assert principal.areas is None
    assert principal.may_see("ronne")
    assert "warning: name the key's areas with --areas" in err
    assert main(["keys", "create", "--role", "admin"]) == 0
    _, err = _created(municipalities, capsys)
    assert "every area:" in err
    assert "warning" not in err
    assert main(["keys", "create", "--role", "admin", "--areas", "sindal"]) == 2
    assert "an admin key sees every area" in capsys.readouterr().err
    assert main(["keys", "create", "--role", "police", "--areas", "sindal,aarhus"]) == 2
    assert "unknown area aarhus; known areas: hjoerring, ronne, sindal" in capsys.readouterr().err
    assert main(["keys", "create", "--role", "police", "--municipality", "Aarhus"]) == 2
    err = capsys.readouterr().err
    assert "no area belongs to municipality Aarhus; municipalities: Bornholm, Hjørring" in err
