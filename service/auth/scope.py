"""Which areas a key acts on: the refusal when it names an area outside its own.

A key scoped to areas (``eyes keys create --areas``) sees and acts on those areas only.
Acting on another area, one the request names, is a 403 naming the area
(`AreaForbiddenError`); reading an object of another area (a plan, an alert, a job by its
id) is answered as if the object did not exist, by the stores, so that its existence does
not leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..i18n import _

if TYPE_CHECKING:
    from .keys import Principal


class AreaForbiddenError(PermissionError):
    """The key may not act on the area the request names (403, ``area`` in the problem)."""

    outcome_kind: ClassVar[str] = "area-forbidden"

    def __init__(self, area: str) -> None:
        super().__init__(_("this key may not act on area {area}", area=area))
        self.area = area
        self.problem_extra = {"area": area}


def check_area(principal: Principal, area: str) -> None:
    """Pass if ``principal`` may act on ``area``.

    Raises
    ------
    AreaForbiddenError
        Naming the area, if the key is scoped to other areas.
    """
    if not principal.may_see(area):
        raise AreaForbiddenError(area)
