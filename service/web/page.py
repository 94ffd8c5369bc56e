"""A page in a language (the map's ``index.html``, the phone's ``phone.html``): its texts
and the catalogue its JavaScript reads.

A page writes each text a person reads as ``{{t:English text}}``; `render`
replaces it with the (html-escaped) translation and fills ``{{LANG}}`` and
``{{MESSAGES}}``, the JSON catalogue the page's ``t()`` (``static/js/i18n.js``) looks its
messages up in: the translated messages of the page's JavaScript only, read once per
process. `extract_page` finds the page's texts for ``make messages`` (``babel.cfg``).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from ..i18n import translations
from . import PAGE, STATIC_DIR

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping
    from pathlib import Path
    from typing import IO

    from ..i18n import Language

MARKER = re.compile(r"\{\{t:([^{}]+)\}\}")
"""A text of the page to translate: ``{{t:Plan to show}}`` (no braces inside: the page's
texts have no placeholders)."""
JS_KEYWORDS = {"t": None}
"""How the page's JavaScript marks its messages: ``t("English text", {values})``."""
MAP_SCRIPTS = ("js/*.js",)
"""The map's JavaScript (under ``static/``)."""
PHONE_SCRIPTS = ("js/phone/*.js", "js/i18n.js", "js/format.js", "js/moves.js")
"""The phone page's JavaScript: its own and the map's modules it imports."""


def _message(marked: str) -> str:
    """The message of a marker: its text with each run of white space one space (a marker
    may span lines)."""
    return " ".join(marked.split())


def extract_page(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for ``index.html`` (``babel.cfg``): each ``{{t:...}}``."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    for found in MARKER.finditer(text):
        yield text.count("\n", 0, found.start()) + 1, "t", _message(found.group(1)), []


@cache
def script_messages(scripts: tuple[str, ...] = MAP_SCRIPTS) -> frozenset[str]:
    """The messages a page's JavaScript (files matching ``scripts``) marks with ``t()``."""
    from babel.messages.extract import extract_from_file

    return frozenset(
        message
        for path in sorted({p for pattern in scripts for p in STATIC_DIR.glob(pattern)})
        for _line, message, _comments, _context in extract_from_file(
            "javascript", str(path), keywords=JS_KEYWORDS
        )
        if isinstance(message, str)
    )


@cache
def script_catalogue(language: Language, scripts: tuple[str, ...] = MAP_SCRIPTS) -> str:
    """The page's JavaScript messages that read differently in ``language``, as JSON safe
    inside a ``<script type="application/json">`` element (no ``<`` at all)."""
    catalogue = translations(language)
    texts = {m: catalogue.gettext(m) for m in sorted(script_messages(scripts))}
    found = {m: text for m, text in texts.items() if text != m}
    return json.dumps(found, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


@cache
def render(language: Language, page: Path = PAGE, scripts: tuple[str, ...] = MAP_SCRIPTS) -> str:
    """The template ``page`` in ``language`` with the catalogue of its JavaScript
    (``scripts``); its other ``{{...}}`` are left to fill in."""
    catalogue = translations(language)

    def translated(found: re.Match[str]) -> str:
        return html.escape(catalogue.gettext(_message(found.group(1))), quote=True)

    return (
        MARKER.sub(translated, page.read_text(encoding="utf-8"))
        .replace("{{LANG}}", language)
        .replace("{{MESSAGES}}", script_catalogue(language, scripts))
    )
