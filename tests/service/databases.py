"""Databases for the tests: SQLite files and PostgreSQL schemas, migrated like production."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.db import create_db_engine
from service.migrations import upgrade_to_head

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def migrated_engine(url: str) -> Engine:
    """An engine on ``url`` with the schema at the newest revision (``eyes migrate``)."""
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    return engine


def in_schema(url: str, schema: str) -> str:
    """``url`` with every connection's ``search_path`` set to ``schema`` (PostgreSQL)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"
