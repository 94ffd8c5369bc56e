"""Errors shared by the features: a request's field problems, web-free.

``service.api.problems`` renders them (and each feature's own errors) as RFC 9457
problem+json; nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field of a request, e.g. ``shifts[0].phone``."""

    field: str
    message: str


class RequestError(ValueError):
    """A request that is well-formed but cannot be planned, naming the fields at fault."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "shifts", 0, "phone")`` -> ``"shifts[0].phone"``."""
    path = ""
    for part in loc:
        if part == "body" and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        elif not path:
            path = str(part)
        else:
            path += f".{part}"
    return path or "body"


def problems_from_validation(errors: Sequence[Any]) -> list[FieldProblem]:
    """Pydantic errors as field problems (union branches that did not apply are dropped)."""
    problems = []
    for error in errors:
        loc = [p for p in error.get("loc", ()) if not _is_union_tag(p)]
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        problems.append(FieldProblem(field_path(loc), message))
    return list(dict.fromkeys(problems))


def _is_union_tag(part: int | str) -> bool:
    return isinstance(part, str) and (
        part
        in {"Point", "MatrixIndex", "MatrixArea", "str", "datetime", "time", "Circle", "Polygon"}
        or part.startswith(("function-", "constrained-"))
    )
