"""Pages of the strategy: public overview, measures, timeline, maps, network, exports, reports;
and the staff forms that carry a workshop's proposal into a measure and follow it up.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nahraum.accounts.permissions import permission_required
from nahraum.participation.models import ProposedMeasure
from nahraum.region.models import DataSource, InnovationField

from . import exports, indicators
from .forms import (
    DeriveMeasureForm,
    MeasureForm,
    MilestoneFormSet,
    ProjectForm,
    StatusForm,
    TargetForm,
)
from .models import (
    Actor,
    DigitalOffer,
    IndicatorTarget,
    Involvement,
    Measure,
    Project,
    Status,
    Vision,
)
from .progress import target_progress
from .services import attach_target, change_status, derive_measure, save_project
from .timeline import build_timeline
from .tree import annotate_measure, by_municipality, load_tree


def _vision() -> Vision | None:
    return Vision.objects.select_related("source", "region").order_by("pk").first()


def _sources(*, illustrative_too: bool = True) -> list[DataSource]:
    """Where the strategy's content comes from: the profile and, if loaded, the examples."""
    keys = set(Vision.objects.exclude(source=None).values_list("source_id", flat=True))
    found = list(DataSource.objects.filter(pk__in=keys))
    if illustrative_too:
        found += list(DataSource.objects.filter(key__startswith="strategy-").exclude(pk__in=keys))
    return found


def _field_or_404(key: str) -> InnovationField:
    try:
        return InnovationField.objects.get(key=key)
    except InnovationField.DoesNotExist:
        raise Http404(_("Unknown innovation field “%(key)s”.") % {"key": key}) from None


def overview(request: HttpRequest, field_key: str | None = None) -> HttpResponse:
    """Vision, motto and the tree field → goal → measure → project, with progress."""
    if field_key is not None:
        _field_or_404(field_key)
    nodes = load_tree(field_key)
    all_nodes = nodes if field_key is None else load_tree()
    chart = {
        "type": "bar",
        "data": {
            "labels": [n.field.name for n in all_nodes],
            "datasets": [
                {"label": _("Progress (%)"), "data": [round(n.progress or 0, 1) for n in all_nodes]}
            ],
        },
        "options": {"yLabel": _("Progress (%)"), "unit": "%", "horizontal": True},
    }
    return render(
        request,
        "strategy/overview.html",
        {
            "vision": _vision(),
            "nodes": nodes,
            "field_nodes": all_nodes,
            "municipality_rows": by_municipality(all_nodes),
            "progress_chart": chart,
            "selected_field": field_key,
            "sources": _sources(),
        },
    )


def _target_rows(measure: Measure) -> list[dict]:
    """Baseline, latest value, target and the series per run, in display units (shares as %)."""
    rows = []
    for target in measure.targets.all():
        spec = target.spec
        metric = target.metric
        points = indicators.series(spec)
        for point in points:
            point.display = indicators.to_display(metric, point.value)
        run, latest = indicators.latest(spec)
        latest_value = latest.value if latest is not None else None
        rows.append(
            {
                "target": target,
                "unit": indicators.unit(metric),
                "baseline": indicators.to_display(metric, target.baseline_value),
                "target_display": indicators.to_display(metric, target.target_value),
                "points": points,
                "latest_run": run,
                "latest": latest,
                "latest_value": indicators.to_display(metric, latest_value),
                "progress": target_progress(
                    target.baseline_value, target.target_value, latest_value
                ),
                "chart": _target_chart(target, points),
                "chart_id": f"target-spec-{target.pk}",
            }
        )
    return rows


def _target_chart(target: IndicatorTarget, points: list) -> dict:
    """Measured values per run and the straight path from the baseline to the target."""
    metric = target.metric
    dates = sorted({p.date for p in points} | {target.target_date})
    by_date = {p.date: indicators.to_display(metric, p.value) for p in points}
    base_date = (
        (target.baseline_run.finished or target.baseline_run.started).date()
        if target.baseline_run
        else (dates[0] if dates else target.target_date)
    )
    baseline = indicators.to_display(metric, target.baseline_value)
    goal = indicators.to_display(metric, target.target_value)
    path = []
    for d in dates:
        if baseline is None or d < base_date:
            path.append(None)
        elif target.target_date == base_date:
            path.append(goal)
        else:
            share = min(1.0, (d - base_date).days / (target.target_date - base_date).days)
            path.append(round(baseline + share * (goal - baseline), 2))
    return {
        "type": "line",
        "data": {
            "labels": [d.isoformat() for d in dates],
            "datasets": [
                {
                    "label": _("measured"),
                    "data": [
                        None if by_date.get(d) is None else round(by_date[d], 2) for d in dates
                    ],
                },
                {"label": _("path to the target"), "data": path},
            ],
        },
        "options": {
            "xLabel": _("date of the analysis run"),
            "yLabel": _(indicators.METRIC_LABELS.get(metric, metric)),
            "unit": indicators.unit(metric),
        },
    }


def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(
        Measure.objects.select_related("goal__field", "municipality").prefetch_related(
            "projects__milestones",
            "projects__history",
            "projects__involvements__actor",
            "history",
            "targets",
            "proposed_measures__result__workshop",
            "workshop_results__workshop",
            "ideas",
            "groups",
            "involvements__actor",
        ),
        pk=pk,
    )
    annotate_measure(measure)
    projects = list(measure.projects.all())
    budget_planned = sum(p.budget_planned for p in projects if p.status != Status.DROPPED)
    budget_spent = sum(p.budget_spent for p in projects if p.status != Status.DROPPED)
    may_add_status = request.user.has_perm("strategy.add_statuschange", measure)
    ideas = [i for i in measure.ideas.all() if not i.is_hidden]
    point = None
    if measure.lat is not None:
        point = _points_map_spec(
            _("Where the measure takes place"),
            [_feature(measure.lat, measure.lon, measure.title, "measure", None)],
            [{"key": "measure", "label": _("Measure"), "colour": "#0b5d7a"}],
        )
    return render(
        request,
        "strategy/measure_detail.html",
        {
            "measure": measure,
            "projects": projects,
            "target_rows": _target_rows(measure),
            "budget_planned": budget_planned,
            "budget_spent": budget_spent,
            "ideas": ideas,
            "status_form": StatusForm() if may_add_status else None,
            "map_spec": point,
            "sources": _sources(),
        },
    )


def timeline(request: HttpRequest) -> HttpResponse:
    """Gantt-style chart of projects and milestones (SVG drawn on the server, plus a table)."""
    projects = list(
        Project.objects.select_related("measure__goal__field", "municipality")
        .prefetch_related("milestones")
        .order_by("measure__goal__field__order", "planned_start", "pk")
    )
    return render(
        request,
        "strategy/timeline.html",
        {
            "chart": build_timeline(projects, today=dt.date.today()),
            "projects": projects,
            "sources": _sources(),
        },
    )


def _feature(lat, lon, name, category, url, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": name, "field": category, "url": url, **props},
    }


def _points_map_spec(label: str, features: list, categories: list) -> dict:
    return {
        "tileUrl": settings.NAHRAUM_TILE_URL,
        "attribution": settings.NAHRAUM_TILE_ATTRIBUTION,
        "label": label,
        "center": [52.07, 8.95],
        "zoom": 11,
        "layers": [
            {
                "type": "points",
                "data": {"type": "FeatureCollection", "features": features},
                "category": "field",
                "categories": categories,
                "fields": [
                    {"key": "kind", "label": _("kind")},
                    {"key": "status", "label": _("status")},
                ],
            }
        ],
    }


def _field_categories() -> list[dict]:
    return [
        {"key": f.key, "label": f.name, "colour": f.colour}
        for f in InnovationField.objects.order_by("order")
    ]


def measures_map(request: HttpRequest) -> HttpResponse:
    """Measures and projects that have a place, on a map and in a table."""
    measures = list(
        Measure.objects.select_related("goal__field", "municipality").filter(lat__isnull=False)
    )
    projects = list(
        Project.objects.select_related("measure__goal__field", "municipality").filter(
            lat__isnull=False
        )
    )
    features = [
        _feature(
            m.lat,
            m.lon,
            m.title,
            m.goal.field.key,
            reverse("strategy:measure", args=[m.pk]),
            kind=_("measure"),
            status=m.get_status_display(),
            is_estimate=m.is_illustrative,
        )
        for m in measures
    ] + [
        _feature(
            p.lat,
            p.lon,
            p.title,
            p.measure.goal.field.key,
            reverse("strategy:measure", args=[p.measure_id]) + f"#project-{p.pk}",
            kind=_("project"),
            status=p.get_status_display(),
            is_estimate=p.is_illustrative,
        )
        for p in projects
    ]
    return render(
        request,
        "strategy/map.html",
        {
            "measures": measures,
            "projects": projects,
            "map_spec": _points_map_spec(
                _("Map of the measures and projects"), features, _field_categories()
            ),
            "sources": _sources(),
        },
    )


def innovation_map(request: HttpRequest) -> HttpResponse:
    """Innovationslandkarte: the region's digital offers and digital projects, by field."""
    offers = list(
        DigitalOffer.objects.select_related("field", "municipality", "provider", "project")
    )
    projects = list(
        Project.objects.filter(is_digital_offer=True).select_related(
            "measure__goal__field", "municipality"
        )
    )
    selected = request.GET.get("field") or ""
    if selected:
        _field_or_404(selected)
        offers = [o for o in offers if o.field.key == selected]
        projects = [p for p in projects if p.measure.goal.field.key == selected]
    features = [
        _feature(
            o.lat,
            o.lon,
            o.title,
            o.field.key,
            o.url or None,
            kind=_("digital offer"),
            status="",
            is_estimate=o.is_illustrative,
        )
        for o in offers
        if o.lat is not None
    ] + [
        _feature(
            p.lat,
            p.lon,
            p.title,
            p.measure.goal.field.key,
            reverse("strategy:measure", args=[p.measure_id]) + f"#project-{p.pk}",
            kind=_("project"),
            status=p.get_status_display(),
            is_estimate=p.is_illustrative,
        )
        for p in projects
        if p.lat is not None
    ]
    fields = list(InnovationField.objects.order_by("order"))
    groups = []
    for f in fields:
        fo = [o for o in offers if o.field_id == f.pk]
        fp = [p for p in projects if p.measure.goal.field_id == f.pk]
        if fo or fp:
            groups.append({"field": f, "offers": fo, "projects": fp})
    return render(
        request,
        "strategy/innovation_map.html",
        {
            "groups": groups,
            "fields": fields,
            "selected": selected,
            "map_spec": _points_map_spec(
                _("Innovationslandkarte: digital offers and projects"),
                features,
                _field_categories(),
            ),
            "sources": _sources(),
        },
    )


def network(request: HttpRequest) -> HttpResponse:
    """Actors with their roles, and the partnerships that cross the municipal border."""
    actors = list(
        Actor.objects.select_related("municipality").prefetch_related(
            "involvements__measure", "involvements__project__measure", "involvements__workshop"
        )
    )
    cross = []
    for inv in Involvement.objects.select_related(
        "actor__municipality",
        "measure__municipality",
        "project__municipality",
        "workshop__municipality",
    ):
        subject = inv.subject
        subject_muni = getattr(subject, "municipality", None)
        actor_muni = inv.actor.municipality
        if actor_muni is not None and (subject_muni is None or subject_muni.pk != actor_muni.pk):
            cross.append({"involvement": inv, "subject": subject, "subject_muni": subject_muni})
    return render(
        request,
        "strategy/network.html",
        {
            "actors": actors,
            "cross": cross,
            "sources": _sources(),
        },
    )


def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exports.tree_csv(load_tree()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="nahraum-strategie.csv"'
    return response


def export_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.tree_json(load_tree(), _vision()), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="nahraum-strategie.json"'
    return response


def _report_context(field_key: str | None) -> dict:
    if field_key is not None:
        _field_or_404(field_key)
    nodes = load_tree(field_key)
    for node in nodes:
        for goal in node.goals:
            for measure in goal.measures.all():
                measure.target_rows = _target_rows(measure)
    projects = [p for node in nodes for m in node.measures for p in m.projects.all()]
    return {
        "vision": _vision(),
        "nodes": nodes,
        "chart": build_timeline(projects, today=dt.date.today()),
        "municipality_rows": by_municipality(nodes),
        "field_key": field_key,
        "today": dt.date.today(),
        "sources": _sources(),
    }


def report(request: HttpRequest, field_key: str | None = None) -> HttpResponse:
    """Printable report (print stylesheet) of one field or the whole strategy."""
    return render(request, "strategy/report.html", _report_context(field_key))


def report_pdf(request: HttpRequest, field_key: str | None = None) -> HttpResponse:
    """The same report as PDF, rendered by WeasyPrint for council sessions."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(
        "strategy/report.html", {**_report_context(field_key), "pdf": True}, request=request
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"nahraum-strategie-{field_key}.pdf" if field_key else "nahraum-strategie.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- staff ---------------------------------------------------------------------------------------
# Signed-out visitors are sent to the login first (login_required); signed-in people without the
# permission get 403. Which permission is asked is declared in strategy/rules.py.


def _measure(request: HttpRequest, pk: int) -> Measure:
    return get_object_or_404(Measure, pk=pk)


def _project(request: HttpRequest, project_pk: int) -> Project:
    return get_object_or_404(Project.objects.select_related("measure"), pk=project_pk)


def _status_subject(request: HttpRequest, kind: str, pk: int) -> Measure | Project:
    model = {"measure": Measure, "project": Project}.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk)


@login_required
@permission_required("strategy.manage")
def manage(request: HttpRequest) -> HttpResponse:
    """Staff start page: proposals from workshops not yet carried into a measure."""
    proposals = (
        ProposedMeasure.objects.select_related("result__workshop", "field", "municipality")
        .prefetch_related("strategy_measures")
        .order_by("-created_at")
    )
    measures = [
        m
        for m in Measure.objects.select_related("municipality", "goal__field")
        if request.user.has_perm("strategy.change_measure", m)
    ]
    return render(request, "strategy/manage.html", {"proposals": proposals, "measures": measures})


@login_required
@permission_required("strategy.derive_measure")
@require_http_methods(["GET", "POST"])
def derive(request: HttpRequest, proposal_pk: int) -> HttpResponse:
    """Make a measure draft from a workshop's proposed measure (keeps the link)."""
    proposal = get_object_or_404(
        ProposedMeasure.objects.select_related("result__workshop", "field"), pk=proposal_pk
    )
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
