"""Errors of the incidents feature (web-free; ``service.api`` renders them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one value of an imported file.

    Attributes
    ----------
    where
        The row as a person finds it: ``"line 7"`` in a CSV file (the header is line 1),
        ``"features[3]"`` in GeoJSON, ``"[3]"`` in a JSON list.
    column
        The column or property, e.g. ``"date"``.
    message
        What is wrong, in words.
    line
        The CSV line (None for JSON and GeoJSON).
    """

    where: str
    column: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.where}, column {self.column}: {self.message}"
        return f"{self.where}.{self.column}: {self.message}"


class ImportRowsError(ValueError):
    """A file with bad rows: nothing of it was stored.

    Parameters
    ----------
    problems
        Every bad value, in file order.
    """

    outcome_kind: ClassVar[str] = "invalid-request"

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f"; and {len(self.problems) - 5} more" if len(self.problems) > 5 else ""
        count = "1 bad value" if len(self.problems) == 1 else f"{len(self.problems)} bad values"
        super().__init__(f"{count}, nothing was imported: {shown}{more}")


class ImportFormatError(ValueError):
    """A file that cannot be read at all (not CSV/JSON/GeoJSON, no rows, a missing column)."""

    outcome_kind: ClassVar[str] = "invalid-request"


class NoIncidentsError(LookupError):
    """An area has no burglary records to forecast or report from."""

    outcome_kind: ClassVar[str] = "invalid-request"
