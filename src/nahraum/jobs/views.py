"""Job pages: progress (HTML for people, JSON for the page's script), cancel, and the staff list."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from nahraum.accounts.permissions import permission_required, require

from . import presenters, selectors
from .models import Job
from .rules import session_started
from .services import cancel_job


def _job(request: HttpRequest, pk, perm: str) -> Job:
    """The job, if the request may ``perm`` it: its starter (account or session) or staff."""
    job = selectors.get_job(pk)
    if job is None:
        raise Http404
    if not session_started(job, request.session.session_key):
        require(request, perm, job)
    return job


@require_GET
def detail(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk, "jobs.view_job")
    context = presenters.detail_context(request, job)
    return render(request, "jobs/detail.html", context)


@never_cache
@require_GET
def status(request: HttpRequest, pk) -> JsonResponse:
    job = _job(request, pk, "jobs.view_job")
    return JsonResponse(presenters.status(job))


@require_POST
def cancel(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk, "jobs.cancel_job")
    cancel_job(job, by=request.user if request.user.is_authenticated else None)
    return redirect("jobs:detail", pk=job.pk)


@permission_required("jobs.list_jobs")
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = [presenters.row(job) for job in selectors.recent_jobs()]
    return render(request, "jobs/list.html", {"jobs": jobs})
