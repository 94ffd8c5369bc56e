"""Alembic's environment: runs the revisions on the connection ``alembic_config`` carries
(batch mode on SQLite, which cannot alter tables in place)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from service.db import create_db_engine
from service.migrations import target_metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def run_migrations() -> None:
    """Run the revisions on the given connection, or on ``sqlalchemy.url`` if none."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        if not url:
            from service.config import get_settings

            url = get_settings().database_url
        with create_db_engine(url).begin() as own:
            _run(own)
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
