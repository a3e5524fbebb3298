"""Public pages of the strategy: overview, measures, timeline, maps, network, exports, reports."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from nahraum.region.cachever import public_page

from .. import exports, reports, selectors, specs
from ..forms import StatusForm
from ..models import Status
from ..timeline import build_timeline
from ..tree import annotate_measure, by_municipality, load_tree


@public_page(scopes=("data", "participation"))
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


@public_page(scopes=("data", "participation"))
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
            "target_rows": reports.target_rows(measure),
            "budget_planned": budget_planned,
            "budget_spent": budget_spent,
            "ideas": ideas,
            "status_form": StatusForm() if may_add_status else None,
            "map_spec": specs.measure_map(measure),
            "sources": selectors.strategy_sources(),
        },
    )


@public_page(scopes=("data", "participation"))
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


@public_page(scopes=("data", "participation"))
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


@public_page(scopes=("data", "participation"))
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


@public_page(scopes=("data", "participation"))
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


def report(request: HttpRequest, field_key: str | None = None) -> HttpResponse:
    """Printable report (print stylesheet) of one field or the whole strategy."""
    return render(request, "strategy/report.html", reports.report_context(field_key))


def report_pdf(request: HttpRequest, field_key: str | None = None) -> HttpResponse:
    """The same report as PDF, for council sessions: rendered once per content in a job.

    A finished PDF of exactly this content (field, language, report HTML) is handed to
    everybody; otherwise a job renders it and its page shows the progress, then the download.
    """
    from nahraum.jobs.services import job_url, start_job

    from ..jobs import REPORT_PDF

    params = {
        "field": field_key,
        "language": request.LANGUAGE_CODE,
        "version": reports.current_version(field_key),  # 404 for an unknown field
    }
    job = selectors.rendered_report(params)
    if job is None:
        if request.session.session_key is None:
            request.session.save()
        start = {"user": request.user, "session_key": request.session.session_key}
        job = start_job(REPORT_PDF, params, **start)  # a double click: the same job
        if job.state == job.State.DONE and selectors.report_pdf_job(job.pk) is None:
            job = start_job(REPORT_PDF, params, reuse=False, **start)  # its file is gone
    if job.state == job.State.DONE:
        return redirect("strategy:report_pdf_file", job=job.pk)
    return redirect(job_url(job))


def report_pdf_file(request: HttpRequest, job: uuid.UUID) -> FileResponse:
    """A rendered report PDF: public like the report (its id comes from the page above)."""
    found = selectors.report_pdf_job(job)
    if found is None:
        raise Http404(_("No such report."))
    field_key = found.params.get("field")
    name = f"nahraum-strategie-{field_key}.pdf" if field_key else "nahraum-strategie.pdf"
    return FileResponse(
        open(reports.pdf_path(found.pk), "rb"),  # noqa: SIM115  (FileResponse closes it)
        content_type="application/pdf",
        as_attachment=False,
        filename=name,
    )
