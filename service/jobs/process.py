"""A job process dies with its parent and takes its own children with it.

A plan runs in a process of its own, in its own process group; the solver's search
processes (``solver.portfolio``) join that group. When the process that asked for the plan
dies, even by ``kill -9``, Linux sends the job process SIGTERM (``PR_SET_PDEATHSIG``) and
its handler kills the whole group, so no search outlives the server. The handler runs in
the main thread, which only waits while the plan runs in another thread (a signal cannot
interrupt a long call into the solver's C++ code, but it does interrupt a wait).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
NICENESS = 10
"""Job processes yield the CPU to the API process (its health checks and small requests)."""


def _kill_group(_signum: int, _frame: FrameType | None) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


def die_with_parent(*, own_group: bool = True) -> None:
    """Arrange for this process (and, with ``own_group``, every process it starts) to be
    killed when its parent dies; lower its priority. Linux only; elsewhere a no-op."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    if own_group:
        os.setpgrp()
        signal.signal(signal.SIGTERM, _kill_group)
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM if own_group else signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def run_in_thread(work: Callable[[], object], *, poll_s: float = 0.5) -> None:
    """Run ``work`` in a thread while the main thread waits, so signal handlers run."""
    thread = threading.Thread(target=work, name="job", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(poll_s)


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (a job process and its solver children)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
