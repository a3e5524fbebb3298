"""Starting and cancelling jobs: the rules views, CLI commands and other apps call."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import selectors
from .models import Job
from .registry import get_kind

logger = logging.getLogger("nahraum.jobs")


def params_key(params: dict) -> str:
    """SHA-256 of the canonical JSON of ``params`` (key order does not matter)."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def enqueue(job: Job) -> None:
    """Put ``job`` into django-tasks' queue (the database) and remember the queue row's id.

    With the ImmediateBackend (the test suite) the job runs right here.
    """
    from .tasks import run_job

    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))


def start_job(
    kind: str,
    params: dict,
    *,
    user: Any = None,
    session_key: str | None = None,
    reuse: bool = True,
    max_attempts: int | None = None,
) -> Job:
    """Create the Job row and enqueue it. reuse=True: an identical request (same kind + params
    + same user/session) still queued or running, or done within the last 10 min with nothing
    newer in between, returns that job instead of a new one. ``max_attempts`` (default 2): how
    often a job lost with its worker is tried in all; 1 for jobs that must not run twice."""
    get_kind(kind)  # an unknown kind fails here, not later in the worker
    params = json.loads(json.dumps(params))  # JSON-able, and detached from the caller's dict
    key = params_key(params)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if reuse:
        existing = selectors.reusable_job(kind, key, user=user, session_key=session_key)
        if existing is not None:
            return existing
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params,
            params_key=key,
            created_by=user,
            session_key="" if user is not None else (session_key or ""),
            **({"max_attempts": max_attempts} if max_attempts else {}),
        )
        enqueue(job)
    job.refresh_from_db()
    return job


def cancel_job(job: Job, *, by: Any = None) -> None:
    """queued → cancelled at once; running → cancel_requested (the kind stops at its next
    progress report); finished jobs stay as they are."""
    now = timezone.now()
    stopped = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
        state=Job.State.CANCELLED, cancel_requested=True, finished_at=now
    )
    if not stopped:
        Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    logger.info("job %s (%s): cancel by %s, now %s", job.pk, job.kind, by or "-", job.state)


def job_url(job: Job) -> str:
    """The page that shows the job's progress (and sends the browser on when it is done)."""
    return reverse("jobs:detail", args=[job.pk])


def prune_jobs(older_than: dt.timedelta) -> dict[str, int]:
    """Delete finished jobs (and the queue's finished rows) that ended before ``older_than``
    ago, so the tables do not grow for ever; queued and running jobs are never touched."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - older_than
    jobs, _ = Job.objects.filter(state__in=Job.FINISHED, finished_at__lt=cutoff).delete()
    rows, _ = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff
    ).delete()
    return {"jobs": jobs, "queue_rows": rows}
