"""The map in the browser's language (issue 18): a Danish browser reads the page, its
legend, layers, panel, popups and planning messages in Danish; an English one in English."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from .conftest import map_stands_still, watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from .conftest import LiveServer, Watched

pytestmark = pytest.mark.browser

# Labels of the page and its JavaScript, and what they must not read like in the other
# language (checked as whole words, case-sensitive, in the visible text).
ENGLISH = [
    "Staff",
    "Files",
    "Plan from files",
    "Re-plan this plan",
    "Shifts CSV",
    "Visits CSV",
    "Area",
    "Date",
    "Time limit",
    "Seed",
    "Calendar",
    "Weight covered",
    "visits kept",
    "stops",
    "weight",
    "hotspot stop",
    "client visit",
    "police alert",
    "left out",
    "Loading",
    "made",
]
DANISH = ["Medarbejdere", "Filer", "Planlæg", "Vagter", "Kalender", "Vægt", "vægt", "politialarm"]


def _leftovers(text: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


def _open(browser: Browser, server: LiveServer, locale: str) -> tuple[Watched, Page]:
    """The map in a browser speaking ``locale``, the key dialog checked and answered."""
    watched = watch(browser, server, viewport={"width": 1280, "height": 800}, locale=locale)
    page = watched.page
    page.goto(server.url + f"/map/{server.plan['id']}")
    page.locator("#key-dialog[open]").wait_for()
    return watched, page


def _give_key(page: Page, server: LiveServer) -> None:
    page.fill("#key-input", server.keys["dispatcher"])
    page.click("#key-form button[type=submit]")
    page.locator("body[data-ready]").wait_for(state="attached")
    map_stands_still(page)


def _close(watched: Watched) -> None:
    watched.page.context.close()
    assert watched.external == []
    assert watched.errors == []


def test_a_danish_browser_reads_the_map_in_danish(
    browser: Browser, live_server: LiveServer
) -> None:
    """``locale="da-DK"`` (Accept-Language: da-DK): the page's headings, buttons, labels and
    key dialog, the legend and layer names drawn by the script, the plan's summary and
    staff, a stop's popup and a planning message read Danish, with no English label left."""
    watched, page = _open(browser, live_server, "da-DK")
    try:
        assert page.get_attribute("html", "lang") == "da"
        assert page.title() == "Protective Eyes · kort"
        assert page.inner_text("#key-dialog h2") == "API-nøgle"
        assert "Indsæt din nøgle" in page.inner_text("#key-dialog")
        assert page.get_attribute("#key-input", "aria-label") == "API-nøgle"
        _give_key(page, live_server)
        assert page.inner_text("#staff-heading") == "Medarbejdere"
        assert page.inner_text("#downloads-heading") == "Filer"
        assert page.inner_text("#plan-button") == "Planlæg ud fra filer"
        assert page.inner_text("#replan-button") == "Planlæg denne plan igen"
        assert page.get_attribute("#plan-select", "aria-label") == "Plan der vises"
        assert page.get_attribute("#key-button", "title") == "Skift API-nøglen"
        assert page.get_attribute("#map", "aria-label") == "Kort over ruter og hotspots"
        legend = page.inner_text(".legend")
        assert "borgerbesøg (bevaret), nummereret" in legend
        assert "politialarm" in legend
        assert "start / slut" in legend
        layers = page.text_content(".leaflet-control-layers-list") or ""
        assert "Gader" in layers
        assert "Politialarmer" in layers
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Zoom ind"
        assert page.get_attribute(".leaflet-control-layers-toggle", "title") == "Lag"
        assert page.inner_text(".plan-totals").startswith("Vægt dækket ")
        assert " besøg bevaret · " in page.inner_text(".plan-totals")
        assert re.search(r"\d+ stop · .* · vægt ", page.inner_text(".staff-totals >> nth=0"))
        assert page.inner_text(".staff .link >> nth=0") == "Kalender (.ics)"
        assert re.match(r"Plan \w+ · lavet ", page.inner_text("#status"))
        assert "medarb." in page.inner_text("#plan-select")
        visible = page.inner_text("body")
        assert _leftovers(visible, ENGLISH) == []

        route = max(live_server.plan["routes"], key=lambda r: len(r["stops"]))
        page.click(f".staff-button[data-staff='{route['staff_id']}']")
        map_stands_still(page)  # the map zooms to the route
        page.locator(f".eyes-stop[data-staff='{route['staff_id']}']").first.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        for label in ("Medarbejder", "Ankomst", "Afgang", "På stedet"):
            assert label in text
        assert ("Hotspot: dækker vægt" in text) or ("Borgerbesøg: skal gennemføres" in text)
        close = page.get_attribute(".leaflet-popup-close-button", "aria-label")
        assert close == "Luk pop op-vinduet"

        page.click("#plan-button")  # no shifts file chosen
        page.locator("#plan-message", has_text="Ikke planlagt.").wait_for()
        assert page.locator("#plan-errors li").all_inner_texts() == ["Vælg en CSV-fil med vagter."]
    finally:
        _close(watched)


def test_an_english_browser_reads_the_map_in_english(
    browser: Browser, live_server: LiveServer
) -> None:
    """``locale="en-GB"``: the same page reads English, with no Danish word in it."""
    watched, page = _open(browser, live_server, "en-GB")
    try:
        assert page.get_attribute("html", "lang") == "en"
        assert page.inner_text("#key-dialog h2") == "API key"
        _give_key(page, live_server)
        assert page.inner_text("#staff-heading") == "Staff"
        assert page.inner_text("#replan-button") == "Re-plan this plan"
        assert "client visit (kept), numbered" in page.inner_text(".legend")
        assert page.inner_text(".plan-totals").startswith("Weight covered ")
        assert "Police alerts" in (page.text_content(".leaflet-control-layers-list") or "")
        assert _leftovers(page.inner_text("body"), DANISH) == []
    finally:
        _close(watched)
