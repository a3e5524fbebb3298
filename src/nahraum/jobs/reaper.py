"""Jobs lost with their worker: a ``running`` job whose heartbeat stopped is retried or failed.

A worker killed mid-job (SIGKILL, out of memory, a machine restart) leaves its job ``running``
for ever; the kind's transaction died with it, so nothing of it was written. The reaper (run by
every worker at start and every 30 s) puts such a job back in the queue while attempts remain,
else fails it with a reason people can read, and marks the queue's stuck row failed too.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from .models import Job, WorkerBeat

logger = logging.getLogger("nahraum.jobs")

DEFAULT_STALE_SECONDS = 60


def stale_seconds() -> float:
    """Heartbeat age after which a running job counts as lost: the setting or the environment
    variable ``NAHRAUM_JOB_STALE_SECONDS``, else 60 s (twelve missed beats)."""
    configured = getattr(settings, "NAHRAUM_JOB_STALE_SECONDS", None)
    if configured is None:
        configured = os.environ.get("NAHRAUM_JOB_STALE_SECONDS", DEFAULT_STALE_SECONDS)
    return float(configured)


def _still_running_here(worker: str) -> bool:
    """Whether ``worker`` ("host:pid") is a live process on this machine.

    On SQLite a kind's long write transaction holds the database lock, so its worker's heartbeat
    cannot be written meanwhile; a process that still lives is not lost, however old its beat.
    """
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fail_task_row(task_result_id: str) -> None:
    if not task_result_id:
        return
    DBTaskResult.objects.filter(id=task_result_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="nahraum.jobs.reaper.WorkerLost",
        traceback="The worker running this task stopped sending its heartbeat.",
    )


def give_back(job: Job, *, check_beat: bool = True) -> bool:
    """A running job whose worker is gone: queue it again while attempts remain, else fail it
    with the reason; the queue's stuck row is marked failed. False if someone else was faster
    (or, with ``check_beat``, the job showed a sign of life meanwhile)."""
    from .services import enqueue

    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        mine = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING)
        if check_beat:
            mine = mine.filter(heartbeat_at=job.heartbeat_at)
        if job.attempts < job.max_attempts:
            if not mine.update(
                state=Job.State.QUEUED,
                message=_("New attempt after the worker process stopped"),
                worker="",
                heartbeat_at=None,
                started_at=None,
            ):
                return False
            _fail_task_row(job.task_result_id)
            job.refresh_from_db()
            enqueue(job)
            logger.warning("job %s lost its worker; attempt %s queued", job.pk, job.attempts + 1)
            return True
        reason = _(
            "The worker process ended before the job was finished (attempt %(attempt)s of %(max)s)"
        ) % {"attempt": job.attempts, "max": job.max_attempts}
        if not mine.update(state=Job.State.FAILED, error=reason, finished_at=timezone.now()):
            return False
        _fail_task_row(job.task_result_id)
        logger.warning("job %s lost its worker; failed after %s attempts", job.pk, job.attempts)
        return True


def reap(stale_after: float | None = None) -> list[uuid.UUID]:
    """Retry or fail every running job silent for ``stale_after`` seconds; return their ids."""
    limit = timezone.now() - dt.timedelta(seconds=stale_after or stale_seconds())
    silent = Job.objects.filter(state=Job.State.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    # A worker silent that long is gone (a live one writes its row again at its next beat).
    WorkerBeat.objects.filter(beat_at__lt=limit).delete()
    return [job.pk for job in silent if not _still_running_here(job.worker) and give_back(job)]
