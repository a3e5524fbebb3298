"""Running one job: the state machine queued → running → done | failed | cancelled.

The runner marks a job done only after its kind's function returned; the kind writes its own
results in one transaction, so a cancelled or failed job leaves no result behind. Readable
failures (``ValidationError``, ``ValueError``) are shown as they are; anything else is logged with
its traceback and shown as a generic message with a reference id the office can look up.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import heartbeat
from .models import Job
from .registry import JobCancelled, JobContext, ProgressReporter, get_kind

logger = logging.getLogger("nahraum.jobs")


class JobFailed(Exception):
    """Raised after a failure is recorded, so that the queue's own row says FAILED as well."""


def worker_ident() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def direct_writer(job_id: uuid.UUID):
    """Progress writes on the calling thread's connection; returns whether cancel was asked."""

    def write(done: float, total: float, message: str) -> bool:
        Job.objects.filter(pk=job_id).update(
            progress_done=done,
            progress_total=total,
            message=message[:500],
            heartbeat_at=timezone.now(),
        )
        return Job.objects.filter(pk=job_id, cancel_requested=True).exists()

    return write


def _claim(job_id: str) -> Job | None:
    """queued → running, atomically (one worker wins); a queued job with a cancel request ends."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED, cancel_requested=False).update(
        state=Job.State.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        worker=worker_ident(),
    )
    if not claimed:
        Job.objects.filter(pk=job_id, state=Job.State.QUEUED, cancel_requested=True).update(
            state=Job.State.CANCELLED, finished_at=now
        )
        return None
    return Job.objects.get(pk=job_id)


def _finish(job: Job, state: str, **fields) -> None:
    Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
        state=state, finished_at=timezone.now(), **fields
    )


def run(job_id: str) -> str:
    """Run the job ``job_id`` if it is still queued; return the state it ended in."""
    job = _claim(job_id)
    if job is None:
        current = Job.objects.filter(pk=job_id).values_list("state", flat=True).first()
        logger.info("job %s not run: state %s", job_id, current)
        return current or "missing"
    with translation.override(settings.LANGUAGE_CODE):
        return _run_claimed(job)


def _run_claimed(job: Job) -> str:
    try:
        kind = get_kind(job.kind)
    except LookupError as exc:
        # Registered in the web process but not here: the worker runs other code (an old
        # release, an app missing from its settings). Readable, and logged for the operator.
        logger.error("job %s: kind %s is not registered in this worker", job.pk, job.kind)
        _finish(
            job,
            Job.State.FAILED,
            error=_("This kind of job (%(kind)s) is unknown to the worker process.")
            % {"kind": job.kind},
        )
        raise JobFailed(str(job.pk)) from exc
    live = heartbeat.active()
    reporter = ProgressReporter(None if live is not None else direct_writer(job.pk))
    ctx = JobContext(job_id=job.pk, params=job.params, user_id=job.created_by_id, reporter=reporter)
    if live is not None:
        live.attach(job.pk, reporter)
    try:
        result = kind.func(ctx)
        result = json.loads(json.dumps(result if result is not None else {}))
    except JobCancelled:
        _finish(job, Job.State.CANCELLED, cancel_requested=True, message=_("Cancelled on request."))
        return Job.State.CANCELLED
    except (ValidationError, ValueError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        _finish(job, Job.State.FAILED, error=" ".join(str(m) for m in messages))
        raise JobFailed(str(job.pk)) from exc
    except Exception as exc:
        reference = uuid.uuid4().hex[:8]
        logger.exception("job %s (%s) failed, reference %s", job.pk, job.kind, reference)
        _finish(
            job,
            Job.State.FAILED,
            error=_(
                "The job stopped because of an internal error. Please try again later or tell "
                "the project office the reference %(reference)s."
            )
            % {"reference": reference},
        )
        raise JobFailed(str(job.pk)) from exc
    except BaseException:
        # The worker is being stopped (a second Ctrl-C, SystemExit): the kind's transaction is
        # rolled back, so the job goes back to the queue now instead of waiting for the reaper.
        from .reaper import give_back

        give_back(job, check_beat=False)
        raise
    finally:
        if live is not None:
            live.detach()
    last = reporter.last
    total = last[1] if last and last[1] > 0 else 1.0
    message = last[2] if last else ""
    _finish(
        job,
        Job.State.DONE,
        result=result,
        progress_done=total,
        progress_total=total,
        message=message[:500],
    )
    return Job.State.DONE
