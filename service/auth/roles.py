"""The roles an API key can have, and which roles may do what.

Admin may do everything; the groups below list the other roles allowed per kind of work.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["police", "dispatcher", "scheduler", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

PLANNERS: tuple[Role, ...] = ("dispatcher", "scheduler")
ALERT_SENDERS: tuple[Role, ...] = ("police",)
ALERT_READERS: tuple[Role, ...] = ("police", "dispatcher")
ANY_KEY: tuple[Role, ...] = ("police", "dispatcher", "scheduler")
INCIDENT_IMPORTERS: tuple[Role, ...] = ("police", "dispatcher")


def may(role: str, allowed: tuple[Role, ...]) -> bool:
    """Whether ``role`` is one of ``allowed`` or admin."""
    return role == "admin" or role in allowed
