"""What the job pages and the JSON endpoint show: the same figures for browser and script."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Job
from .registry import describe_step, kind_label
from .rules import session_started


def result_url(job: Job) -> str:
    """Where the browser goes when the job is done: a local path from the result, or ''."""
    if job.state != Job.State.DONE or not isinstance(job.result, dict):
        return ""
    url = str(job.result.get("url") or "")
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def status(job: Job) -> dict[str, Any]:
    """The job's state as the page's script reads it every second."""
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "label": str(kind_label(job.kind)),
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "finished": job.is_finished,
        "percent": job.percent,
        "done": job.progress_done,
        "total": job.progress_total,
        "message": describe_step(job.message),
        "error": job.error if job.state == Job.State.FAILED else "",
        "cancel_requested": job.cancel_requested,
        "url": result_url(job),
    }


def may_cancel(request: HttpRequest, job: Job) -> bool:
    if job.is_finished or job.cancel_requested:
        return False
    return session_started(job, request.session.session_key) or request.user.has_perm(
        "jobs.cancel_job", job
    )


def detail_context(request: HttpRequest, job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "job_label": kind_label(job.kind),
        "status": status(job),
        "status_url": reverse("jobs:status", args=[job.pk]),
        "may_cancel": may_cancel(request, job),
    }


def row(job: Job) -> dict[str, Any]:
    return {"job": job, "label": kind_label(job.kind), "url": reverse("jobs:detail", args=[job.pk])}
