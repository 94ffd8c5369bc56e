"""The database: engine, declarative ``Base`` and sessions (SQLAlchemy 2).

SQLite by default (WAL, full fsync, a busy timeout), PostgreSQL through the URL. The
schema is Alembic's (``service/migrations``); nothing here creates tables.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

T = TypeVar("T")


# Constraint names as PostgreSQL gives unnamed ones, so databases made before the
# migrations existed carry the same names as those the migrations make.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class Base(DeclarativeBase):
    """Declarative base of every table of the service (plans, alerts, auth)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SessionSource(Protocol):
    """Anything that hands out sessions on the service's database (a store, a Database)."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory."""
        ...


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Write-ahead log: the API and an ``eyes sender`` process read while the other writes.

    ``synchronous=FULL`` keeps every commit durable (an outbox claim must survive a power
    cut); ``busy_timeout`` lets a writer wait for the other instead of failing at once.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


CONNECT_TIMEOUT_S = 5
"""PostgreSQL: seconds to wait for a connection (unless the URL says ``connect_timeout``)."""


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing (WAL mode).

    ``postgresql://`` means psycopg 3. Bound parameters are hidden from exception messages
    (they would carry phone numbers and alert texts into logs).
    """
    parsed = make_url(url)
    sqlite_file = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if sqlite_file:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # A database behind a dead network answers nothing: give up (503) within seconds.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    engine = create_engine(
        parsed, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args
    )
    if sqlite_file:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@dataclass(frozen=True, eq=False)
class Database:
    """An engine and its session factory, shared by the feature stores."""

    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        """Sessions on ``engine`` (objects stay readable after commit)."""
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @classmethod
    def from_url(cls, url: str) -> Database:
        """A database at ``url`` (see `create_db_engine`)."""
        return cls.from_engine(create_db_engine(url))


@overload
def aware_utc(moment: datetime) -> datetime: ...
@overload
def aware_utc(moment: None) -> None: ...
def aware_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware datetime: everything is stored in UTC, and SQLite hands
    back naive datetimes."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _busy(exc: OperationalError) -> bool:
    """SQLite's "database is locked" / "busy": another writer held the lock too long."""
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def retry_busy(write: Callable[[], T], *, attempts: int = 5, base_s: float = 0.05) -> T:
    """Run ``write`` (one whole transaction), again after a short random pause if SQLite
    answers "database is locked"; any other error, or the last attempt's, is raised.

    SQLite waits ``busy_timeout`` for a lock, but a deferred transaction that read before it
    wrote can be refused at once (the lock cannot be upgraded without a deadlock): a retry of
    the whole transaction is the cure. PostgreSQL never raises these.
    """
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as exc:
            if attempt == attempts or not _busy(exc):
                raise
            time.sleep(base_s * 2**attempt * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")  # pragma: no cover


DATABASE_DOWN_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
)
"""SQLAlchemy's errors for a database that does not answer (or answers "try again"): the
server down or unreachable, a dropped connection, a full pool, SQLite's lock."""


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (not that a statement is wrong)."""
    if isinstance(exc, DATABASE_DOWN_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
