"""Start without the database: the app comes up at once and gets ready when it answers.

`DatabaseWatch` checks the schema (``ensure_schema``) when the app is built. A database that
does not answer is no reason to exit: the app starts, ``/healthz`` answers, ``/readyz`` and
every request that needs the database answer 503 (``database-unavailable``, Retry-After),
and a thread tries again until the database answers; then it starts what needs the
database (the job queue, the SMS sender) and the gate opens. A schema the code does not
match still stops a prod start at once (``SchemaOutOfDateError``): that is a deployment
mistake, not an outage.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ..db import database_unavailable
from ..migrations import SchemaOutOfDateError, ensure_schema

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5
RETRY_MOST_S = 5.0


class DatabaseWatch:
    """Whether the database has answered at the schema this code needs, and what to start
    once it has (``on_ready``, run once, in the watching thread or in `start`)."""

    def __init__(self, engine: Engine, *, upgrade: bool) -> None:
        self.engine = engine
        self.upgrade = upgrade
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_ready: Callable[[], None] = lambda: None
        self._started = False
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """The schema is checked: requests may use the database (it may still fail later)."""
        return self._ready.is_set()

    def check(self) -> bool:
        """Check (in dev: migrate) the schema once; False when the database does not answer.

        Raises
        ------
        SchemaOutOfDateError
            In prod, when the database answers at another revision.
        """
        try:
            ensure_schema(self.engine, upgrade=self.upgrade)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.warning("the database does not answer (%s); waiting for it", type(exc).__name__)
            return False
        self._ready.set()
        return True

    def start(self, on_ready: Callable[[], None]) -> None:
        """Run ``on_ready`` now if the database answered, else once it does (a thread)."""
        self._on_ready = on_ready
        self._stopping.clear()
        if self.ready:
            self._run_on_ready()
            return
        self._thread = threading.Thread(target=self._watch, name="eyes-db-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop waiting (with the app)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)

    def _run_on_ready(self) -> None:
        with self._lock:
            if self._started or self._stopping.is_set():
                return
            self._started = True
        self._on_ready()

    def _watch(self) -> None:
        pause = RETRY_FIRST_S
        while not self._stopping.wait(pause):
            try:
                if self.check():
                    log.info("the database answers; ready")
                    self._run_on_ready()
                    return
            except SchemaOutOfDateError as exc:
                log.error("%s; not ready until it is", exc)  # an operator runs `eyes migrate`
            except Exception:
                log.exception("checking the database schema")
            pause = min(RETRY_MOST_S, pause * 2)
