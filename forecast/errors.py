"""Errors raised by the forecast package."""

from __future__ import annotations


class IncidentRowsError(ValueError):
    """Some rows of an incident table are bad, so none of the table was read.

    Parameters
    ----------
    problems
        One entry per bad cell, each naming its line and column, e.g.
        ``"line 7, column date: '2016-13-01' is not a date (YYYY-MM-DD)"``.
    """

    def __init__(self, problems: tuple[str, ...]) -> None:
        shown = "; ".join(problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        rows = "1 bad value" if len(problems) == 1 else f"{len(problems)} bad values"
        super().__init__(f"{rows}, nothing was read: {shown}{more}.")
        self.problems = problems
