"""Storage of burglary records and local areas: the ``incidents`` and ``local_areas`` tables.

A record is unique per (area, id): importing the same id again updates it. Positions are
stored as WGS84 degrees; times as UTC. Records are personal data (a burglary at a home):
they are read by the forecast and the reports, logged by id only, and deleted by
``eyes retention`` once older than ``EYES_INCIDENT_RETENTION_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from forecast import Incident

from ..db import Base, aware_utc
from ..timeutil import LOCAL_TZ

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from ..db import SessionSource

CHUNK = 500
"""Rows per statement when reading ids back or upserting."""


class IncidentRecord(Base):
    """One burglary record of an area."""

    __tablename__ = "incidents"

    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    day: Mapped[date] = mapped_column(Date, index=True)
    start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LocalAreaRecord(Base):
    """A local area of an area (a named polygon), in the order of the file it came from."""

    __tablename__ = "local_areas"

    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: rows read, records new to the area, records updated, and the
    first and last id of the file (for the audit log, which names ids, never positions)."""

    area: str
    received: int
    created: int
    updated: int
    first_id: str = ""
    last_id: str = ""
    warnings: tuple[str, ...] = ()
    """What the file was read with a doubt about (e.g. not UTF-8)."""

    def audit_target(self) -> str:
        """``sindal: 306 records, ids SND-00001..SND-00306``."""
        return f"{self.area}: {self.received} records, ids {self.first_id}..{self.last_id}"


@dataclass(frozen=True, slots=True)
class StoredLocalArea:
    """A stored local area: its name and its GeoJSON geometry (Polygon or MultiPolygon)."""

    name: str
    geometry: dict[str, Any]


def incident_day(incident: Incident) -> date:
    """The local day a record belongs to: its date, or the Copenhagen day of its start."""
    if isinstance(incident.start, datetime):
        return incident.start.astimezone(LOCAL_TZ).date()
    return incident.start


def _row(area: str, incident: Incident, now: datetime) -> dict[str, Any]:
    timed = isinstance(incident.start, datetime)
    return {
        "area": area,
        "id": incident.id,
        "lat": incident.lat,
        "lon": incident.lon,
        "day": incident_day(incident),
        "start_at": incident.start.astimezone(UTC)
        if isinstance(incident.start, datetime)
        else None,
        "end_at": incident.end.astimezone(UTC) if timed and incident.end is not None else None,
        "kind": incident.kind,
        "updated_at": now,
    }


def _incident(record: IncidentRecord) -> Incident:
    start = aware_utc(record.start_at)
    end = aware_utc(record.end_at)
    return Incident(
        record.id,
        record.lat,
        record.lon,
        start if start is not None else record.day,
        end if start is not None else None,
        record.kind,
    )


class IncidentStore:
    """Reads and writes an area's burglary records and local areas.

    Parameters
    ----------
    db
        Anything with ``sessions`` on the service's database (a ``Database``, a store).
    """

    def __init__(self, db: SessionSource) -> None:
        self.sessions = db.sessions

    def upsert(self, area: str, incidents: Sequence[Incident], *, now: datetime) -> Imported:
        """Store ``incidents`` for ``area`` in one transaction: new ids are added, known
        ids updated; nothing is stored if anything fails.

        Parameters
        ----------
        area
            The area's name.
        incidents
            Records with unique ids.
        now
            The moment written as ``updated_at``.

        Returns
        -------
        Imported
        """
        rows = [_row(area, incident, now) for incident in incidents]
        with self.sessions() as session, session.begin():
            known = self._known_ids(session, area, [row["id"] for row in rows])
            for start in range(0, len(rows), CHUNK):
                session.execute(_upsert(session, rows[start : start + CHUNK]))
        ids = [row["id"] for row in rows] or [""]
        return Imported(area, len(rows), len(rows) - len(known), len(known), ids[0], ids[-1])

    @staticmethod
    def _known_ids(session: Session, area: str, ids: list[str]) -> set[str]:
        known: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            known.update(
                session.scalars(
                    select(IncidentRecord.id).where(
                        IncidentRecord.area == area, IncidentRecord.id.in_(chunk)
                    )
                )
            )
        return known

    def incidents(self, area: str, *, before: date | None = None) -> list[Incident]:
        """The area's records (with a day before ``before`` when given), oldest day first."""
        query = select(IncidentRecord).where(IncidentRecord.area == area)
        if before is not None:
            query = query.where(IncidentRecord.day < before)
        with self.sessions() as session:
            records = session.scalars(query.order_by(IncidentRecord.day, IncidentRecord.id))
            return [_incident(record) for record in records]

    def count(self, area: str) -> tuple[int, date | None, date | None]:
        """How many records the area has, and its first and last day."""
        with self.sessions() as session:
            row = session.execute(
                select(
                    func.count(), func.min(IncidentRecord.day), func.max(IncidentRecord.day)
                ).where(IncidentRecord.area == area)
            ).one()
        return int(row[0]), row[1], row[2]

    def delete_before(self, day: date) -> int:
        """Delete every record dated before ``day`` (retention); returns how many."""
        with self.sessions() as session, session.begin():
            result = session.execute(delete(IncidentRecord).where(IncidentRecord.day < day))
        return int(getattr(result, "rowcount", 0) or 0)

    def replace_local_areas(self, area: str, local_areas: Sequence[StoredLocalArea]) -> None:
        """Make ``local_areas`` the area's local areas (the earlier set goes), atomically."""
        with self.sessions() as session, session.begin():
            session.execute(delete(LocalAreaRecord).where(LocalAreaRecord.area == area))
            session.add_all(
                LocalAreaRecord(area=area, name=la.name, position=i, geometry=la.geometry)
                for i, la in enumerate(local_areas)
            )

    def local_areas(self, area: str) -> list[StoredLocalArea]:
        """The area's local areas in file order (empty: none imported)."""
        with self.sessions() as session:
            records = session.scalars(
                select(LocalAreaRecord)
                .where(LocalAreaRecord.area == area)
                .order_by(LocalAreaRecord.position)
            )
            return [StoredLocalArea(r.name, r.geometry) for r in records]


def _upsert(session: Session, rows: list[dict[str, Any]]) -> Any:
    """INSERT ... ON CONFLICT (area, id) DO UPDATE, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(IncidentRecord).values(rows)
    columns = ("lat", "lon", "day", "start_at", "end_at", "kind", "updated_at")
    return statement.on_conflict_do_update(
        index_elements=["area", "id"], set_={c: statement.excluded[c] for c in columns}
    )
