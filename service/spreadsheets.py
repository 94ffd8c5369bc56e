"""What Danish spreadsheets write, read as the rest of the service reads it: shared by the
plan CSV import (``service.plans.imports``) and the burglary records import
(``service.incidents.importing``); web-free.

- Text: UTF-8 with or without a byte-order mark; else Windows-1252, as older Excel saves
  "CSV (semikolonsepareret)", read with a warning (`decode_text`).
- Separators: comma, semicolon or tab, whichever the header line uses most
  (`delimiter_of`).
- Numbers: a decimal comma (``57,4711``) is a decimal point (`decimal_text`).
- Times and dates: ``17.00`` is ``17:00``; a date written day first (``07-12-2026``,
  ``7/12/2026``, ``7.12.2026``) is ``2026-12-07``, alone or before a time
  (`iso_moment_text`). ISO text passes unchanged.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from .i18n import _

_CLOCK: Final = re.compile(r"^(\d{1,2})[.:](\d{2})(?:[.:](\d{2}))?$")
_DAY_FIRST: Final = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DECIMAL_COMMA: Final = re.compile(r"^[+-]?\d+,\d+$")


def decode_text(data: bytes, *, name: str) -> tuple[str, str | None]:
    """
    The text of a file's bytes, and a warning when it was not UTF-8.

    Parameters
    ----------
    data
        The file's bytes.
    name
        What the file is called in the warning (``"shifts CSV"``, a path).

    Returns
    -------
    text, warning
        UTF-8 (a byte-order mark dropped) with no warning; otherwise the bytes read as
        Windows-1252 with a warning saying so, in the language of the moment.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    # Windows-1252 leaves five bytes undefined; Latin-1 reads those as control characters.
    text = data.decode("cp1252", errors="replace").replace("\ufffd", "")
    warning = _(
        "{name} is not UTF-8: read as Windows-1252 (older Excel); save it as "
        "'CSV UTF-8' to be sure of æ, ø and å",
        name=name,
    )
    return text, warning


def delimiter_of(header: str) -> str:
    """The separator a header line uses most: comma, semicolon or tab."""
    return max((",", ";", "\t"), key=header.count)


def decimal_text(raw: str) -> str:
    """``"57,4711"`` -> ``"57.4711"``; anything else unchanged."""
    text = raw.strip()
    return text.replace(",", ".") if _DECIMAL_COMMA.match(text) else raw


def _clock(text: str) -> str | None:
    found = _CLOCK.match(text)
    if found is None:
        return None
    # Out of range ("25.00") still becomes a clock time, for the reader to name as one.
    hours, minutes, seconds = found.groups()
    return f"{int(hours):02d}:{minutes}" + (f":{seconds}" if seconds else "")


def _day(text: str) -> str | None:
    found = _DAY_FIRST.match(text)
    if found is None:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:  # no such day (31-02-2026): left as written, for the reader to name as written
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def clock_text(raw: str) -> str:
    """``"17.00"`` -> ``"17:00"``; anything else unchanged."""
    return _clock(raw.strip()) or raw


def iso_moment_text(raw: str) -> str:
    """
    A time, date or date and time as Danish files write them, as ISO 8601 text.

    ``"17.00"`` -> ``"17:00"``; ``"07-12-2026"``, ``"7/12/2026"`` -> ``"2026-12-07"``;
    ``"7/12/2026 17.00"`` -> ``"2026-12-07T17:00"``. Dates are read day first, as in
    Denmark. Anything else (ISO text included) is returned unchanged, for the reader
    behind to accept or explain.
    """
    text = raw.strip()
    clock = _clock(text)
    if clock is not None:
        return clock
    day = _day(text)
    if day is not None:
        return day
    date_part, _sep, time_part = text.partition(" ")
    day = _day(date_part)
    clock = _clock(time_part.strip())
    if day is not None and clock is not None:
        return f"{day}T{clock}"
    return raw
