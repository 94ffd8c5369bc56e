"""The eyes' own page ``/s/{token}`` (issue 17): served for a live link only, in the
phone's language, with a strict content policy and no cookie; a made-up, expired or
revoked link is a small page of its own (not JSON) that says nothing more."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.web import PHONE_PAGE, STATIC_DIR
from service.web.page import MARKER, PHONE_SCRIPTS, script_messages

from ..web.test_map_language import _Texts
from .conftest import EVENING, Evening

DATA_BLOCK = re.compile(r'<script type="application/json" id="eyes-messages">(.*?)</script>', re.S)
DANISH = {"Accept-Language": "da-DK,da;q=0.9"}


def _phone(evening: Evening) -> TestClient:
    return TestClient(evening.app, raise_server_exceptions=False)


def _assert_small_page(answer: Any, status: int) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in answer.headers
    assert "script" not in answer.text
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_live_link_opens_the_page_in_the_phones_language(evening: Evening) -> None:
    """Danish texts and the Danish catalogue of the page's script (its messages only),
    script from the server only, no cookie, the token never passed on as a referrer."""
    answer = _phone(evening).get(f"/s/{evening.tokens['guard-1']}", headers=DANISH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in answer.headers
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    text = answer.text
    assert '<html lang="da">' in text
    for danish in (
        "Næste stop",
        "Tjek ind",
        "Gadelys ude",
        "Åben dør eller vindue",
        "Til politiet",
    ):
        assert danish in text
    assert "{{" not in text
    found = DATA_BLOCK.search(text)
    assert found is not None
    catalogue = json.loads(found.group(1))
    assert catalogue["Offline: saved, sent when you are online again"].startswith("Offline: gemt")
    assert catalogue["Saved, not sent yet"] == "Gemt, ikke sendt endnu"
    assert "{done}/{planned} done" not in catalogue  # the map's, not the phone's
    assert set(catalogue) <= script_messages(PHONE_SCRIPTS)


def test_english_by_request(evening: Evening) -> None:
    answer = _phone(evening).get(
        f"/s/{evening.tokens['care-1']}", headers={"Accept-Language": "en"}
    )
    assert '<html lang="en">' in answer.text
    assert ">Check in</button>" in answer.text


def test_made_up_expired_and_revoked_links_get_a_small_page(
    evening: Evening, client: TestClient
) -> None:
    phone = _phone(evening)
    _assert_small_page(phone.get("/s/not-a-token"), 401)
    made_up = phone.get("/s/" + "A" * 32, headers=DANISH)
    _assert_small_page(made_up, 404)
    assert "Ukendt link" in made_up.text
    token = evening.tokens["guard-1"]
    evening.set_clock(EVENING + timedelta(days=1))
    _assert_small_page(phone.get(f"/s/{token}"), 410)
    evening.set_clock(EVENING)
    assert phone.get(f"/s/{token}").status_code == 200
    revoke = client.delete(f"/v1/plans/{evening.plan['id']}/staff/guard-1/link")
    assert revoke.status_code == 204
    gone = phone.get(f"/s/{token}", headers={"Accept-Language": "en"})
    _assert_small_page(gone, 410)
    assert "expired or was revoked" in gone.text
    assert token not in gone.text


def test_every_text_of_the_page_is_marked_for_translation() -> None:
    parser = _Texts()
    parser.feed(PHONE_PAGE.read_text(encoding="utf-8"))
    unmarked = {" ".join(MARKER.sub("", text).split()) for text in parser.texts} - {""}
    assert unmarked <= {"Protective Eyes"}, unmarked


def test_the_page_names_no_other_host() -> None:
    texts = [PHONE_PAGE.read_text()] + [p.read_text() for p in STATIC_DIR.glob("js/phone/*.js")]
    for text in texts:
        hosts = set(re.findall(r"https?://([^/\"'\s)]+)", text))
        assert hosts <= {"www.openstreetmap.org", "leafletjs.com"}, hosts


@pytest.mark.parametrize("script", sorted(p.name for p in STATIC_DIR.glob("js/phone/*.js")))
def test_the_page_script_stores_nothing_but_the_outbox_and_consent(script: str) -> None:
    """No cookie from the page's script; localStorage holds the queue and the consent."""
    text = (STATIC_DIR / "js" / "phone" / script).read_text()
    assert "document.cookie" not in text
    assert "sessionStorage" not in text
