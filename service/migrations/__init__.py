"""The database schema under Alembic: ``upgrade_to_head`` (``eyes migrate``, and at start-up
in dev), the revision a database is at, and the head the code expects.

Revisions live in ``versions/``; the same revisions run on SQLite (batch mode) and
PostgreSQL. Alembic is imported only here, and only when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection, Engine

SCRIPT_LOCATION = Path(__file__).resolve().parent
# The newest revision in ``versions/`` (a test keeps the two equal): checking a database
# against it costs one query, without loading Alembic.
HEAD_REVISION = "0012"


class SchemaOutOfDateError(RuntimeError):
    """The database is not at the revision this code expects (run ``eyes migrate``)."""

    outcome_kind: ClassVar[str] = "invalid-config"


def target_metadata() -> MetaData:
    """The metadata of every table the models declare (what the migrations must build)."""
    from ..alerts import models as _alerts  # noqa: F401  (registers the tables)
    from ..auth import models as _auth  # noqa: F401
    from ..db import Base
    from ..field import models as _field  # noqa: F401
    from ..incidents import store as _incidents  # noqa: F401
    from ..jobs import models as _jobs  # noqa: F401
    from ..plans import store as _plans  # noqa: F401

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package (no ``alembic.ini`` needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the code."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for a database Alembic never touched)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; returns (revision before, head).

    A database made before the migrations existed (tables, no version) is completed and
    adopted by the first revision without losing rows.
    """
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return before, head_revision()


def _stored_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` by one plain query (None if there is none).

    Raises
    ------
    sqlalchemy.exc.OperationalError
        When the database does not answer (not taken for "no revision").
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as connection:  # a database that does not answer raises here
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            return None
    return None if row is None else str(row[0])


def ensure_schema(engine: Engine, *, upgrade: bool) -> None:
    """Make sure the database is at ``HEAD_REVISION``: upgrade it when ``upgrade`` (dev and
    tests), else refuse to run on a schema the code does not match (prod).

    Raises
    ------
    SchemaOutOfDateError
        Naming both revisions and the command that fixes it.
    """
    current = _stored_revision(engine)
    if current == HEAD_REVISION:
        return
    if upgrade:
        upgrade_to_head(engine)
        return
    msg = (
        f"the database schema is at revision {current or 'none'}, this code needs "
        f"{HEAD_REVISION}: run `eyes migrate`"
    )
    raise SchemaOutOfDateError(msg)
