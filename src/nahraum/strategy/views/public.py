"""Public pages of the strategy: overview, measures, timeline, maps, network, exports, reports."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from nahraum.region.models import DataSource, InnovationField

from .. import exports, indicators, specs
from ..forms import StatusForm
from ..models import Actor, DigitalOffer, Involvement, Measure, Project, Status, Vision
from ..progress import target_progress
from ..timeline import build_timeline
from ..tree import annotate_measure, by_municipality, load_tree


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
    return render(
        request,
        "strategy/overview.html",
        {
            "vision": _vision(),
            "nodes": nodes,
            "field_nodes": all_nodes,
            "municipality_rows": by_municipality(all_nodes),
            "progress_chart": specs.progress_chart(all_nodes),
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
                "chart": specs.target_chart(target, points),
                "chart_id": f"target-spec-{target.pk}",
            }
        )
    return rows


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
            "map_spec": specs.measure_map(measure),
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
    features = [specs.measure_feature(m) for m in measures]
    features += [specs.project_feature(p) for p in projects]
    return render(
        request,
        "strategy/map.html",
        {
            "measures": measures,
            "projects": projects,
            "map_spec": specs.fields_points_map(_("Map of the measures and projects"), features),
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
    features = [specs.offer_feature(o) for o in offers if o.lat is not None]
    features += [specs.project_feature(p) for p in projects if p.lat is not None]
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
            "map_spec": specs.fields_points_map(
                _("Innovationslandkarte: digital offers and projects"), features
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
