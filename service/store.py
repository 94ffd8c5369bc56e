"""Plan storage with SQLAlchemy 2: SQLite by default, PostgreSQL through the database URL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, String, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from .errors import PlanNotFoundError
from .schemas import PlanResponse


class Base(DeclarativeBase):
    """Declarative base of the service's tables."""


class PlanRecord(Base):
    """One stored plan: the request as sent (it holds staff phones), the answer, its GeoJSON."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    area: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    geojson: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Write-ahead log: the API and an ``eyes sender`` process read while the other writes.

    ``synchronous=FULL`` keeps every commit durable (an outbox claim must survive a power
    cut); ``busy_timeout`` lets a writer wait for the other instead of failing at once.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created if missing (WAL mode)."""
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
    # hide_parameters: SQLAlchemy otherwise puts bound values (phones, alert texts) into
    # exception messages, which end up in logs.
    engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    if sqlite_file:
        event.listen(engine, "connect", _sqlite_wal)
    return engine


class PlanStore:
    """Saves and reads plans."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> PlanStore:
        """A store on the database at ``url``."""
        return cls(create_db_engine(url))

    def save(
        self, plan: PlanResponse, *, request: dict[str, Any], geojson: dict[str, Any] | None
    ) -> None:
        """Store a plan with the request it answers."""
        record = PlanRecord(
            id=plan.id,
            created_at=plan.created_at,
            area=plan.area,
            request=request,
            plan=plan.model_dump(mode="json"),
            geojson=geojson,
        )
        with Session(self.engine) as session, session.begin():
            session.add(record)

    def _record(self, plan_id: str) -> PlanRecord:
        with self._sessions() as session:
            record = session.get(PlanRecord, plan_id)
        if record is None:
            msg = f"no plan with id {plan_id!r}."
            raise PlanNotFoundError(msg)
        return record

    def get(self, plan_id: str) -> PlanResponse:
        """The stored plan ``plan_id``.

        Raises
        ------
        PlanNotFoundError
            If there is none.
        """
        return PlanResponse.model_validate(self._record(plan_id).plan)

    def geojson(self, plan_id: str) -> dict[str, Any] | None:
        """The GeoJSON of plan ``plan_id`` (``None`` for a plan on an explicit matrix)."""
        return self._record(plan_id).geojson

    def recent(self, *, limit: int = 20) -> list[PlanResponse]:
        """The latest plans, newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(PlanRecord).order_by(PlanRecord.created_at.desc()).limit(limit)
            ).all()
        return [PlanResponse.model_validate(row.plan) for row in rows]
