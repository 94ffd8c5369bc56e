"""The eyes' own page (issue 17) in headless Chromium, phone-sized, in Danish, with the
position emulated: a staff member walks to a stop and checks in, goes offline, checks in at
the next stop and sends a tip, comes back online, and the server holds each exactly once
with the time it happened; the dispatcher's map then shows the progress and the tip.

The server plans the sample evening for *today* with guard-1 on shift from 00:00 to 23:59
(no latest end), so that its link lives now and the phone's own times are accepted (not in
the future of the server's clock, not before the link's evening)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from service.timeutil import LOCAL_TZ

from .conftest import ARTIFACTS, ROOT, _sample_request, open_map, serve, watch

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, Page

    from .conftest import LiveServer, Watched

pytestmark = pytest.mark.browser

STAFF = "guard-1"
PHONE = {"width": 360, "height": 740}
AT_THE_STOP = re.compile(r"^0 m")
"""The next-stop card's distance once the phone stands at the stop ("0 m væk")."""


def _all_day_request() -> dict[str, Any]:
    data = _sample_request()
    data["date"] = datetime.now(LOCAL_TZ).date().isoformat()
    data["latest_end"] = None
    for shift in data["shifts"]:
        if shift["id"] == STAFF:
            shift["start_time"], shift["end_time"] = "00:00", "23:59"
    return data


@pytest.fixture(scope="module")
def evening(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("phone"), _all_day_request()) as server:
        yield server


def _link(server: LiveServer) -> str:
    answer = httpx.post(
        f"{server.url}/v1/plans/{server.plan['id']}/staff/{STAFF}/link",
        headers={"X-API-Key": server.keys["dispatcher"]},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def _phone(browser: Browser, server: LiveServer, at: dict[str, float]) -> Watched:
    return watch(
        browser,
        server,
        viewport=PHONE,
        locale="da-DK",
        geolocation={"latitude": at["lat"], "longitude": at["lon"]},
        permissions=["geolocation"],
        has_touch=True,
        is_mobile=True,
    )


def _move(context: BrowserContext, stop: dict[str, Any]) -> None:
    context.set_geolocation({"latitude": stop["lat"], "longitude": stop["lon"], "accuracy": 8})


def _state(page: Page, stop_id: str) -> str | None:
    return page.get_attribute(f'#stop-list li[data-stop-id="{stop_id}"]', "data-state")


def _wait_state(page: Page, stop_id: str, state: str) -> None:
    page.locator(f'#stop-list li[data-stop-id="{stop_id}"][data-state="{state}"]').wait_for()


def _field(server: LiveServer, token: str) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/v1/field/{token}", timeout=30)
    answer.raise_for_status()
    view: dict[str, Any] = answer.json()
    return view


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_phone_checks_in_offline_and_online_and_the_server_holds_each_once(
    browser: Browser, evening: LiveServer
) -> None:
    token = _link(evening)
    view = _field(evening, token)
    first, second = view["stops"][0], view["stops"][1]
    phone = _phone(browser, evening, view["stops"][0] | {"lat": first["lat"] + 0.01})
    page, context = phone.page, phone.page.context
    page.goto(f"{evening.url}/s/{token}")
    page.locator("body[data-ready]").wait_for(state="attached")
    assert page.get_attribute("html", "lang") == "da"
    assert page.inner_text("#next-heading") == "Næste stop"
    assert page.inner_text("#next-checkin") == "Tjek ind"
    assert page.get_attribute("#next", "data-stop") == first["stop_id"]
    assert page.get_attribute("#next-maps", "href") == (
        f"geo:{first['lat']},{first['lon']}?q={first['lat']},{first['lon']}"
    )
    assert page.locator("#stop-list > li").count() == len(view["stops"])
    assert page.get_attribute("#map", "data-stops") == str(len(view["stops"]))
    assert page.locator("path.eyes-route").count() == 1
    assert "OpenStreetMap" in page.inner_text(".leaflet-control-attribution")
    assert not page.is_hidden("#alerts")  # the police alert of the fixture, on shift now
    assert "Hold øje med en hvid varevogn." in page.inner_text("#alert-list")
    assert page.locator("path.eyes-alert").count() == 1
    assert page.evaluate("document.cookie") == ""
    # 1.1 km off: the card says how far; then the phone walks to the first stop.
    page.locator("#next-distance", has_text="km").wait_for()
    assert page.is_hidden("#position-button")  # the browser lets the page read it already
    _move(context, first)
    page.locator("#next-distance", has_text=AT_THE_STOP).wait_for()

    online_at = datetime.now(UTC)
    page.click("#next-checkin")
    _wait_state(page, first["stop_id"], "done")
    page.locator('body[data-outbox="0"]').wait_for(state="attached")
    assert page.get_attribute("#next", "data-stop") == second["stop_id"]
    shot = phone.screenshot("phone.png")
    page.screenshot(path=str(ARTIFACTS / "phone-full.png"), full_page=True)
    if os.environ.get("EYES_UPDATE_DOCS"):
        shutil.copy(shot, ROOT / "docs" / "phone.png")

    # Offline: a check-in at the second stop and a tip wait on the phone.
    context.set_offline(True)
    page.locator("#network:not([hidden])").wait_for()
    offline_from = datetime.now(UTC)
    _move(context, second)
    page.locator("#next-distance", has_text=AT_THE_STOP).wait_for()
    page.locator(f'#stop-list li[data-stop-id="{second["stop_id"]}"] button').click()
    _wait_state(page, second["stop_id"], "waiting")
    page.click("text=Gadelys ude")
    page.fill("#tip-form textarea", "Lygten ved skolen er slukket.")
    page.click("text=Til politiet")
    page.click("#tip-form button[type=submit]")
    page.locator('body[data-outbox="2"]').wait_for(state="attached")
    assert "Offline: gemt" in page.inner_text("#outbox")
    assert "Offline: gemt" in page.inner_text("#tip-message")
    offline_until = datetime.now(UTC)
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('eyes.outbox.{token}'))")
    assert [item["kind"] for item in queued] == ["checkins", "tips"]
    page.wait_for_timeout(1500)  # back online well after they happened

    context.set_offline(False)
    back_at = datetime.now(UTC)
    page.locator('body[data-outbox="0"]').wait_for(state="attached")
    _wait_state(page, second["stop_id"], "done")
    assert page.is_hidden("#outbox")
    assert page.inner_text("#outbox-problems") == ""

    field = evening.app.state.field_store
    lineage = evening.app.state.plan_store.lineage_of(evening.plan["id"])
    checkins = field.checkins(lineage, STAFF)
    assert [c.stop_id for c in checkins] == [first["stop_id"], second["stop_id"]]
    assert len({c.client_id for c in checkins}) == 2
    assert online_at <= _aware(checkins[0].at) <= offline_from
    assert offline_from <= _aware(checkins[1].at) <= offline_until < back_at
    assert checkins[1].lat == pytest.approx(second["lat"], abs=1e-6)
    tips = field.tips(area=evening.plan["area"])
    assert len(tips) == 1
    tip = tips[0]
    assert (tip.category, tip.text, tip.for_police) == (
        "street_light",
        "Lygten ved skolen er slukket.",
        True,
    )
    assert offline_from <= _aware(tip.at) <= offline_until
    assert tip.lat == pytest.approx(second["lat"], abs=1e-6)
    assert queued[1]["body"]["id"] == tip.client_id

    # Sent again (a phone that did not hear the answer): still one of each.
    for item in queued:
        again = httpx.post(f"{evening.url}/v1/field/{token}/{item['kind']}", json=item["body"])
        assert again.status_code == 200, again.text
    assert len(field.checkins(lineage, STAFF)) == 2
    assert len(field.tips(area=evening.plan["area"])) == 1
    assert _field(evening, token)["checked_in"] == 2
    context.close()
    assert phone.external == []
    assert phone.errors == []

    # The dispatcher's map: guard-1's stops done, a last position and the tip.
    desk = watch(browser, evening, viewport={"width": 1280, "height": 800})
    try:
        page = open_map(desk, evening)
        progress = page.locator(f'.staff-progress[data-staff="{STAFF}"]')
        # Two stops checked in, two done: each visit of a hotspot visited twice counts.
        done = len({first["stop_id"], second["stop_id"]})
        page.locator(f'.staff-progress[data-staff="{STAFF}"][data-done="{done}"]').wait_for(
            state="attached"
        )
        planned = len(view["stops"])
        assert progress.inner_text().startswith(f"{done}/{planned} done")
        page.locator("#map[data-positions='1']").wait_for(state="attached")
        page.locator("#map[data-tips='1']").wait_for(state="attached")
        assert page.locator(".eyes-tip").count() == 1
        page.locator(".eyes-tip").click()
        assert "Street light out" in page.inner_text(".leaflet-popup-content")
        assert "Lygten ved skolen er slukket." in page.inner_text(".leaflet-popup-content")
        desk.screenshot("map-progress.png")
    finally:
        desk.page.context.close()
    assert desk.external == []
    assert desk.errors == []


def test_the_queue_survives_a_reload_and_a_refusal_is_said(
    browser: Browser, evening: LiveServer
) -> None:
    """A check-in made while the server cannot be reached is still there after a reload
    and is sent once it can; one the server refuses with a 4xx (here: an id not of the API's
    shape) is dropped, its reason shown on the page; a tip answered 429 waits for the next
    round without holding back the check-ins."""
    token = _link(evening)
    view = _field(evening, token)
    stop = next(s for s in view["stops"] if not s["done"])
    phone = _phone(browser, evening, stop)
    page = phone.page
    page.goto(f"{evening.url}/s/{token}")
    page.locator("body[data-ready]").wait_for(state="attached")
    page.route("**/checkins", lambda route: route.abort())
    page.locator(f'#stop-list li[data-stop-id="{stop["stop_id"]}"] button').click()
    _wait_state(page, stop["stop_id"], "waiting")
    page.reload()
    page.locator("body[data-ready]").wait_for(state="attached")
    _wait_state(page, stop["stop_id"], "waiting")
    assert page.get_attribute("body", "data-outbox") == "1"
    # A check-in the server will never take (its id is not of the API's shape).
    page.evaluate(
        f"""() => {{
        const key = 'eyes.outbox.{token}';
        const items = JSON.parse(localStorage.getItem(key));
        const body = {{id: 'bad id!', stop_id: 'x', at: new Date().toISOString()}};
        items.push({{kind: 'checkins', body}});
        localStorage.setItem(key, JSON.stringify(items));
        }}"""
    )
    # A tip while the server says too many (429): it waits, the check-ins do not.
    page.route("**/tips", lambda route: route.fulfill(status=429, json={"status": 429}))
    page.click("text=Andet")
    page.click("#tip-form button[type=submit]")
    page.locator('body[data-outbox="3"]').wait_for(state="attached")
    assert page.inner_text("#tip-message").startswith("Gemt: sendes")
    page.unroute("**/checkins")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator('body[data-outbox="1"]').wait_for(state="attached")
    _wait_state(page, stop["stop_id"], "done")
    assert "Et tjek ind blev afvist: id:" in page.inner_text("#outbox-problems")
    page.unroute("**/tips")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator('body[data-outbox="0"]').wait_for(state="attached")
    assert "Et tip blev afvist" not in page.inner_text("#outbox-problems")
    page.context.close()
    assert phone.errors == []


def test_automatic_check_in_only_with_consent(browser: Browser, evening: LiveServer) -> None:
    """Standing at the next stop checks in nothing until the person switches automatic
    check-in on; then a minute within 40 m checks in by itself (the page's clock is run
    ahead), and the consent is remembered on the phone."""
    token = _link(evening)
    view = _field(evening, token)
    stop = next(s for s in view["stops"] if not s["done"])
    phone = _phone(browser, evening, stop)
    page = phone.page
    page.clock.install()
    page.goto(f"{evening.url}/s/{token}")
    page.locator("body[data-ready]").wait_for(state="attached")
    page.locator("#next-distance", has_text=AT_THE_STOP).wait_for()
    page.clock.run_for(70_000)
    assert _state(page, stop["stop_id"]) == "next"
    page.check("#auto-consent")
    assert page.evaluate("localStorage.getItem('eyes.autoCheckin')") == "yes"
    page.clock.run_for(30_000)
    assert _state(page, stop["stop_id"]) == "next"  # not yet a minute
    page.clock.run_for(40_000)
    _wait_state(page, stop["stop_id"], "done")
    assert "automatisk" in page.inner_text("#auto-status")
    lineage = evening.app.state.plan_store.lineage_of(evening.plan["id"])
    stored = evening.app.state.field_store.checkins(lineage, STAFF)
    assert [c.stop_id for c in stored].count(stop["stop_id"]) == 1
    page.reload()
    page.locator("body[data-ready]").wait_for(state="attached")
    assert page.is_checked("#auto-consent")
    page.context.close()
    assert phone.errors == []


def test_a_bad_link_is_a_small_page(browser: Browser, evening: LiveServer) -> None:
    phone = _phone(browser, evening, {"lat": 57.47, "lon": 10.2})
    try:
        answer = phone.page.goto(f"{evening.url}/s/{'A' * 32}")
        assert answer is not None
        assert answer.status == 404
        assert phone.page.locator("h1").count() == 1
    finally:
        phone.page.context.close()
