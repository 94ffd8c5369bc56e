"""Every sentence part of a hotspot's ``why``, in one place, marked for translation.

The texts are English gettext messages (``N_`` marks them for the service's catalogues);
``text`` translates one through the translator the application installs with
`translate_with` (the service installs its gettext catalogues, Danish or English by the
request) and fills in its ``{placeholders}``. Without one, English. Nothing else in
``forecast/`` builds words a user reads (error messages for programmers are not in here).
"""

from __future__ import annotations

import gettext
from typing import Protocol


def N_(message: str, /) -> str:
    """``message`` unchanged: marks it for extraction into the gettext catalogues."""
    return message


def Nn_(singular: str, plural: str, /) -> tuple[str, str]:
    """The singular and plural unchanged: marks them for extraction as one message."""
    return singular, plural


ENGLISH: dict[str, str] = {
    "lead.recent": N_(
        "{recent_burglaries} within {radius} in the last 8 weeks, {last_week} in the last "
        "7 days; {long_term} within {radius} in {weeks} weeks"
    ),
    "lead.long_term": N_(
        "long-term pattern: {long_term_burglaries} within {radius} in {weeks} weeks; "
        "{recent} in the last 8 weeks, {last_week} in the last 7 days"
    ),
    "note.few_recent": N_(
        "; few recent records ({area_recent} in the whole area in 8 weeks), so the "
        "forecast follows the long-term pattern"
    ),
    "note.defaults": N_("; default model parameters (too few records to fit them)"),
    "note.mostly_pooled": N_(
        "; model parameters mostly pooled from other areas (only {scored_burglaries} "
        "here to fit them on)"
    ),
}
"""The texts (English gettext messages) by key."""
BURGLARIES = Nn_("{n} burglary", "{n} burglaries")
"""The count with its noun, singular and plural."""


class Translator(Protocol):
    """What `translate_with` takes: gettext's two calls (``gettext.GNUTranslations``,
    Babel's ``Translations``, or one that follows the language of the moment)."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


_translator: Translator = gettext.NullTranslations()


def translate_with(translator: Translator) -> None:
    """Translate every text from now on with ``translator``."""
    global _translator
    _translator = translator


def text(key: str, /, **values: object) -> str:
    """The text ``key`` translated, with ``values`` filled in.

    Raises
    ------
    KeyError
        If the key is unknown.
    """
    return _translator.gettext(ENGLISH[key]).format(**values)


def burglaries(n: int) -> str:
    """The count with its noun: "1 burglary", "n burglaries"."""
    return _translator.ngettext(*BURGLARIES, n).format(n=n)
