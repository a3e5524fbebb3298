"""Queries of the jobs app: the reuse lookup, lists, and whether a worker is alive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import Job, WorkerBeat

#: A job done this recently answers an identical request (unless a newer job of its kind ran).
REUSE_DONE_WITHIN = dt.timedelta(minutes=10)


def reusable_job(kind: str, params_key: str, *, user: Any, session_key: str | None) -> Job | None:
    """The job an identical request (kind, params, same starter) can reuse, or None.

    Reused: the newest identical job if it is queued or running, or done within
    :data:`REUSE_DONE_WITHIN` with no job of the same kind started after it (which may have
    changed what it computed on). Anonymous starters without a session never reuse.
    """
    same = Job.objects.filter(kind=kind, params_key=params_key)
    if user is not None:
        same = same.filter(created_by=user)
    elif session_key:
        same = same.filter(created_by=None, session_key=session_key)
    else:
        return None
    latest = same.order_by("-created_at").first()
    if latest is None:
        return None
    if latest.state in (Job.State.QUEUED, Job.State.RUNNING):
        return latest
    if (
        latest.state == Job.State.DONE
        and latest.finished_at is not None
        and latest.finished_at >= timezone.now() - REUSE_DONE_WITHIN
        and not Job.objects.filter(kind=kind, created_at__gt=latest.created_at).exists()
    ):
        return latest
    return None


def recent_jobs(limit: int = 100) -> QuerySet[Job]:
    return Job.objects.select_related("created_by").order_by("-created_at")[:limit]


def get_job(job_id: Any) -> Job | None:
    return Job.objects.select_related("created_by").filter(pk=job_id).first()


def worker_alive(max_age_s: int = 60) -> bool:
    """Whether any worker beat within the last ``max_age_s`` seconds (for /healthz)."""
    since = timezone.now() - dt.timedelta(seconds=max_age_s)
    return WorkerBeat.objects.filter(beat_at__gte=since).exists()
