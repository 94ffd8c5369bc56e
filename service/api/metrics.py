"""Prometheus metrics: request latency measured here, the rest read from the database.

Plan jobs may run in other processes (Celery workers), so their numbers come from the
``plan_jobs`` and ``alert_outbox`` tables when ``/metrics`` is scraped (cached for a few
seconds): the queue length, jobs by state, a histogram of run times, SMS sent and failed,
and the age of the oldest SMS still queued. Every count is cumulative over the stored rows,
so it only grows (a Prometheus counter).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import func, select

from ..alerts.models import OutboxRecord
from ..db import aware_utc

if TYPE_CHECKING:
    from collections.abc import Iterable

    from prometheus_client import Metric

    from ..jobs.store import JobStore

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
RUN_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 180.0, 300.0)
CACHE_S = 5.0


class StoreCollector:
    """Job and SMS figures read from the database at scrape time."""

    def __init__(self, jobs: JobStore) -> None:
        self.jobs = jobs
        self._cache: tuple[float, list[Metric]] | None = None
        self._lock = threading.Lock()

    def describe(self) -> list[Metric]:
        """No fixed description (the registry must not call collect at registration)."""
        return []

    def collect(self) -> Iterable[Metric]:
        """The families, at most ``CACHE_S`` old."""
        with self._lock:
            now = time.monotonic()
            if self._cache is None or now - self._cache[0] > CACHE_S:
                try:
                    self._cache = (now, self._read())
                except Exception:  # a scrape must not fail because the database is busy
                    log.exception("metrics: could not read the database")
                    return []
            return list(self._cache[1])

    def _read(self) -> list[Metric]:
        counts = self.jobs.counts()
        state = GaugeMetricFamily("eyes_plan_jobs", "Plan jobs by state.", labels=["state"])
        for name in ("queued", "running", "done", "failed"):
            state.add_metric([name], counts.get(name, 0))
        queue = GaugeMetricFamily("eyes_plan_queue_length", "Plan jobs waiting for a worker.")
        queue.add_metric([], counts.get("queued", 0))
        oldest = self.jobs.oldest_queued()
        wait = GaugeMetricFamily(
            "eyes_plan_queue_oldest_age_seconds", "How long the oldest queued plan has waited."
        )
        wait.add_metric([], 0.0 if oldest is None else _age_s(oldest))
        buckets, count, total = self.jobs.run_time_buckets(RUN_BUCKETS)
        runs = HistogramMetricFamily(
            "eyes_plan_solve_seconds", "Run time of finished plan jobs (start to plan stored)."
        )
        runs.add_metric(
            [],
            [
                *((str(b), float(n)) for b, n in zip(RUN_BUCKETS, buckets, strict=True)),
                ("+Inf", float(count)),
            ],
            sum_value=total,
        )
        return [state, queue, wait, runs, *self._sms()]

    def _sms(self) -> list[Metric]:
        with self.jobs.sessions() as session:
            rows = session.execute(
                select(OutboxRecord.status, func.count()).group_by(OutboxRecord.status)
            ).all()
            oldest = session.scalar(
                select(func.min(OutboxRecord.queued_at)).where(OutboxRecord.status == "queued")
            )
        by_status = {str(s): int(n) for s, n in rows}
        sent = CounterMetricFamily("eyes_sms_sent", "SMS accepted by the provider (or delivered).")
        sent.add_metric([], by_status.get("sent", 0) + by_status.get("delivered", 0))
        failed = CounterMetricFamily("eyes_sms_failed", "SMS given up on.")
        failed.add_metric([], by_status.get("failed", 0))
        queued = GaugeMetricFamily("eyes_sms_queued", "SMS waiting to be sent or retried.")
        queued.add_metric([], by_status.get("queued", 0) + by_status.get("sending", 0))
        age = GaugeMetricFamily(
            "eyes_sms_oldest_queued_age_seconds", "How long the oldest queued SMS has waited."
        )
        age.add_metric([], 0.0 if oldest is None else _age_s(aware_utc(oldest)))
        return [sent, failed, queued, age]


def _age_s(moment: datetime) -> float:
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


class Metrics:
    """The app's own registry (each app has one: tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "eyes_http_request_duration_seconds",
            "Time to answer a request, by route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.refused = Counter(
            "eyes_auth_refused",
            "Requests refused for want of a valid API key.",
            registry=self.registry,
        )
        self.body_rejected = Counter(
            "eyes_request_body_too_large", "Requests refused with 413.", registry=self.registry
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        self.latency.labels(method, route, str(status)).observe(seconds)

    def watch(self, jobs: JobStore) -> None:
        """Add the figures read from the database."""
        self.registry.register(StoreCollector(jobs))
