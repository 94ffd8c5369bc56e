"""Every message a person reads exists in Danish and English (issue 18).

The messages are extracted from the code as ``make messages`` does (``babel.cfg``), so a
message added without running it, or left untranslated, fails here.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service.i18n import LANGUAGES, LOCALE_DIR, N_, _, negotiate, ngettext, use_language

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

ROOT = Path(__file__).resolve().parents[2]


@cache
def source_ids() -> frozenset[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "Nn_": (1, 2), "t": None}
    found = set()
    for directory in ("service", "forecast"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT,
            [(p, m) for p, m in method_map if p.startswith(directory)],
            options_map,
            keywords=keywords,
        ):
            found.add(message if isinstance(message, str) else message[0])
    return frozenset(found)


@cache
def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def entries(language: str) -> dict[str, Message]:
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogue(language) if m.id}


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_the_code_has_messages_to_translate() -> None:
    assert "Invalid request" in source_ids()
    assert len(source_ids()) > 10


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_is_in_each_catalogue(language: str) -> None:
    missing = sorted(source_ids() - entries(language).keys())
    assert not missing, f"run `make messages`; not in the {language} catalogue: {missing}"
    stale = sorted(entries(language).keys() - source_ids())
    assert not stale, f"run `make messages`; no longer in the code: {stale}"


def test_every_message_has_its_danish_text_with_the_same_placeholders() -> None:
    for msgid, message in entries("da").items():
        texts = [
            str(t)
            for t in (message.string if isinstance(message.string, tuple) else (message.string,))
        ]
        assert all(texts), f"no Danish text for {msgid!r}"
        assert "fuzzy" not in message.flags, f"Danish text of {msgid!r} is marked fuzzy"
        ids = [str(i) for i in (message.id if isinstance(message.id, tuple) else (message.id,))]
        wanted = set().union(*(fields(i) for i in ids))
        for text in texts:
            assert fields(text) <= wanted | {"n"}, (msgid, text)
            assert fields(text) >= wanted - {"n"}, (msgid, text)


def test_a_message_reads_in_the_language_of_the_moment() -> None:
    with use_language("da"):
        assert _(N_("Invalid request")) == "Ugyldig forespørgsel"
    with use_language("en"):
        assert _(N_("Invalid request")) == "Invalid request"


def test_an_unknown_message_reads_as_written() -> None:
    with use_language("da"):
        assert _("not in any catalogue {x}", x=1) == "not in any catalogue 1"
        assert ngettext("{n} stop", "{n} stops", 2) == "2 stops"


@pytest.mark.parametrize(
    ("header", "spoken"),
    [
        ("da-DK,da;q=0.9,en;q=0.8", "da"),
        ("nb, en;q=0.5", "en"),
        ("en;q=0, da;q=0.1", "da"),
        ("EN-gb", "en"),
        ("*", None),
        ("fr", None),
        ("", None),
        (None, None),
        ("da;q=x,,;", None),
        ("da;q=x, en", "en"),
        ("ø;;q", None),
    ],
)
def test_accept_language_picks_ours_or_none(header: str | None, spoken: str | None) -> None:
    assert negotiate(header) == spoken
