"""A per-key sliding-window rate limit on alert creation (in process memory)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` events per ``window_s`` per key."""

    def __init__(
        self, limit: int, *, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one event; None if allowed, else the seconds until the next is allowed."""
        now = self._clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(0.0, events[0] + self.window_s - now)
            events.append(now)
            return None

    def refund(self, key: str) -> None:
        """Take back the latest event of ``key`` (it did not store a new alert after all)."""
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()
