"""Heavy reads (hotspots, reports, report pictures): a few at once per process, and the
same answer reused for the same question.

A forecast over years of records holds hundreds of megabytes for seconds; three at once
took 4 GB. `HeavyReads.run` lets ``EYES_HEAVY_READS_AT_ONCE`` run at a time and answers
the rest at once with a 503 and ``Retry-After`` (`BusyError`); a result is kept for
``EYES_HEAVY_READ_CACHE_S`` under a key naming the area, the day and the records' state,
and an import of records or local areas into an area forgets its results in this process
(another process's copy lives at most the cache time).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..i18n import _

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

T = TypeVar("T")
CACHED_RESULTS = 64
"""Results kept (least recently used go first)."""
RETRY_AFTER_S = 15


class BusyError(RuntimeError):
    """Too many heavy reads at once in this process."""

    outcome_kind: ClassVar[str] = "busy"
    retry_after_s: int = RETRY_AFTER_S


class HeavyReads:
    """At most ``at_once`` computations at a time; results kept ``keep_s`` seconds."""

    def __init__(
        self, at_once: int, *, keep_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._slots = threading.BoundedSemaphore(at_once)
        self._keep_s = keep_s
        self._clock = clock
        self._results: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def run(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The kept result of ``key``, else ``compute()`` in a free slot (kept).

        Raises
        ------
        BusyError
            When every slot is taken.
        """
        with self._lock:
            kept = self._results.get(key)
            if kept is not None and self._clock() - kept[0] < self._keep_s:
                self._results.move_to_end(key)
                value: T = kept[1]
                return value
        if not self._slots.acquire(blocking=False):
            raise BusyError(
                _("Too many heavy requests at once; try again in {s} s.", s=RETRY_AFTER_S)
            )
        try:
            value = compute()
        finally:
            self._slots.release()
        with self._lock:
            self._results[key] = (self._clock(), value)
            self._results.move_to_end(key)
            while len(self._results) > CACHED_RESULTS:
                self._results.popitem(last=False)
        return value

    def forget(self, area: str) -> None:
        """Drop the kept results whose key names ``area`` (its records changed)."""
        with self._lock:
            for key in [k for k in self._results if isinstance(k, tuple) and area in k]:
                del self._results[key]
