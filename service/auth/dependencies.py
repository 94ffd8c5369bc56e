"""``require(...)``: the FastAPI dependency that guards a route by role.

The key is read from the ``X-API-Key`` header (the OpenAPI shows it as the ``ApiKey``
security scheme); settings and the database come from ``app.state`` (see
``service.api.app``). Every key use and every refusal goes to the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from ..i18n import N_, _
from .audit import audit
from .keys import Principal, authenticate
from .roles import may

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config import Settings
    from ..db import SessionSource
    from .roles import Role

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="An API key from `eyes keys create --role ROLE`.",
    auto_error=False,
)


PRINCIPAL_STATE = "principal"
"""Where a gate in front of the routes that has already checked the key leaves its
`Principal` in the request scope's state."""


def _principal(request: Request, key: Annotated[str | None, Security(API_KEY_HEADER)]) -> Principal:
    settings: Settings = request.app.state.settings
    db: SessionSource = request.app.state.db
    action = f"{request.method} {request.url.path}"
    if not settings.auth:
        return Principal(None, "admin")
    checked = request.scope.get("state", {}).get(PRINCIPAL_STATE)  # by the API's key gate
    principal = checked if checked is not None else (authenticate(db, key) if key else None)
    if principal is None:
        audit(db, None, action, outcome="401 no valid key")
        raise HTTPException(
            401, N_("A valid X-API-Key is required."), headers={"WWW-Authenticate": "ApiKey"}
        )
    audit(db, principal, action, outcome="key used")
    return principal


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency that lets only ``roles`` (and admin) through; 403 for other keys."""

    def _check(request: Request, principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if not may(principal.role, roles):
            db: SessionSource = request.app.state.db
            audit(db, principal, f"{request.method} {request.url.path}", outcome="403")
            msg = _("The {role} role may not do this.", role=principal.role)
            raise HTTPException(403, msg)
        return principal

    return _check
