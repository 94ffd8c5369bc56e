"""Browser fixtures: a real uvicorn server on loopback with the sample evening planned and
stored, and Debian's headless Chromium driven by Playwright (no browser download).

Without Chromium (``make test`` installs it with apt-get where it can) every browser test
is skipped, saying so. Screenshots go to ``var/test-artifacts/`` (``EYES_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from graphs import AreaCatalog
from service.api.app import create_app
from service.auth.keys import create_key
from service.config import SHIPPED_AREAS_DIR, Settings
from service.plans.networks import AreaNetworks
from service.plans.planning import create_plan
from service.plans.schemas import PlanRequest
from service.plans.store import PlanStore

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from playwright.sync_api import Browser, Page, Request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ARTIFACTS = Path(os.environ.get("EYES_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    """The app served by uvicorn on 127.0.0.1, with a stored plan and a key per role."""

    url: str
    app: FastAPI
    plan: dict[str, Any]
    geojson: dict[str, Any]
    keys: dict[str, str]
    alert_id: str

    def api(self, path: str, role: str = "dispatcher") -> Any:
        """GET ``path`` from the server as ``role`` and return the JSON."""
        answer = httpx.get(self.url + path, headers={"X-API-Key": self.keys[role]}, timeout=30)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; the browser tests are skipped where it is not installed."""
    found = os.environ.get("EYES_TEST_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.skip(
            "Chromium is not installed (make test installs it with `apt-get install -y "
            "chromium chromium-driver` where it runs as root with apt); browser tests skipped"
        )
    return found


def _sample_request() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "sindal_request.json").read_text())
    data["date"] = datetime.now(UTC).date().isoformat()
    data["options"] = {"time_limit_s": 1, "seed": 3}
    return data


def _alert(server_url: str, police_key: str) -> str:
    now = datetime.now(UTC)
    body = {
        "message": "Hold øje med en hvid varevogn.",
        "area_name": "Sindal midt",
        "area": {"center": {"lat": 57.4711, "lon": 10.2062}, "radius_m": 400},
        "valid_from": (now - timedelta(minutes=5)).isoformat(),
        "valid_until": (now + timedelta(hours=3)).isoformat(),
        "targeting": "all_on_shift",
    }
    answer = httpx.post(
        f"{server_url}/v1/alerts", json=body, headers={"X-API-Key": police_key}, timeout=30
    )
    answer.raise_for_status()
    alert_id: str = answer.json()["id"]
    return alert_id


@contextmanager
def serve(folder: Path, request_data: dict[str, Any]) -> Iterator[LiveServer]:
    """uvicorn on a free loopback port, ``request_data`` planned and stored, an active
    police alert, and dispatcher, scheduler and police keys."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'eyes.db'}",
        graph_cache_dir=folder / "graphs",
        default_time_limit_s=1.0,
        preload_area=True,
        sender_in_process=False,
        plan_wait_s=60,
    )
    networks = AreaNetworks(AreaCatalog([SHIPPED_AREAS_DIR]), cache_dir=settings.graph_cache_dir)
    store = PlanStore.from_url(settings.database_url)
    app = create_app(settings, networks=networks, store=store)
    keys = {role: create_key(app.state.alert_store, role)[1] for role in ("dispatcher", "police")}
    keys["scheduler"] = create_key(app.state.alert_store, "scheduler")[1]
    request = PlanRequest.model_validate(request_data)
    planned = create_plan(request, networks=networks, settings=settings, store=store)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("uvicorn did not start")
        threading.Event().wait(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    try:
        yield LiveServer(
            url=url,
            app=app,
            plan=planned.plan.model_dump(mode="json"),
            geojson=copy.deepcopy(planned.geojson or {}),
            keys=keys,
            alert_id=_alert(url, keys["police"]),
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def live_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The sample evening served (`serve`)."""
    with serve(tmp_path_factory.mktemp("browser"), _sample_request()) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    """Headless Chromium from Debian, launched by Playwright."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what it did that a test may check: requests off loopback, script errors."""

    page: Page
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        """Save a screenshot as a test artefact and return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


def watch(browser: Browser, server: LiveServer, **context: Any) -> Watched:
    """A fresh browser context (empty sessionStorage) whose page is watched; it speaks
    British English (Accept-Language) unless ``locale`` says otherwise, whatever the
    machine's locale."""
    page = browser.new_context(**{"locale": "en-GB", **context}).new_page()
    watched = Watched(page)

    def on_request(request: Request) -> None:
        if not request.url.startswith((server.url, "data:", "blob:")):
            watched.external.append(request.url)

    page.on("request", on_request)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.set_default_timeout(30_000)
    return watched


@pytest.fixture
def watched(browser: Browser, live_server: LiveServer) -> Iterator[Watched]:
    """A desktop-sized page; after the test, no request may have left loopback and no
    script may have failed."""
    result = watch(browser, live_server, viewport={"width": 1280, "height": 800})
    yield result
    result.page.context.close()
    assert result.external == [], "the page fetched from outside the server"
    assert result.errors == [], "a script failed on the page"


def open_map(watched: Watched, server: LiveServer, path: str = "/map") -> Page:
    """Load the map, give the dispatcher key when asked, and wait until a plan is drawn."""
    page = watched.page
    page.goto(server.url + path)
    page.locator("#key-dialog[open]").wait_for()
    page.fill("#key-input", server.keys["dispatcher"])
    page.click("#key-form button[type=submit]")
    page.locator("body[data-ready]").wait_for(state="attached")
    map_stands_still(page)
    return page


def map_stands_still(page: Page) -> None:
    """Wait until the map has ended its last pan or zoom (``#map`` without ``data-moving``):
    a click on a marker while the map still moves lands where the marker was."""
    page.locator("#map:not([data-moving])").wait_for(state="attached")
