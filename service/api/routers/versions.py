"""A plan version's ETag, and the version an ``If-Match`` names."""

from __future__ import annotations

from ...errors import FieldProblem, RequestError


def plan_etag(version: int) -> str:
    """The ETag of a plan's version (versions of one plan never share a number)."""
    return f'"v{version}"'


def version_of_etag(value: str) -> int:
    """The version an ``If-Match`` ETag names.

    Raises
    ------
    RequestError
        For anything but one ETag as `plan_etag` writes it.
    """
    tag = value.strip().removeprefix("W/")
    if tag.startswith('"v') and tag.endswith('"') and tag[2:-1].isdigit() and int(tag[2:-1]) > 0:
        return int(tag[2:-1])
    msg = 'expected the ETag of one version of the plan, e.g. "v2" (as GET /v1/plans/{id} gives)'
    raise RequestError([FieldProblem("If-Match", msg)])
