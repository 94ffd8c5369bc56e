"""A job process dies with the process it works for, and takes its children with it.

A plan is solved in a worker process that leads a process group of its own; the solver's
search processes (``solver.portfolio``) join that group. A watchdog process in the group
waits on the process the worker works for (the API for the in-process pool, the Celery
worker for a Celery pool process) through a pidfd; when that process dies, even by
``kill -9``, the watchdog kills the whole group: no search outlives the server.

The watchdog is a process, not a thread: OR-Tools holds the GIL while it searches, so a
thread of the worker could not act until the search ended. (``PR_SET_PDEATHSIG`` would not
do either: the pool's workers are forked by multiprocessing's fork server, not by the API,
and the fork server lives as long as they do.) The watchdog also ends with its worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

NICENESS = 10
"""Job processes yield the CPU to the API process (its health checks and small requests)."""

# Run with `python -S`: standard library only, starts in milliseconds.
WATCHDOG = """
import os, select, signal, sys, time
boss, worker, group = (int(a) for a in sys.argv[1:4])

def ended(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False

try:
    fds = {os.pidfd_open(boss): boss, os.pidfd_open(worker): worker}
    ready, _, _ = select.select(list(fds), [], [])
    boss_gone = any(fds[fd] == boss for fd in ready)
except (AttributeError, OSError):
    while not (ended(boss) or ended(worker)):
        time.sleep(0.5)
    boss_gone = ended(boss)
if boss_gone:
    os.killpg(group, signal.SIGKILL)
"""


def die_with(pid: int) -> subprocess.Popen[bytes]:
    """Lead a new process group at a lower priority; a watchdog kills the group when
    process ``pid`` ends (and ends itself when this process does)."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    os.setpgrp()
    me = os.getpid()
    return subprocess.Popen(
        [sys.executable, "-S", "-c", WATCHDOG, str(pid), str(me), str(os.getpgid(0))],
        stdin=subprocess.DEVNULL,
        close_fds=True,
    )


def run_in_thread(work: Callable[[], object], *, poll_s: float = 0.5) -> None:
    """Run ``work`` in a thread while the main thread waits (signals stay deliverable)."""
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
