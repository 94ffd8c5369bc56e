"""Danish and English for everything a person reads, from gettext catalogues (Babel).

Messages are written in English in the code and marked for extraction::

    from service.i18n import _

    raise RequestError([FieldProblem("date", _("not a date: expected {example}", example=ex))])

``_`` translates into the language of the moment and fills ``{placeholders}`` in with
``str.format`` (so a marked message with values writes a literal brace as ``{{``); ``N_``
only marks a constant to be translated where it is shown (``_(OUTCOMES[k].title)``).

The language of the moment is the request's (``Accept-Language``, set by the API for the
request's context), a job's (the language of the request that queued it) or the
deployment's default, ``EYES_LANGUAGE`` (the app's own settings in the API). The
catalogues are ``service/locale/<lang>/LC_MESSAGES/messages.po``, read and compiled in
memory on first use (no build step, no binary files in the repository); ``make messages``
extracts new messages into them and ``tests/service/test_messages.py`` checks that every
message has both languages.
"""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, get_args

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date

    from babel.support import Translations

Language = Literal["da", "en"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
"""Every language a person can read the product in; English is the language of the code."""
SOURCE_LANGUAGE: Final[Language] = "en"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
DOMAIN: Final = "messages"

_current: ContextVar[Language | None] = ContextVar("eyes_language", default=None)


@cache
def translations(language: Language) -> Translations:
    """The compiled catalogue of ``language`` (read once per process; Babel is imported
    here, so marking a message costs an importer nothing)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def language() -> Language:
    """The language of the moment: the request's or job's, else the deployment's default
    (``EYES_LANGUAGE``)."""
    return _current.get() or deployment_language()


def deployment_language() -> Language:
    """The deployment's language, ``EYES_LANGUAGE``: everything said outside a request
    (read from the environment alone when the settings cannot load: their errors are said
    in it too)."""
    from .config import get_settings

    try:
        return get_settings().language
    except ValueError:  # pydantic's ValidationError: some other setting is wrong
        asked = os.environ.get("EYES_LANGUAGE", "").strip().lower()
        return next((ours for ours in LANGUAGES if ours == asked), "da")


def staff_language() -> Language:
    """What the staff read in their SMS, whoever sent it: the deployment's language."""
    return deployment_language()


@contextlib.contextmanager
def use_language(code: Language | None) -> Iterator[Language]:
    """Speak ``code`` inside the block (``None``: the default), in this context only."""
    token = _current.set(code)
    try:
        yield language()
    finally:
        _current.reset(token)


def _(message: str, /, **values: object) -> str:
    """``message`` in the language of the moment, ``values`` filled in."""
    text = translations(language()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The singular or plural of a message by ``n`` (also a placeholder), translated."""
    text = translations(language()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def format_day(day: date, pattern: str = "EEE dd MMM y") -> str:
    """A day written in the language of the moment (a CLDR pattern, through Babel):
    "Mon 24 Nov 2026", "man. 24 nov. 2026"."""
    from babel.dates import format_date

    return format_date(day, pattern, locale=language())


def N_(message: str, /) -> str:
    """``message`` unchanged: marks a constant for extraction; ``_`` translates it where
    it is shown."""
    return message


def negotiate(accept_language: str | None) -> Language | None:
    """The language of ours an ``Accept-Language`` header prefers most, or ``None``.

    ``"da-DK,da;q=0.9,en;q=0.8"`` -> ``"da"``; ``"nb, en;q=0.5"`` -> ``"en"``; ``"*"``,
    ``"fr"``, empty or unreadable headers -> ``None`` (the default applies).
    """
    if not accept_language:
        return None
    from babel import Locale, UnknownLocaleError

    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    preferred = [tag for _q, _p, tag in sorted(ranked)]
    try:
        found = Locale.negotiate(preferred, list(LANGUAGES), sep="-")
    except (UnknownLocaleError, ValueError):
        return None
    if found is None:
        return None
    return next((ours for ours in LANGUAGES if ours == found.language), None)


class InTheLanguageOfTheMoment:
    """gettext's two calls in the language of the moment (for libraries that take a
    translator, e.g. ``forecast.texts.translate_with``)."""

    def gettext(self, message: str, /) -> str:
        return translations(language()).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return translations(language()).ngettext(singular, plural, n)
