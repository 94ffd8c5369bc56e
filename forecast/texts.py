"""Every English sentence part of a hotspot's ``why``, in one place, for translation.

A translation supplies the same keys with the same ``{placeholders}``; ``text`` fills
them in. Nothing else in ``forecast/`` builds words a user reads (error messages for
programmers are not in here).
"""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    "burglaries.one": "1 burglary",
    "burglaries.many": "{n} burglaries",
    "lead.recent": (
        "{recent_burglaries} within {radius} in the last 8 weeks, {last_week} in the last "
        "7 days; {long_term} within {radius} in {weeks} weeks"
    ),
    "lead.long_term": (
        "long-term pattern: {long_term_burglaries} within {radius} in {weeks} weeks; "
        "{recent} in the last 8 weeks, {last_week} in the last 7 days"
    ),
    "note.few_recent": (
        "; few recent records ({area_recent} in the whole area in 8 weeks), so the "
        "forecast follows the long-term pattern"
    ),
    "note.defaults": "; default model parameters (too few records to fit them)",
    "note.mostly_pooled": (
        "; model parameters mostly pooled from other areas (only {scored_burglaries} "
        "here to fit them on)"
    ),
}
"""The English texts by key."""

LANGUAGES: dict[str, dict[str, str]] = {"en": ENGLISH}
"""Texts by language code; a translation is added here with every key of ``ENGLISH``."""


def text(key: str, /, language: str = "en", **values: object) -> str:
    """The text ``key`` in ``language`` with ``values`` filled in.

    Parameters
    ----------
    key
        A key of ``ENGLISH``.
    language
        A key of ``LANGUAGES``.
    **values
        The placeholders' values.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        If the language or the key is unknown.
    """
    return LANGUAGES[language][key].format(**values)


def burglaries(n: int, language: str = "en") -> str:
    """The count with its noun: "1 burglary", "n burglaries"."""
    return text("burglaries.one" if n == 1 else "burglaries.many", language, n=n)
