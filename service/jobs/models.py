"""The ``plan_jobs`` table: one row per plan request solved off the request path."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class JobRecord(Base):
    """A plan job: the request, where it is (queued, running, done, failed) and its outcome.

    The row is the job's single source of truth for both backends (the in-process pool and
    Celery): the API answers ``GET /v1/jobs/{id}`` from it without asking the broker, and a
    job re-delivered to another worker finds its request here.
    """

    __tablename__ = "plan_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    backend: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    time_limit_s: Mapped[float] = mapped_column(Float)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    run_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    plan_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Written every ``EYES_JOB_HEARTBEAT_S`` by the process running the job."""
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the job was last handed to the broker (Celery)."""
