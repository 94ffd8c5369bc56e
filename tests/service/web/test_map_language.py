"""The map's page in the request's language (issue 18): its texts translated on the
server, ``<html lang>`` set, and the catalogue its JavaScript reads in a JSON data block."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import BytesIO
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.plans.store import PlanStore
from service.web import PAGE
from service.web.page import MARKER, extract_page, script_messages

if TYPE_CHECKING:
    from service.config import Settings
    from service.plans.networks import AreaNetworks

DATA_BLOCK = re.compile(
    r'<script type="application/json" id="eyes-messages">(.*?)</script>', re.DOTALL
)


def _messages(page: str) -> dict[str, str]:
    found = DATA_BLOCK.search(page)
    assert found is not None
    assert "<" not in found.group(1)  # nothing in it can end the element early
    catalogue: dict[str, str] = json.loads(found.group(1))
    return catalogue


def test_a_danish_browser_gets_the_page_in_danish(client: TestClient) -> None:
    """``Accept-Language: da-DK``: ``lang="da"``, the page's headings, buttons, labels and
    key dialog in Danish, none of their English left, and the Danish words of the script;
    the answer says it depends on the header."""
    page = client.get("/map", headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert page.headers["content-language"] == "da"
    assert "Accept-Language" in page.headers["vary"]
    text = page.text
    assert '<html lang="da">' in text
    for danish in (
        "<title>Protective Eyes · kort</title>",
        '<h2 id="staff-heading">Medarbejdere</h2>',
        '<h2 id="left-out-heading">Udeladt</h2>',
        '<h2 id="downloads-heading">Filer</h2>',
        '<p id="status" class="status" role="status">Henter…</p>',
        'aria-label="Plan der vises"',
        'title="Skift API-nøglen"',
        ">Planlæg denne plan igen</button>",
        "<h2>API-nøgle</h2>",
    ):
        assert danish in text
    for english in ("Re-plan this plan", ">Staff<", ">Files<", "Loading…", "Plan to show"):
        assert english not in text
    assert "{{" not in text
    messages = _messages(text)
    assert messages["Police alert: {area}"] == "Politialarm: {area}"
    assert messages["hotspot (size and colour: weight)"] == "hotspot (størrelse og farve: vægt)"
    assert "hotspot" not in messages  # the same in Danish: t() keeps the English
    assert set(messages) <= script_messages()


def test_an_english_browser_gets_the_page_in_english(client: TestClient) -> None:
    """``Accept-Language: en``: the page as written, and no catalogue for the script."""
    page = client.get("/map/abc123", headers={"Accept-Language": "en-GB"})
    assert page.headers["content-language"] == "en"
    assert '<html lang="en">' in page.text
    assert ">Re-plan this plan</button>" in page.text
    assert '<h2 id="staff-heading">Staff</h2>' in page.text
    assert "Medarbejdere" not in page.text
    assert _messages(page.text) == {}


def test_without_a_language_the_page_speaks_the_deployments(
    settings: Settings, networks: AreaNetworks
) -> None:
    """No ``Accept-Language`` (or none of ours): ``EYES_LANGUAGE`` decides."""
    settings = settings.model_copy(update={"language": "da"})
    app = create_app(settings, networks=networks, store=PlanStore.from_url(settings.database_url))
    with TestClient(app) as client:
        for headers in ({}, {"Accept-Language": "fr"}):
            page = client.get("/map", headers=headers)
            assert '<html lang="da">' in page.text
            assert "Planlæg ud fra filer" in page.text


class _Texts(HTMLParser):
    """The texts a person reads in a template: text and the attributes said or shown."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "code"}:
            self.skip += 1
        self.texts += [v for k, v in attrs if k in {"aria-label", "title", "placeholder"} and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "code"}:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.texts.append(data)


def test_every_text_of_the_page_is_marked_for_translation() -> None:
    """Each text of ``index.html`` a person reads is a ``{{t:...}}`` (names aside)."""
    parser = _Texts()
    parser.feed(PAGE.read_text(encoding="utf-8"))
    unmarked = {" ".join(MARKER.sub("", text).split()) for text in parser.texts} - {""}
    assert unmarked <= {"Protective Eyes", "GPX", "CSV", "."}, unmarked


@pytest.mark.parametrize(
    ("template", "found"),
    [
        (
            b"<p>{{t:One}}</p>\n<b title='{{t:Two}}'>{{t:Three}}",
            [(1, "One"), (2, "Two"), (2, "Three")],
        ),
        (b"\n<p>{{t:Spread\n    over lines}}</p>", [(2, "Spread over lines")]),
        (b"<p>{{TILE_URL}} {{t:}}</p>", []),
    ],
)
def test_the_page_extractor_finds_each_marked_text(
    template: bytes, found: list[tuple[int, str]]
) -> None:
    options: dict[str, Any] = {}
    extracted = list(extract_page(BytesIO(template), {"t": None}, [], options))
    assert [(line, message) for line, _f, message, _c in extracted] == found
    assert all(funcname == "t" for _l, funcname, _m, _c in extracted)
