"""Plan storage: the ``plans`` table and the store that saves and reads plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, aliased, mapped_column, sessionmaker

from ..db import Base, aware_utc, create_db_engine
from ..i18n import _
from ..timeutil import LOCAL_TZ, to_local
from .errors import PlanNotFoundError, VersionTakenError
from .schemas import PlanResponse, PlanVersion, RouteOut

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.engine import Engine


class PlanRecord(Base):
    """One stored plan: the request as sent (it holds staff phones), the answer, its GeoJSON."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    area: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    geojson: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Re-plans: the version re-planned, the chain's first plan, and the version number.
    parent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lineage_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    plan_date: Mapped[date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (
        Index("ix_plans_area_plan_date", "area", "plan_date"),
        # One version number per plan: of two re-plans stored at once, one is refused.
        Index("uq_plans_lineage_version", "lineage_id", "version", unique=True),
    )


class PlanStaffRecord(Base):
    """One staff member's part of a stored plan: what alert targeting reads, small, so an
    alert never loads a plan's whole request (which may carry a large matrix)."""

    __tablename__ = "plan_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    plan_date: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    shift_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shift_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    line: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


@dataclass(frozen=True, slots=True)
class StaffPlan:
    """One staff member's part of a stored plan: what alert targeting reads.

    ``shift_start``/``shift_end`` are the shift as requested (local time); ``route`` is the
    planned route (None if the plan has none for them) and ``line`` its street line as
    ``(lon, lat)`` pairs (None for a plan on an explicit matrix); ``area`` is the plan's.
    """

    plan_id: str
    created_at: datetime
    day: date
    staff_id: str
    phone: str | None
    shift_start: datetime
    shift_end: datetime
    route: RouteOut | None
    line: tuple[tuple[float, float], ...] | None
    area: str = ""


def _clock(value: str) -> datetime | time:
    """A stored shift time (ISO clock time or datetime)."""
    return datetime.fromisoformat(value) if "T" in value else time.fromisoformat(value)


def route_lines(geojson: dict[str, Any] | None) -> dict[str, tuple[tuple[float, float], ...]]:
    """Each staff member's street line, ``(lon, lat)`` vertices, from a plan's stored
    GeoJSON (as `service.plans.geojson` writes it); empty without one."""
    if not geojson:
        return {}
    return {
        f["properties"]["staff_id"]: tuple((c[0], c[1]) for c in f["geometry"]["coordinates"])
        for f in geojson.get("features", [])
        if f.get("properties", {}).get("feature") == "route"
    }


def staff_plans(record: PlanRecord) -> list[StaffPlan]:
    """Each staff member's part of a stored plan, in the order of the request's shifts."""
    plan = PlanResponse.model_validate(record.plan)
    routes = {route.staff_id: route for route in plan.routes}
    lines = route_lines(record.geojson)
    return [
        StaffPlan(
            plan_id=record.id,
            created_at=aware_utc(record.created_at),
            day=plan.date,
            staff_id=shift["id"],
            phone=shift.get("phone"),
            shift_start=to_local(_clock(shift["start_time"]), plan.date),
            shift_end=to_local(_clock(shift["end_time"]), plan.date),
            route=routes.get(shift["id"]),
            line=lines.get(shift["id"]),
            area=record.area,
        )
        for shift in record.request.get("shifts", [])
    ]


def _staff_row(staff: StaffPlan) -> PlanStaffRecord:
    return PlanStaffRecord(
        plan_id=staff.plan_id,
        created_at=staff.created_at,
        plan_date=staff.day,
        staff_id=staff.staff_id,
        phone=staff.phone,
        shift_start=staff.shift_start.astimezone(UTC),
        shift_end=staff.shift_end.astimezone(UTC),
        route=None if staff.route is None else staff.route.model_dump(mode="json"),
        line=None if staff.line is None else [list(c) for c in staff.line],
    )


def _from_row(row: PlanStaffRecord, area: str) -> StaffPlan:
    return StaffPlan(
        plan_id=row.plan_id,
        created_at=aware_utc(row.created_at),
        day=row.plan_date,
        staff_id=row.staff_id,
        phone=row.phone,
        shift_start=aware_utc(row.shift_start).astimezone(LOCAL_TZ),
        shift_end=aware_utc(row.shift_end).astimezone(LOCAL_TZ),
        route=None if row.route is None else RouteOut.model_validate(row.route),
        line=None if row.line is None else tuple((c[0], c[1]) for c in row.line),
        area=area,
    )


def _superseded() -> Any:
    """True for a stored plan that a newer version of the same plan replaces."""
    newer = aliased(PlanRecord)
    return (
        select(newer.id)
        .where(
            func.coalesce(newer.lineage_id, newer.id)
            == func.coalesce(PlanRecord.lineage_id, PlanRecord.id),
            newer.version > PlanRecord.version,
        )
        .exists()
    )


class PlanStore:
    """Saves and reads plans (the schema comes from the migrations: ``eyes migrate``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> PlanStore:
        """A store on the database at ``url``."""
        return cls(create_db_engine(url))

    def save(
        self, plan: PlanResponse, *, request: dict[str, Any], geojson: dict[str, Any] | None
    ) -> None:
        """Store a plan with the request it answers.

        Raises
        ------
        VersionTakenError
            When another version with the same number of the same plan was stored first.
        """
        try:
            self._insert(plan, request=request, geojson=geojson)
        except IntegrityError as exc:
            if plan.parent_id is None:
                raise
            msg = f"version {plan.version} of plan {plan.parent_id!r}'s lineage exists"
            raise VersionTakenError(msg) from exc

    def _insert(
        self, plan: PlanResponse, *, request: dict[str, Any], geojson: dict[str, Any] | None
    ) -> None:
        with self.sessions() as session, session.begin():
            lineage = plan.id
            if plan.parent_id is not None:
                parent = session.get(PlanRecord, plan.parent_id)
                lineage = (parent.lineage_id if parent else None) or plan.parent_id
            record = PlanRecord(
                id=plan.id,
                created_at=plan.created_at,
                area=plan.area,
                request=request,
                plan=plan.model_dump(mode="json"),
                geojson=geojson,
                parent_id=plan.parent_id,
                lineage_id=lineage,
                version=plan.version,
                plan_date=plan.date,
            )
            session.add(record)
            session.add_all(_staff_row(staff) for staff in staff_plans(record))

    def _record(self, plan_id: str) -> PlanRecord:
        with self.sessions() as session:
            record = session.get(PlanRecord, plan_id)
        if record is None:
            msg = _("no plan with id {id!r}.", id=plan_id)
            raise PlanNotFoundError(msg)
        return record

    def check_area(self, plan_id: str, *, within: Collection[str] | None) -> None:
        """Pass if plan ``plan_id`` exists and its area is one of ``within`` (None: any).

        Raises
        ------
        PlanNotFoundError
            If there is none, or its area is not one of ``within`` (answered alike, so that
            a key scoped to other areas learns nothing of the plan).
        """
        with self.sessions() as session:
            area = session.scalar(select(PlanRecord.area).where(PlanRecord.id == plan_id))
        if area is None or (within is not None and area not in within):
            # The very message of an unknown plan (`_record`), in every language.
            msg = _("no plan with id {id!r}.", id=plan_id)
            raise PlanNotFoundError(msg)

    def get(self, plan_id: str) -> PlanResponse:
        """The stored plan ``plan_id``.

        Raises
        ------
        PlanNotFoundError
            If there is none.
        """
        return PlanResponse.model_validate(self._record(plan_id).plan)

    def request(self, plan_id: str) -> dict[str, Any]:
        """The request plan ``plan_id`` answered, as stored (phones may be gone by retention).

        Raises
        ------
        PlanNotFoundError
            If there is none.
        """
        return self._record(plan_id).request

    def _lineage(self, plan_id: str) -> Any:
        """A select of every version of the plan ``plan_id`` belongs to (raises
        PlanNotFoundError for an unknown id)."""
        lineage = self._record(plan_id).lineage_id or plan_id
        return select(PlanRecord).where(
            (PlanRecord.lineage_id == lineage) | (PlanRecord.id == lineage)
        )

    def versions(self, plan_id: str) -> list[PlanVersion]:
        """Every version of the plan ``plan_id`` belongs to, oldest first.

        Raises
        ------
        PlanNotFoundError
            If there is none.
        """
        with self.sessions() as session:
            rows = session.scalars(
                self._lineage(plan_id).order_by(PlanRecord.version, PlanRecord.created_at)
            ).all()
        return [
            PlanVersion(
                id=r.id,
                version=r.version,
                parent_id=r.parent_id,
                created_at=aware_utc(r.created_at),
                latest=i == len(rows) - 1,
            )
            for i, r in enumerate(rows)
        ]

    def newest_version(self, plan_id: str) -> PlanResponse:
        """The newest version of the plan ``plan_id`` belongs to (itself if none is newer).

        Raises
        ------
        PlanNotFoundError
            If there is none.
        """
        with self.sessions() as session:
            record = session.scalars(
                self._lineage(plan_id)
                .order_by(PlanRecord.version.desc(), PlanRecord.created_at.desc())
                .limit(1)
            ).one()
        return PlanResponse.model_validate(record.plan)

    def geojson(self, plan_id: str) -> dict[str, Any] | None:
        """The GeoJSON of plan ``plan_id`` (``None`` for a plan on an explicit matrix)."""
        return self._record(plan_id).geojson

    def newest_for_day(self, area: str, day: date) -> PlanResponse | None:
        """The newest stored plan for ``day`` on ``area`` (None if there is none)."""
        with self.sessions() as session:
            record = session.scalars(
                select(PlanRecord)
                .where(PlanRecord.area == area, PlanRecord.plan_date == day)
                .order_by(PlanRecord.created_at.desc())
                .limit(1)
            ).first()
        return None if record is None else PlanResponse.model_validate(record.plan)

    def staff_plans_since(
        self, since: datetime, *, areas: Collection[str] | None = None
    ) -> list[StaffPlan]:
        """Every staff member's part of the plans created at or after ``since`` that are
        the newest version of their plan, oldest plan first (read from the small
        ``plan_staff`` table, never the plans' requests): staff who left in a re-plan are
        not in it, staff who joined are. With ``areas``, only plans of those areas."""
        query = (
            select(PlanStaffRecord, PlanRecord.area)
            .join(PlanRecord, PlanRecord.id == PlanStaffRecord.plan_id)
            .where(PlanStaffRecord.created_at >= since.astimezone(UTC), ~_superseded())
        )
        if areas is not None:
            query = query.where(PlanRecord.area.in_(sorted(areas)))
        with self.sessions() as session:
            rows = session.execute(
                query.order_by(PlanStaffRecord.created_at, PlanStaffRecord.id)
            ).all()
        return [_from_row(row, area) for row, area in rows]

    def lineage_of(self, plan_id: str) -> str:
        """The id every version of plan ``plan_id`` shares (its first version's).

        Raises
        ------
        PlanNotFoundError
            If there is none.
        """
        return self._record(plan_id).lineage_id or plan_id

    def newest_staff_plan(
        self, lineage_id: str, staff_id: str
    ) -> tuple[StaffPlan | None, int, bool]:
        """``staff_id``'s part of the newest version of plan ``lineage_id`` that has them
        (None if none does), the plan's newest version number, and whether that part is
        in the newest version (False: a re-plan took them off). Read from the small
        ``plan_staff`` table.

        Raises
        ------
        PlanNotFoundError
            If there is no such plan.
        """
        of_lineage = (PlanRecord.lineage_id == lineage_id) | (PlanRecord.id == lineage_id)
        with self.sessions() as session:
            newest = session.execute(
                select(PlanRecord.id, PlanRecord.version)
                .where(of_lineage)
                .order_by(PlanRecord.version.desc(), PlanRecord.created_at.desc())
                .limit(1)
            ).first()
            if newest is None:
                raise PlanNotFoundError(_("no plan with id {id!r}.", id=lineage_id))
            found = session.execute(
                select(PlanStaffRecord, PlanRecord.area)
                .join(PlanRecord, PlanRecord.id == PlanStaffRecord.plan_id)
                .where(of_lineage, PlanStaffRecord.staff_id == staff_id)
                .order_by(PlanRecord.version.desc(), PlanRecord.created_at.desc())
                .limit(1)
            ).first()
        if found is None:
            return None, newest.version, False
        row, area = found
        return _from_row(row, area), newest.version, row.plan_id == newest.id

    def newest_plans_between(
        self, area: str, first: date, last: date
    ) -> list[tuple[str, PlanResponse]]:
        """Each plan of ``area`` for a day from ``first`` to ``last`` (both included), as
        its newest version, with the id its versions share; by day, then creation."""
        with self.sessions() as session:
            rows = session.scalars(
                select(PlanRecord)
                .where(
                    PlanRecord.area == area,
                    PlanRecord.plan_date >= first,
                    PlanRecord.plan_date <= last,
                    ~_superseded(),
                )
                .order_by(PlanRecord.plan_date, PlanRecord.created_at)
            ).all()
        return [(r.lineage_id or r.id, PlanResponse.model_validate(r.plan)) for r in rows]

    def recent(
        self, *, limit: int = 20, areas: Collection[str] | None = None
    ) -> list[PlanResponse]:
        """The latest plans, newest first: each plan's newest version only (of ``areas``
        only, when given)."""
        query = select(PlanRecord).where(~_superseded())
        if areas is not None:
            query = query.where(PlanRecord.area.in_(sorted(areas)))
        with self.sessions() as session:
            rows = session.scalars(query.order_by(PlanRecord.created_at.desc()).limit(limit)).all()
        return [PlanResponse.model_validate(row.plan) for row in rows]
