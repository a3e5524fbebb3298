"""Staff pages of the strategy: the forms that carry a workshop's proposal into a measure and
follow it up (edit, indicator targets, projects with milestones, dated status changes).

Signed-out visitors are sent to the login first (login_required); signed-in people without the
permission get 403. Which permission is asked is declared in strategy/rules.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nahraum.accounts.permissions import permission_required

from .. import indicators, selectors
from ..forms import (
    DeriveMeasureForm,
    MeasureForm,
    MilestoneFormSet,
    ProjectForm,
    StatusForm,
    TargetForm,
)
from ..models import Measure, Project
from ..services import attach_target, change_status, derive_measure, save_project


def _measure(request: HttpRequest, pk: int) -> Measure:
    return get_object_or_404(Measure, pk=pk)


def _project(request: HttpRequest, project_pk: int) -> Project:
    return get_object_or_404(selectors.project_with_measure(), pk=project_pk)


def _status_subject(request: HttpRequest, kind: str, pk: int) -> Measure | Project:
    model = {"measure": Measure, "project": Project}.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk)


@login_required
@permission_required("strategy.manage")
def manage(request: HttpRequest) -> HttpResponse:
    """Staff start page: proposals from workshops not yet carried into a measure."""
    proposals = selectors.proposals_newest_first()
    measures = selectors.measures_changeable_by(request.user)
    return render(request, "strategy/manage.html", {"proposals": proposals, "measures": measures})


@login_required
@permission_required("strategy.derive_measure")
@require_http_methods(["GET", "POST"])
def derive(request: HttpRequest, proposal_pk: int) -> HttpResponse:
    """Make a measure draft from a workshop's proposed measure (keeps the link)."""
    proposal = get_object_or_404(selectors.proposals_with_workshop(), pk=proposal_pk)
    form = DeriveMeasureForm(request.POST or None, proposal=proposal, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measure = derive_measure(
                proposal,
                data["goal"],
                user=request.user,
                title=data["title"],
                description=data["description"],
                municipality_id=data["municipality"].pk if data["municipality"] else None,
                quick_win=data["quick_win"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Measure draft “%(title)s” created.") % {"title": measure})
            return redirect("strategy:measure", pk=measure.pk)
    return render(
        request,
        "strategy/derive.html",
        {"form": form, "proposal": proposal},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("strategy.change_measure", obj=_measure)
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a measure; the responsible municipality may only be one the user may act for."""
    measure = _measure(request, pk)
    form = MeasureForm(request.POST or None, instance=measure, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Measure “%(title)s” saved.") % {"title": measure})
        return redirect("strategy:measure", pk=measure.pk)
    return render(
        request,
        "strategy/measure_form.html",
        {"form": form, "measure": measure},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("strategy.add_target", obj=_measure)
@require_http_methods(["GET", "POST"])
def target_add(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _measure(request, pk)
    run = indicators.current_run()
    form = TargetForm(request.POST or None, run=run)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            spec = data["indicator"]
            attach_target(
                measure,
                spec,
                target_value=indicators.from_display(spec["metric"], data["target_value"]),
                target_date=data["target_date"],
                label=data["label"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error("indicator", exc)
        else:
            messages.success(request, _("Indicator target attached."))
            return redirect("strategy:measure", pk=measure.pk)
    return render(
        request,
        "strategy/target_form.html",
        {"form": form, "measure": measure, "run": run},
        status=400 if form.errors else 200,
    )


def _project_form(request: HttpRequest, measure: Measure, project: Project | None) -> HttpResponse:
    """Add a project with milestones to a measure, or edit one (all or nothing)."""
    form = ProjectForm(request.POST or None, instance=project, user=request.user, measure=measure)
    formset = MilestoneFormSet(
        request.POST or None, instance=project or Project(measure=measure), prefix="milestones"
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():

        def save_milestones(saved: Project) -> None:
            formset.instance = saved
            formset.save()

        project = save_project(
            form.save(commit=False),
            measure=measure,
            user=request.user,
            save_milestones=save_milestones,
        )
        messages.success(request, _("Project “%(title)s” saved.") % {"title": project})
        return redirect(reverse("strategy:measure", args=[measure.pk]) + f"#project-{project.pk}")
    return render(
        request,
        "strategy/project_form.html",
        {"form": form, "formset": formset, "measure": measure, "project": project},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@permission_required("strategy.add_project", obj=_measure)
@require_http_methods(["GET", "POST"])
def project_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_form(request, _measure(request, pk), None)


@login_required
@permission_required("strategy.change_project", obj=_project)
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = _project(request, project_pk)
    return _project_form(request, project.measure, project)


@login_required
@permission_required("strategy.add_statuschange", obj=_status_subject)
@require_http_methods(["GET", "POST"])
def status_change(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Append a dated status to a measure's or project's history."""
    obj = _status_subject(request, kind, pk)
    measure_pk = obj.pk if kind == "measure" else obj.measure_id
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change_status(obj, data["status"], user=request.user, date=data["date"], note=data["note"])
        if obj.status != data["status"]:
            messages.warning(
                request, _("Recorded in the history; a later-dated entry stays the current status.")
            )
        messages.success(
            request,
            _("Status of “%(title)s” is now: %(status)s.")
            % {"title": obj, "status": obj.get_status_display()},
        )
        anchor = f"#project-{obj.pk}" if kind == "project" else "#history"
        return redirect(reverse("strategy:measure", args=[measure_pk]) + anchor)
    return render(
        request,
        "strategy/status_form.html",
        {"form": form, "obj": obj, "kind": kind, "measure_pk": measure_pk},
        status=400 if form.errors else 200,
    )
