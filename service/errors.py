"""Errors shared by the features: a request's field problems, web-free; and the one table
from what went wrong to how each door answers it (`OUTCOMES`, `failure_of`).

A domain error names its outcome with a class attribute ``outcome_kind``; errors of
``graphs`` and ``solver`` (which know nothing of the service) are named here. The API
(``service.api.problems``: HTTP status, problem type, Retry-After), the job runner (a
failed job's stored kind) and ``eyes`` (exit status) all read the same `Outcome`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, get_args

from pydantic import BaseModel

from .db import database_unavailable
from .i18n import N_, SOURCE_LANGUAGE, _, language
from .outcomes import OUTCOMES, Outcome

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.errors import ShiftError


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field of a request, e.g. ``shifts[0].phone``, and the ``id``
    of the item it belongs to when that item has one (``hotspots[120]`` is ``hs-far``)."""

    field: str
    message: str
    id: str | None = None

    def __str__(self) -> str:
        label = self.field if self.id is None else f"{self.field} ({self.id})"
        return f"{label}: {self.message}"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the service changed or doubts in a request it accepted: a warning.

    ``code`` is stable and machine-readable (``shift_cut``, ``past_date``, ...).
    """

    field: str
    code: str
    message: str
    id: str | None = None


class RequestError(ValueError):
    """A request that is well-formed but cannot be planned, naming the fields at fault."""

    outcome_kind: ClassVar[str] = "invalid-request"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


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


def problems_from_validation(
    errors: Sequence[Any], *, body: Any = None, model: type[BaseModel] | None = None
) -> list[FieldProblem]:
    """Pydantic errors as field problems, in words a caller can act on.

    Union branches that did not apply are dropped. With the request ``body`` each problem
    names the id of its item; with the ``model`` an unknown field suggests the field it
    likely meant. Dates and clock times say the format expected; a latitude out of range
    whose longitude would fit says they look swapped.
    """
    problems = []
    for error in errors:
        loc = [p for p in error.get("loc", ()) if not _is_union_tag(p)]
        if loc and loc[0] == "body":
            loc = loc[1:]
        message = _explain(error, loc, body=body, model=model)
        problems.append(FieldProblem(field_path(loc), message, id=_item_id(body, loc)))
    return list(dict.fromkeys(problems))


CLOCK_FIELDS = frozenset({"start_time", "end_time", "start", "end", "latest_end"})
DATETIME_FIELDS = frozenset({"valid_from", "valid_until", "as_of"})


PYDANTIC_MESSAGES: dict[str, str] = {
    "json_invalid": N_("Invalid JSON: {error}"),
    "missing": N_("Field required"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "finite_number": N_("Input should be a finite number"),
    "too_short": N_("should have at least {min_length} items, not {actual_length}"),
    "too_long": N_("should have at most {max_length} items, not {actual_length}"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "enum": N_("Input should be {expected}"),
    "literal_error": N_("Input should be {expected}"),
    "dict_type": N_("Input should be a valid dictionary"),
    "list_type": N_("Input should be a valid list"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "date_type": N_("Input should be a valid date"),
    "time_type": N_("Input should be a valid time"),
    "datetime_type": N_("Input should be a valid datetime"),
    "timezone_naive": N_("Input should not have timezone info"),
    "timezone_aware": N_("Input should have timezone info"),
    "url_parsing": N_("Input should be a valid URL, {error}"),
}
"""pydantic's messages by error type, for translation (in English pydantic's own text is
kept word for word); other types keep pydantic's English."""


def _pydantic_message(error: Any) -> str:
    """pydantic's message of ``error`` in the language of the moment."""
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    template = PYDANTIC_MESSAGES.get(str(error.get("type", "")))
    if template is None or language() == SOURCE_LANGUAGE:
        return message
    values = {
        k: f"{v:g}" if isinstance(v, float) else v
        for k, v in (error.get("ctx") or {}).items()
        if isinstance(k, str)
    }
    try:
        return _(template, **values)
    except (KeyError, IndexError, ValueError):
        return message


def _explain(
    error: Any, loc: Sequence[int | str], *, body: Any, model: type[BaseModel] | None
) -> str:
    kind = str(error.get("type", ""))
    message = _pydantic_message(error)
    name = loc[-1] if loc else ""
    if kind == "extra_forbidden" and isinstance(name, str):
        known = sorted(_field_names(model, loc[:-1])) if model is not None else []
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            return _("unknown field {name!r}; did you mean {close!r}?", name=name, close=close[0])
        if known:
            return _(
                "unknown field {name!r}; expected one of: {known}",
                name=name,
                known=", ".join(known),
            )
        return _("unknown field {name!r}", name=name)
    if name == "date" and kind.startswith("date"):
        return _("not a date: expected YYYY-MM-DD, e.g. 2026-11-24")
    if name in CLOCK_FIELDS and kind.startswith(("time", "datetime")):
        return _(
            "not a time: expected a clock time HH:MM (e.g. 18:00) or an ISO datetime "
            "(e.g. 2026-11-24T18:00, no offset meaning Copenhagen time)"
        )
    if name in DATETIME_FIELDS and kind.startswith(("datetime", "date")):
        return _("{message}: expected an ISO datetime, e.g. 2026-11-24T18:00", message=message)
    if name in {"lat", "lon"} and kind in {"less_than_equal", "greater_than_equal"}:
        point = _at(body, loc[:-1])
        if isinstance(point, dict) and _looks_swapped(point.get("lat"), point.get("lon")):
            return _("{message}; latitude and longitude look swapped", message=message)
    return message


def _looks_swapped(lat: Any, lon: Any) -> bool:
    """A latitude outside [-90, 90] whose longitude would be a valid latitude."""
    numbers = (int, float)
    return (
        isinstance(lat, numbers)
        and isinstance(lon, numbers)
        and abs(lat) > 90
        and abs(lat) <= 180
        and abs(lon) <= 90
    )


def _at(body: Any, loc: Sequence[int | str]) -> Any:
    """The part of ``body`` at ``loc`` (None where the path does not lead)."""
    node = body
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and -len(node) <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _item_id(body: Any, loc: Sequence[int | str]) -> str | None:
    """The ``id`` of the innermost list item on ``loc`` that has one."""
    for end in range(len(loc), 0, -1):
        if isinstance(loc[end - 1], int):
            item = _at(body, loc[:end])
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                return str(item["id"])[:64]
    return None


def _field_names(model: type[BaseModel] | None, loc: Sequence[int | str]) -> set[str]:
    """The fields the models at ``loc`` (under ``model``) accept."""
    models: list[type[BaseModel]] = [model] if model is not None else []
    for part in loc:
        if isinstance(part, int):
            continue
        found: list[type[BaseModel]] = []
        for m in models:
            info = m.model_fields.get(part)
            if info is not None:
                found += _models_in(info.annotation)
        models = found
    return {name for m in models for name in m.model_fields}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (through lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _is_union_tag(part: int | str) -> bool:
    return isinstance(part, str) and (
        part
        in {
            "Point",
            "MatrixIndex",
            "Address",
            "MatrixArea",
            "str",
            "datetime",
            "time",
            "Circle",
            "Polygon",
        }
        or part.startswith(("function-", "constrained-"))
    )


INTERNAL_DETAIL = N_("Something went wrong on our side.")
DATABASE_DETAIL = N_("The database does not answer; try again in a few seconds.")


@dataclass(frozen=True, slots=True)
class Failure:
    """What an error means for the caller: its outcome, a sentence, the fields at fault,
    and extra members of the problem (e.g. the newest version of a plan)."""

    outcome: Outcome
    detail: str
    problems: tuple[FieldProblem, ...] = ()
    extra: dict[str, Any] | None = None
    retry_after_s: int | None = None


def _library_failure(exc: BaseException) -> tuple[str, str, str | None] | None:
    """The outcome of an error of ``graphs`` or ``solver``, and the field and item id a 422
    names (imported only when needed)."""
    from graphs.errors import GraphError, UnknownAreaError
    from solver.errors import ShiftError, SolverError

    if isinstance(exc, UnknownAreaError):
        return "invalid-request", "area", None
    if isinstance(exc, ShiftError):
        return "invalid-request", f"shifts[{exc.shift}]", exc.shift_id
    if isinstance(exc, GraphError):
        return "street-data-unavailable", "body", None
    if isinstance(exc, SolverError):
        return "no-plan-found", "body", None
    return None


def _shift_cannot_be_planned(exc: ShiftError) -> str:
    """The solver's ``ShiftError`` in the reader's language."""
    return _(
        "shift {shift!r} cannot be planned: getting from its start to its end takes "
        "{travel_min} min, and the shift lasts {length_min} min.",
        shift=exc.shift_id,
        travel_min=f"{exc.travel_s / 60:.0f}",
        length_min=f"{exc.length_s / 60:.0f}",
    )


def _said(exc: BaseException) -> str:
    """The sentence of ``exc`` in the reader's language: the libraries' own errors that
    carry their facts are said again here (graphs and solver know no languages)."""
    from graphs.errors import UnknownAreaError

    if isinstance(exc, UnknownAreaError) and exc.name:
        return _(
            "unknown area {area!r}; known areas: {known}",
            area=exc.name,
            known=", ".join(exc.known) or "-",
        )
    from solver.errors import InfeasibleError, ShiftError, SolverError

    if isinstance(exc, ShiftError):
        return _shift_cannot_be_planned(exc)
    if (
        isinstance(exc, SolverError)
        and not isinstance(exc, InfeasibleError)
        and language() != SOURCE_LANGUAGE
    ):
        return _("no plan was found in the time given; try again, perhaps with more time")
    return str(exc)


def failure_of(exc: BaseException) -> Failure:
    """The `Failure` ``exc`` is: by its class's ``outcome_kind``, for a database that does
    not answer ``database-unavailable``, or for the libraries' errors by their class;
    anything else is ``internal`` (a bug, with no detail shown)."""
    kind, field, item = getattr(exc, "outcome_kind", None), "body", None
    if kind is None and database_unavailable(exc):
        outcome = OUTCOMES["database-unavailable"]
        return Failure(outcome, _(DATABASE_DETAIL), retry_after_s=outcome.retry_after_s)
    if kind is None:
        kind, field, item = _library_failure(exc) or ("internal", "body", None)
    outcome = OUTCOMES[kind]
    if kind == "internal":
        return Failure(outcome, _(INTERNAL_DETAIL))
    problems = tuple(p for p in getattr(exc, "problems", ()) if isinstance(p, FieldProblem))
    said = _said(exc)
    if kind == "invalid-request" and not problems:
        problems = (FieldProblem(field, said, item),)
    return Failure(
        outcome,
        said or _(outcome.title),
        problems,
        extra=getattr(exc, "problem_extra", None),
        retry_after_s=getattr(exc, "retry_after_s", None) or outcome.retry_after_s,
    )
