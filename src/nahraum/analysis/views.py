"""Supply pages: overview, one page per district and per facility type, and the JSON endpoints.

Every page shows one set of figures three ways — a map, a sortable table and a chart — with the
run, its data sources and their dates underneath, and the estimate badge when any input is
illustrative. The views only put together what the other layers give: query parameters are
validated by :mod:`.forms` (a bad one is a 400 naming it), figures come from :mod:`.selectors`
(the per-cell arrays decoded once per request by :class:`~.selectors.RunCells`), map and chart
specs from :mod:`.specs`. Drawing is done by the shared ``nahraum/map.js`` and
``nahraum/charts.js`` and by ``analysis/analysis.js`` (sorting, isochrone on click).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.region.cachever import (
    CACHE_HEADER,
    PAGE_TIMEOUT,
    cache_key,
    data_version,
    public_page,
)
from nahraum.region.metrics import metric_label, mode_label
from nahraum.region.models import Region
from nahraum.region.ratelimit import budget, too_many_requests
from nahraum.region.selectors import (
    current_region,
    districts,
    facility_types,
    norms_of,
    region_districts,
    region_sources,
)

from . import selectors, specs
from .forms import IndicatorQueryForm, IsochroneForm, SelectionForm, first_error
from .isochrones import NoIsochrone, isochrone_features
from .models import AnalysisRun

#: Modes whose isochrones are computed on the road network (seconds each) and so are budgeted.
BUDGETED_MODES = frozenset({"car", "bike"})
#: New car/bike isochrones per hour: signed-in people, anonymous visitors per address
#: (settings.NAHRAUM_ISOCHRONE_BUDGET overrides single entries).
ISOCHRONE_BUDGET = {"per_user": 120, "per_address": 30, "window": 3600}

# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


def _bad(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "analysis/bad_request.html", {"message": message}, status=400)


def _empty(request: HttpRequest, region: Region | None) -> HttpResponse:
    return render(request, "analysis/empty.html", {"region": region})


def _page_run(
    request: HttpRequest, region: Region | None, *, type_key: str | None = None
) -> tuple[AnalysisRun, dict[str, Any]] | HttpResponse:
    """The run and the form's selection an analysis page shows, or the page to show instead.

    Every page answers the same way: no run yet → the empty page; a bad ``run`` or selection
    parameter → 400 naming it; a facility type the run has no figures for → 404.
    """
    form = SelectionForm(request.GET, region=region, type_key=type_key)
    if not form.is_valid():
        return _bad(request, first_error(form))
    run = form.cleaned_data["run"]
    if run is None:
        return _empty(request, region)
    if not form.has_type:
        raise Http404(_("The analysis has no figures for this type."))
    return run, form.selection()


def _context(region: Region, run: AnalysisRun) -> dict[str, Any]:
    return {
        "region": region,
        "run": run,
        "sources": region_sources(region),
        "method_notes": run.parameters.get("notes", []),
        "straight": "straight" in run.parameters.get("modes", []),
    }


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


@public_page
def overview(request: HttpRequest) -> HttpResponse:
    """The region's supply: district table, map and chart for the chosen type, mode and metric,
    every type and innovation field per mode, core towns against villages, flows, worst cells."""
    region = current_region()
    page = _page_run(request, region)
    if isinstance(page, HttpResponse):
        return page
    run, sel = page
    shown_districts = region_districts(region)
    rows, chosen = selectors.district_table(run, shown_districts, sel)
    balance_rows = selectors.balance_rows(run, sel)
    label = metric_label(sel["metric"])
    ctx = {
        **_context(region, run),
        "sel": sel,
        "rows": rows,
        "ftype": next((t for t in sel["types"] if t.key == sel["type"]), None),
        "type_rows": selectors.region_type_rows(run, sel["modes"]),
        "field_rows": selectors.field_rows(run, sel["modes"]),
        "balance_rows": balance_rows,
        "flows": selectors.flows(run, sel),
        "worst_districts": selectors.worst_districts(rows, sel["metric"]),
        "worst_cells": selectors.RunCells(run).worst(sel),
        "metric_label": label,
        "map_spec": specs.overview_map(label, shown_districts, chosen, sel["metric"]),
        "chart_spec": specs.district_chart(label, rows, chosen, sel["metric"]),
        "balance_chart": specs.balance_chart(balance_rows),
    }
    return render(request, "analysis/overview.html", ctx)


@public_page
def district(request: HttpRequest, key: str) -> HttpResponse:
    """One district: every type and mode, its worst-served cells, histogram and cell map."""
    region = current_region()
    d = get_object_or_404(districts(), key=key)
    page = _page_run(request, region)
    if isinstance(page, HttpResponse):
        return page
    run, sel = page
    types = {t.key: t for t in sel["types"]}
    label = _("travel time (min) to the nearest %(t)s, %(m)s") % {
        "t": types[sel["type"]].name if sel["type"] in types else sel["type"],
        "m": mode_label(sel["mode"]),
    }
    cells = selectors.RunCells(run)
    ctx = {
        **_context(region, run),
        "district": d,
        "sel": sel,
        "rows": selectors.district_rows(run, d, sel, types),
        "worst_cells": cells.worst(sel, {d.pk}),
        "histogram": specs.travel_time_histogram(cells.histogram(sel, {d.pk})),
        "map_spec": specs.cells_map(d, label, cells.features(sel, {d.pk})),
        "map_label": label,
        "isochrone_url": reverse("analysis:api-isochrone"),
    }
    return render(request, "analysis/district.html", ctx)


@public_page
def facility_type(request: HttpRequest, key: str) -> HttpResponse:
    """One facility type: figures per district and municipality, flows, worst cells, norms."""
    region = current_region()
    ftype = get_object_or_404(facility_types(), key=key)
    page = _page_run(request, region, type_key=key)
    if isinstance(page, HttpResponse):
        return page
    run, sel = page
    shown_districts = region_districts(region)
    rows, chosen = selectors.district_table(run, shown_districts, sel)
    label = metric_label(sel["metric"])
    cells = selectors.RunCells(run)
    ctx = {
        **_context(region, run),
        "ftype": ftype,
        "sel": sel,
        "rows": rows,
        "norms": norms_of(ftype),
        "summary_rows": selectors.type_summary_rows(run, ftype, sel["age_band"]),
        "flows": selectors.flows(run, sel),
        "worst_cells": cells.worst(sel, n=8),
        "metric_label": label,
        "histogram": specs.travel_time_histogram(cells.histogram(sel)),
        "map_spec": specs.districts_map(label, shown_districts, chosen, sel["metric"]),
    }
    return render(request, "analysis/facility_type.html", ctx)


# --------------------------------------------------------------------------------------------
# JSON endpoints
# --------------------------------------------------------------------------------------------


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@public_page
def api_indicators(request: HttpRequest) -> JsonResponse:
    """Stored indicator values of a run, filtered: ?metric=&mode=&type=&district=&municipality=
    &level=&area_kind=&age_band=&run=. Unknown parameters or values give 400 with a message."""
    region = current_region()
    form = IndicatorQueryForm(request.GET, region=region)
    if not form.is_valid():
        return _json_error(first_error(form))
    run = form.cleaned_data["run"]
    if run is None:
        return _json_error("no analysis run yet; run `nahraum analyze`", status=404)
    return JsonResponse(
        {
            "run": run.pk,
            "started": run.started.isoformat(),
            "is_estimate": run.is_estimate,
            "sources": [
                {
                    "name": s.name,
                    "licence": s.licence,
                    "date": s.date.isoformat() if s.date else None,
                    "illustrative": s.is_illustrative,
                }
                for s in region_sources(region)
            ],
            "values": selectors.indicator_values(run, form.filters()),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def api_isochrone(request: HttpRequest) -> HttpResponse:
    """Areas reachable from a clicked point: ?lat=&lon=&mode=walk&minutes=5,10,15 → GeoJSON.

    Identical requests (same point, mode, limits, data version) come from the cache; a car or
    bike isochrone computed anew (about 2 s of server time) spends one unit of the visitor's
    budget, and beyond it the answer is 429 with ``Retry-After``.
    """
    form = IsochroneForm(request.GET)
    if not form.is_valid():
        return _json_error(first_error(form))
    region = current_region()
    if region is None:
        return _json_error("no region loaded", status=404)
    q = form.cleaned_data
    params = (region.pk, q["lat"], q["lon"], q["mode"], tuple(q["minutes"]))
    key = cache_key("isochrone", *params)
    features = cache.get(key)
    hit = features is not None
    if not hit:
        if q["mode"] in BUDGETED_MODES:  # an identical request from the cache costs nothing
            limits = {**ISOCHRONE_BUDGET, **getattr(settings, "NAHRAUM_ISOCHRONE_BUDGET", {})}
            wait = budget("isochrone", request, **limits)
            if wait is not None:
                return too_many_requests(request, _("car and bike isochrones"), wait)
        try:
            features = isochrone_features(region, q["lat"], q["lon"], q["mode"], q["minutes"])
        except NoIsochrone as exc:
            return _json_error(str(exc), status=exc.status)
        cache.set(key, features, PAGE_TIMEOUT)
    response = JsonResponse(features)
    response[CACHE_HEADER] = "hit" if hit else "miss"
    return response


@require_POST
def rerun(request: HttpRequest) -> HttpResponse:
    """Start a new analysis of the region as a background job (the project office's button).

    The modes are those of the newest run (else walk, bike, car), every facility type; pressing
    again while it runs shows the same job.
    """
    from nahraum.jobs.services import job_url, start_job

    from .jobs import RUN
    from .services import latest_run

    if not request.user.has_perm("analysis.run_analysis"):  # analysis/rules.py
        raise PermissionDenied("analysis.run_analysis")
    region = current_region()
    if region is None:
        raise Http404(_("No region loaded yet."))
    last = latest_run(region)
    modes = (last.parameters or {}).get("modes_requested") if last is not None else None
    params = {
        "region": region.slug,
        "modes": list(modes or ["walk", "bike", "car"]),
        "types": None,
        "language": request.LANGUAGE_CODE,
        "note": "started on the analysis page",
        "data_version": data_version("data"),  # a double click reuses; new data, a new run
    }
    job = start_job(RUN, params, user=request.user)
    return redirect(job_url(job))
