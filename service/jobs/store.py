"""Plan jobs in the database: create, claim, finish, fail, and the counts the queue needs.

Every write is one short transaction, retried when SQLite answers "database is locked".
State changes are compare-and-set on the state column, so a job re-delivered after its
worker died, or a late answer from a worker presumed dead, never overwrites a final state.

A job's request holds staff phone numbers: it is emptied when the job ends (a done job's
request is kept with its plan, where ``eyes retention`` forgets the phones in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import sessionmaker

from ..db import aware_utc, retry_busy
from ..i18n import LANGUAGES
from .errors import JobNotFoundError
from .models import JobRecord

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine

    from ..i18n import Language

JobState = Literal["queued", "running", "done", "failed"]
FINAL: tuple[JobState, ...] = ("done", "failed")


@dataclass(frozen=True, slots=True)
class Job:
    """A job as read from its row (times aware, UTC)."""

    id: str
    state: JobState
    backend: str
    owner: str | None
    created_at: datetime
    time_limit_s: float
    attempts: int
    worker: str | None
    started_at: datetime | None
    finished_at: datetime | None
    plan_id: str | None
    error: dict[str, Any] | None
    request: dict[str, Any]
    language: Language | None = None
    """The language of the request that queued the job: its warnings and errors speak it."""

    @classmethod
    def from_record(cls, record: JobRecord) -> Job:
        """The job of a row."""
        state: JobState = record.state  # type: ignore[assignment]
        return cls(
            id=record.id,
            state=state,
            backend=record.backend,
            owner=record.owner,
            created_at=aware_utc(record.created_at),
            time_limit_s=record.time_limit_s,
            attempts=record.attempts,
            worker=record.worker,
            started_at=aware_utc(record.started_at),
            finished_at=aware_utc(record.finished_at),
            plan_id=record.plan_id,
            error=record.error,
            request=record.request,
            language=next((lang for lang in LANGUAGES if lang == record.language), None),
        )


def job_error(
    kind: str, detail: str, problems: Sequence[tuple[str, str, str | None]] = ()
) -> dict[str, Any]:
    """A job's error as stored: a kind the API maps to a status, a sentence, field problems
    (field, message, the item's id)."""
    return {
        "kind": kind,
        "detail": detail,
        "errors": [
            {"field": field, "message": message, **({"id": item} if item else {})}
            for field, message, item in problems
        ],
    }


class JobStore:
    """The ``plan_jobs`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def create(
        self,
        job_id: str,
        *,
        request: dict[str, Any],
        time_limit_s: float,
        backend: str,
        owner: str | None,
        now: datetime | None = None,
        language: Language | None = None,
    ) -> Job:
        """Store a new queued job (``language``: the request's)."""
        record = JobRecord(
            id=job_id,
            created_at=now or datetime.now(UTC),
            state="queued",
            backend=backend,
            owner=owner,
            time_limit_s=time_limit_s,
            request=request,
            attempts=0,
            language=language,
        )

        def write() -> None:
            with self.sessions() as session, session.begin():
                session.add(record)

        retry_busy(write)
        return Job.from_record(record)

    def get(self, job_id: str, *, owner: str | None = None) -> Job:
        """The job ``job_id``; with ``owner``, only if that key queued it.

        Raises
        ------
        JobNotFoundError
            If there is none (or another key's, when ``owner`` is given).
        """
        with self.sessions() as session:
            record = session.get(JobRecord, job_id)
        if record is None or (owner is not None and record.owner != owner):
            msg = f"no job with id {job_id!r}."
            raise JobNotFoundError(msg)
        return Job.from_record(record)

    def _set(self, job_id: str, allowed: Sequence[JobState], **values: Any) -> bool:
        """Compare-and-set: update the row only while its state is one of ``allowed``."""

        def write() -> bool:
            with self.sessions() as session, session.begin():
                result = session.execute(
                    update(JobRecord)
                    .where(JobRecord.id == job_id, JobRecord.state.in_(allowed))
                    .values(**values)
                )
                return bool(result.rowcount)  # type: ignore[attr-defined]

        return retry_busy(write)

    def start(self, job_id: str, *, worker: str) -> Job | None:
        """Mark the job running on ``worker`` (one more attempt); None if it is already over
        (a re-delivery of a job another worker finished) or unknown."""
        started = self._set(
            job_id,
            ("queued", "running"),
            state="running",
            worker=worker[:100],
            attempts=JobRecord.attempts + 1,
            started_at=datetime.now(UTC),
        )
        return self.get(job_id) if started else None

    def finish(self, job_id: str, *, plan_id: str, run_s: float) -> bool:
        """Mark the job done with its plan and how long the run took; False if it was
        already over."""
        return self._set(
            job_id,
            ("queued", "running"),
            state="done",
            plan_id=plan_id,
            run_s=run_s,
            finished_at=datetime.now(UTC),
            error=None,
            request={},
        )

    def fail(self, job_id: str, error: dict[str, Any]) -> bool:
        """Mark the job failed with ``error`` (see `job_error`); False if it was already over."""
        return self._set(
            job_id,
            ("queued", "running"),
            state="failed",
            error=error,
            finished_at=datetime.now(UTC),
            request={},
        )

    def fail_unfinished(self, *, backend: str, error: dict[str, Any]) -> int:
        """Fail every queued or running job of ``backend`` (the in-process pool after a
        restart: its queue lived in the memory of a process that is gone)."""

        def write() -> int:
            with self.sessions() as session, session.begin():
                result = session.execute(
                    update(JobRecord)
                    .where(JobRecord.backend == backend, JobRecord.state.in_(("queued", "running")))
                    .values(state="failed", error=error, finished_at=datetime.now(UTC), request={})
                )
                return int(result.rowcount)  # type: ignore[attr-defined]

        return retry_busy(write)

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        with self.sessions() as session:
            rows = session.execute(
                select(JobRecord.state, func.count()).group_by(JobRecord.state)
            ).all()
        return {str(state): int(n) for state, n in rows}

    def queued_work(self, *, backend: str | None = None) -> tuple[int, float]:
        """(number, summed time limits) of the queued jobs (of ``backend``)."""
        query = select(func.count(), func.coalesce(func.sum(JobRecord.time_limit_s), 0.0)).where(
            JobRecord.state == "queued"
        )
        if backend is not None:
            query = query.where(JobRecord.backend == backend)
        with self.sessions() as session:
            n, total = session.execute(query).one()
        return int(n), float(total)

    def oldest_queued(self) -> datetime | None:
        """When the longest-waiting queued job was created."""
        with self.sessions() as session:
            oldest = session.scalar(
                select(func.min(JobRecord.created_at)).where(JobRecord.state == "queued")
            )
        return aware_utc(oldest)

    def run_time_buckets(self, bounds: Sequence[float]) -> tuple[list[int], int, float]:
        """For the jobs done so far: how many ran at most each of ``bounds`` seconds (the
        cumulative buckets of a histogram), their number and their summed run time."""
        columns = [
            func.coalesce(func.sum(case((JobRecord.run_s <= bound, 1), else_=0)), 0)
            for bound in bounds
        ]
        query = select(func.count(), func.coalesce(func.sum(JobRecord.run_s), 0.0), *columns).where(
            JobRecord.state == "done", JobRecord.run_s.is_not(None)
        )
        with self.sessions() as session:
            row = session.execute(query).one()
        return [int(v) for v in row[2:]], int(row[0]), float(row[1])

    def expire_lost(self, job: Job, *, lost_after: timedelta, now: datetime) -> Job:
        """``job`` as failed ("worker lost") when it has run longer than ``lost_after``
        without finishing: no worker holds it any more (a re-delivered job starts afresh)."""
        if job.state != "running" or job.started_at is None:
            return job
        if now - job.started_at <= lost_after:
            return job
        error = job_error(
            "worker-lost",
            "the worker solving this plan stopped without an answer; send the plan again.",
        )
        self._set(job.id, ("running",), state="failed", error=error, finished_at=now, request={})
        return self.get(job.id)
