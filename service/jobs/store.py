"""Plan jobs in the database: create, claim, finish, fail, and the counts the queue needs.

Every write is one short transaction, retried when SQLite answers "database is locked".
State changes are compare-and-set on the state column, so a job re-delivered after its
worker died, or a late answer from a worker presumed dead, never overwrites a final state.

A running job carries a heartbeat (``heartbeat_at``, written by the process running it):
``sweep_lost`` queues a job whose heartbeat stopped again, or fails it after its last
attempt; ``start`` takes a running job over only once its heartbeat is that old, so a
duplicate message never runs a job twice at once.

A job's request holds staff phone numbers: it is emptied when the job ends (a done job's
request is kept with its plan, where ``eyes retention`` forgets the phones in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import sessionmaker

from ..db import aware_utc, retry_busy
from ..i18n import LANGUAGES, _, use_language
from .errors import JobNotFoundError
from .models import JobRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.engine import Engine

    from ..i18n import Language

JobState = Literal["queued", "running", "done", "failed"]
FINAL: tuple[JobState, ...] = ("done", "failed")
LOST_AFTER_S = 20.0
"""The default of ``EYES_JOB_LOST_AFTER_S``."""


def lost_error(attempts: int) -> dict[str, Any]:
    """The error of a job whose worker was lost on each of its ``attempts``."""
    return job_error(
        "worker-lost",
        _(
            "the worker solving this plan stopped {attempts} times without an answer; the "
            "plan was not solved.",
            attempts=attempts,
        ),
    )


def lost(job: Job, *, now: datetime, lost_after_s: float) -> bool:
    """``job`` runs, and its heartbeat (or start) is older than its time limit plus
    ``lost_after_s``: its worker is gone. (A solve may hold the GIL for its whole time
    limit, so the heartbeat thread can fall silent that long.)"""
    if job.state != "running":
        return False
    beat = job.heartbeat_at or job.started_at or job.created_at
    return now - beat > timedelta(seconds=job.time_limit_s + lost_after_s)


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
    heartbeat_at: datetime | None = None

    @property
    def retrying(self) -> bool:
        """Not over, and an earlier attempt lost its worker: this is a retry."""
        return (self.state == "queued" and self.attempts > 0) or (
            self.state == "running" and self.attempts > 1
        )

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
            heartbeat_at=aware_utc(record.heartbeat_at),
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

    def _set(
        self,
        job_id: str,
        allowed: Sequence[JobState],
        *,
        worker_is: str | None = None,
        **values: Any,
    ) -> bool:
        """Compare-and-set: update the row only while its state is one of ``allowed`` (and,
        with ``worker_is``, while that worker holds it)."""
        condition = and_(JobRecord.id == job_id, JobRecord.state.in_(allowed))
        if worker_is is not None:
            condition = and_(condition, JobRecord.worker == worker_is)

        def write() -> bool:
            with self.sessions() as session, session.begin():
                result = session.execute(update(JobRecord).where(condition).values(**values))
                return bool(result.rowcount)  # type: ignore[attr-defined]

        return retry_busy(write)

    def start(self, job_id: str, *, worker: str, lost_after_s: float = LOST_AFTER_S) -> Job | None:
        """Mark the job running on ``worker`` (one more attempt); None if it is over (a
        re-delivery of a job another worker finished), unknown, or running on a worker
        whose heartbeat is not yet `lost` (a duplicate message: that worker lives)."""

        def may_start(job: Job, now: datetime) -> bool:
            return job.state == "queued" or lost(job, now=now, lost_after_s=lost_after_s)

        def start(record: JobRecord, now: datetime) -> None:
            record.state = "running"
            record.worker = worker[:100]
            record.attempts += 1
            record.started_at = now
            record.heartbeat_at = now

        return self._move(job_id, may_start, start)

    def _move(
        self,
        job_id: str,
        allowed: Callable[[Job, datetime], bool],
        change: Callable[[JobRecord, datetime], None],
    ) -> Job | None:
        """Read the row locked (``FOR UPDATE`` on PostgreSQL; SQLite's writer lock), and
        ``change`` it if ``allowed``; the job as changed, or None."""

        def write() -> Job | None:
            now = datetime.now(UTC)
            with self.sessions() as session, session.begin():
                record = session.get(JobRecord, job_id, with_for_update=True)
                if record is None or not allowed(Job.from_record(record), now):
                    return None
                change(record, now)
                session.flush()
                return Job.from_record(record)

        return retry_busy(write)

    def heartbeat(self, job_id: str, *, worker: str) -> bool:
        """``worker`` still runs the job; False if it is no longer its (over, or taken
        over after the heartbeat stopped)."""
        return self._set(
            job_id,
            ("running",),
            worker_is=worker[:100],
            heartbeat_at=datetime.now(UTC),
        )

    def requeue(self, job_id: str) -> bool:
        """Queue a running job again (its worker died); False if it is not running."""
        return self._set(job_id, ("running",), state="queued", worker=None, heartbeat_at=None)

    def published(self, job_id: str) -> bool:
        """The job was just handed to the broker."""
        return self._set(job_id, ("queued",), published_at=datetime.now(UTC))

    def sweep_lost(
        self, *, backend: str, lost_after_s: float, max_attempts: int
    ) -> tuple[list[Job], list[Job]]:
        """Running jobs of ``backend`` whose worker is gone (`lost`): queued again, or
        failed (``worker-lost``, saying why) once ``max_attempts`` workers were lost.
        Returns (queued again, failed); each move re-checks the row under its lock, so two
        sweepers never both move a job, nor one a job whose heartbeat just came."""
        with self.sessions() as session:
            ids = list(
                session.scalars(
                    select(JobRecord.id).where(
                        JobRecord.backend == backend, JobRecord.state == "running"
                    )
                )
            )

        def is_lost(job: Job, now: datetime) -> bool:
            return lost(job, now=now, lost_after_s=lost_after_s)

        def give_back(record: JobRecord, now: datetime) -> None:
            if record.attempts >= max_attempts:
                record.state = "failed"
                with use_language(Job.from_record(record).language):  # the request's
                    record.error = lost_error(record.attempts)
                record.finished_at = now
                record.request = {}
            else:
                record.state = "queued"
                record.worker = None
                record.heartbeat_at = None

        requeued: list[Job] = []
        failed: list[Job] = []
        for job_id in ids:
            moved = self._move(job_id, is_lost, give_back)
            if moved is not None:
                (failed if moved.state == "failed" else requeued).append(moved)
        return requeued, failed

    def unpublished(self, *, backend: str, before: datetime, limit: int) -> list[Job]:
        """The oldest queued jobs of ``backend`` last published before ``before`` (or never)."""
        with self.sessions() as session:
            records = session.scalars(
                select(JobRecord)
                .where(
                    JobRecord.backend == backend,
                    JobRecord.state == "queued",
                    func.coalesce(JobRecord.published_at, JobRecord.created_at) < before,
                )
                .order_by(JobRecord.created_at)
                .limit(limit)
            ).all()
        return [Job.from_record(record) for record in records]

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
