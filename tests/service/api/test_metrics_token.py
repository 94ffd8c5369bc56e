"""``/metrics`` behind an optional bearer token (``EYES_METRICS_TOKEN``), as Prometheus
sends it; open when no token is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.api.app import create_app
from service.plans.store import PlanStore

if TYPE_CHECKING:
    from service.config import Settings
    from service.plans.networks import AreaNetworks

TOKEN = "prometheus-scrape-token-0123456789"


def _client(settings: Settings, networks: AreaNetworks) -> TestClient:
    app = create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))
    return TestClient(app, raise_server_exceptions=False)


def test_metrics_need_the_bearer_token_when_one_is_set(
    settings: Settings, networks: AreaNetworks
) -> None:
    """With a token, /metrics answers 200 only to ``Authorization: Bearer <token>``; no
    header, another scheme, a wrong token or an API key are a 401 problem+json with
    ``WWW-Authenticate: Bearer`` that reveals no metric."""
    guarded = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    with _client(guarded, networks) as client:
        for headers in (
            {},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": "Bearer wrong-token"},
            {"Authorization": "Bearer"},
            {"X-API-Key": TOKEN},
        ):
            answer = client.get("/metrics", headers=headers)
            assert answer.status_code == 401, headers
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert answer.headers["content-type"] == "application/problem+json"
            assert "eyes_" not in answer.text
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        assert "eyes_plan_queue_length" in answer.text


def test_metrics_are_open_without_a_token(settings: Settings, networks: AreaNetworks) -> None:
    """Without ``EYES_METRICS_TOKEN`` (the default) /metrics needs no header."""
    assert not settings.metrics_token.get_secret_value()
    with _client(settings, networks) as client:
        answer = client.get("/metrics")
        assert answer.status_code == 200
        assert "eyes_plan_queue_length" in answer.text
