"""The nightly plans: every template in ``EYES_NIGHTLY_DIR`` planned for tonight.

A template is a plan request as JSON (``examples/sindal_request.json`` is one), one file
per area or team, ``*.json``. Its ``date`` is ignored: each run plans the evening of the
day it runs (Europe/Copenhagen). Celery beat starts the run at ``EYES_NIGHTLY_PLAN_AT``
(default 15:00 local time); each template becomes a plan job of its own, so the plans
appear in ``GET /v1/jobs/{id}`` and the plans table like any other. A template that is not
a valid request is logged and skipped; the others still run.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..plans.schemas import PlanRequest
from ..timeutil import today_local
from .service import new_job

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ..config import Settings
    from .store import JobStore

log = logging.getLogger(__name__)

NIGHTLY_OWNER = "nightly"


def nightly_plans(
    settings: Settings,
    *,
    jobs: JobStore,
    enqueue: Callable[..., None],
    day: date | None = None,
) -> list[str]:
    """Create and queue one plan job per template for ``day`` (default today); returns the
    job ids in the order of the template file names."""
    day = day or today_local()
    folder = settings.nightly_dir
    if not folder.is_dir():
        log.warning("nightly plans: no folder %s", folder)
        return []
    job_ids = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["date"] = day.isoformat()
            request = PlanRequest.model_validate(data)
        except (OSError, ValueError, ValidationError) as exc:
            log.error("nightly plans: template %s skipped: %s", path.name, exc)
            continue
        job = new_job(request, settings=settings, jobs=jobs, owner=NIGHTLY_OWNER, backend=None)
        enqueue(job.id, time_limit_s=job.time_limit_s)
        log.info("nightly plans: %s -> job %s", path.name, job.id)
        job_ids.append(job.id)
    return job_ids
