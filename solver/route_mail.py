"""Mailboxes in shared memory through which searches in several processes hand each other
routes (``route_pool.SharedRoute``).

Each seat has a ring of int64 slots that the others write into and only it reads. Nothing
here waits on a reader: a ring that is not read in time is overwritten, and the routes
lost are only ones its reader will not see (handing routes on is a help to a search, not
something it must have). No pipes or threads, so nothing is left behind when a search
ends without reading its mail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .route_pool import SharedRoute

RING_SLOTS = 1 << 18
"""int64 slots per seat (2 MiB): about eight handings of 500 routes of 30 stops."""

LOCK_WAIT_S = 0.5
"""How long a search waits for the mailboxes' lock before it goes on without its mail (a
process killed while holding it would otherwise stop every search for good)."""

_HEAD = 5
"""A route's slots before its stops: length, vehicle type, prizes, distance, plan prizes."""


def encode(routes: list[SharedRoute]) -> np.ndarray:
    """Routes as one int64 array of self-delimiting records."""
    parts = []
    for vehicle_type, stops, prize, distance, plan_prizes in routes:
        record = np.empty(_HEAD + 2 * len(stops), dtype=np.int64)
        record[:_HEAD] = (len(record), vehicle_type, prize, distance, plan_prizes)
        record[_HEAD:] = np.asarray(stops, dtype=np.int64).reshape(-1)
        parts.append(record)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def decode(slots: np.ndarray) -> list[SharedRoute]:
    """The routes of ``encode``-d records."""
    out: list[SharedRoute] = []
    at = 0
    while at < len(slots):
        head = (int(v) for v in slots[at : at + _HEAD])
        length, vehicle_type, prize, distance, plan_prizes = head
        pairs = slots[at + _HEAD : at + length].reshape(-1, 2).tolist()
        out.append((vehicle_type, tuple((c, s) for c, s in pairs), prize, distance, plan_prizes))
        at += length
    return out


class RouteMail:
    """One mailbox (a ring in shared memory) per seat; pass it to a process when starting it.

    ``send`` writes to every other seat's ring, ``receive`` reads what came to a seat since
    it last read. A reader that writers have lapped (more unread than its ring holds) gets
    nothing of it rather than a torn route.
    """

    def __init__(self, context: Any, seats: int, slots: int = RING_SLOTS) -> None:
        self._slots = slots
        self._rings = [context.RawArray("q", slots) for _ in range(seats)]
        self._written = context.RawArray("q", seats)  # slots ever written, per seat
        self._lock = context.Lock()
        self._read = [0] * seats  # this process's own read position, per seat
        self._views: list[np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_views"] = None  # numpy views are made again in each process
        return state

    def _ring(self, seat: int) -> np.ndarray:
        if self._views is None:
            self._views = [np.frombuffer(ring, dtype=np.int64) for ring in self._rings]
        return self._views[seat]

    def send(self, seat: int, routes: list[SharedRoute]) -> None:
        """Write ``routes`` to every seat's ring but ``seat``'s own (as many of the first
        as half a ring holds)."""
        message = _whole_records(encode(routes), self._slots // 2)
        if not len(message) or not self._lock.acquire(timeout=LOCK_WAIT_S):
            return
        try:
            for other in range(len(self._rings)):
                if other == seat:
                    continue
                ring, start = self._ring(other), self._written[other]
                first = min(len(message), self._slots - start % self._slots)
                ring[start % self._slots : start % self._slots + first] = message[:first]
                ring[: len(message) - first] = message[first:]
                self._written[other] = start + len(message)
        finally:
            self._lock.release()

    def receive(self, seat: int) -> list[SharedRoute]:
        """The routes sent to ``seat`` since it last received (in this process)."""
        if not self._lock.acquire(timeout=LOCK_WAIT_S):
            return []
        try:
            start, end = self._read[seat], self._written[seat]
            lapped = end - start > self._slots
            unread = self._ring(seat)[np.arange(start, end) % self._slots] if not lapped else None
        finally:
            self._lock.release()
        self._read[seat] = end
        return decode(unread) if unread is not None else []


def _whole_records(message: np.ndarray, limit: int) -> np.ndarray:
    """The leading records of an ``encode``-d message that fit in ``limit`` slots."""
    at = 0
    while at < len(message) and at + message[at] <= limit:
        at += int(message[at])
    return message[:at]
