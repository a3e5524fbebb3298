"""Public pages of the strategy: overview, measures, timeline, maps, network, exports, reports."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from .. import exports, indicators, selectors, specs
from ..forms import StatusForm
from ..models import Measure, Status
from ..progress import target_progress
from ..timeline import build_timeline
from ..tree import annotate_measure, by_municipality, load_tree


def overview(request: HttpRequest, field_key: str | None = None) -> HttpResponse:
    """Vision, motto and the tree field → goal → measure → project, with progress."""
    if field_key is not None:
        selectors.innovation_field_or_404(field_key)
    nodes = load_tree(field_key)
    all_nodes = nodes if field_key is None else load_tree()
    return render(
        request,
        "strategy/overview.html",
        {
            "vision": selectors.vision(),
            "nodes": nodes,
            "field_nodes": all_nodes,
            "municipality_rows": by_municipality(all_nodes),
            "progress_chart": specs.progress_chart(all_nodes),
            "selected_field": field_key,
            "sources": selectors.strategy_sources(),
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
    measure = get_object_or_404(selectors.measure_with_details(), pk=pk)
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
            "sources": selectors.strategy_sources(),
        },
    )


def timeline(request: HttpRequest) -> HttpResponse:
    """Gantt-style chart of projects and milestones (SVG drawn on the server, plus a table)."""
    projects = list(selectors.projects_for_timeline())
    return render(
        request,
        "strategy/timeline.html",
        {
            "chart": build_timeline(projects, today=dt.date.today()),
            "projects": projects,
            "sources": selectors.strategy_sources(),
        },
    )


def measures_map(request: HttpRequest) -> HttpResponse:
    """Measures and projects that have a place, on a map and in a table."""
    measures = list(selectors.placed_measures())
    projects = list(selectors.placed_projects())
    features = [specs.measure_feature(m) for m in measures]
    features += [specs.project_feature(p) for p in projects]
    return render(
        request,
        "strategy/map.html",
        {
            "measures": measures,
            "projects": projects,
            "map_spec": specs.fields_points_map(_("Map of the measures and projects"), features),
            "sources": selectors.strategy_sources(),
        },
    )


def innovation_map(request: HttpRequest) -> HttpResponse:
    """Innovationslandkarte: the region's digital offers and digital projects, by field."""
    offers = list(selectors.digital_offers())
    projects = list(selectors.digital_projects())
    selected = request.GET.get("field") or ""
    if selected:
        selectors.innovation_field_or_404(selected)
        offers = [o for o in offers if o.field.key == selected]
        projects = [p for p in projects if p.measure.goal.field.key == selected]
    features = [specs.offer_feature(o) for o in offers if o.lat is not None]
    features += [specs.project_feature(p) for p in projects if p.lat is not None]
    fields = list(selectors.innovation_fields())
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
            "sources": selectors.strategy_sources(),
        },
    )


def network(request: HttpRequest) -> HttpResponse:
    """Actors with their roles, and the partnerships that cross the municipal border."""
    return render(
        request,
        "strategy/network.html",
        {
            "actors": list(selectors.actors_with_involvements()),
            "cross": selectors.cross_border_partnerships(),
            "sources": selectors.strategy_sources(),
        },
    )


def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exports.tree_csv(load_tree()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="nahraum-strategie.csv"'
    return response


def export_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.tree_json(load_tree(), selectors.vision()),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="nahraum-strategie.json"'
    return response


def _report_context(field_key: str | None) -> dict:
    if field_key is not None:
        selectors.innovation_field_or_404(field_key)
    nodes = load_tree(field_key)
    for node in nodes:
        for goal in node.goals:
            for measure in goal.measures.all():
                measure.target_rows = _target_rows(measure)
    projects = [p for node in nodes for m in node.measures for p in m.projects.all()]
    return {
        "vision": selectors.vision(),
        "nodes": nodes,
        "chart": build_timeline(projects, today=dt.date.today()),
        "municipality_rows": by_municipality(nodes),
        "field_key": field_key,
        "today": dt.date.today(),
        "sources": selectors.strategy_sources(),
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
