"""Supply pages: overview, one page per district and per facility type, and the JSON endpoints.

Every page shows one set of figures three ways — a map, a sortable table and a chart — with the
run, its data sources and their dates underneath, and the estimate badge when any input is
illustrative. The views only gather figures and translated labels; drawing is done by the shared
``nahraum/map.js`` and ``nahraum/charts.js`` and by ``analysis/analysis.js`` (sorting, isochrone
on click).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import shapely
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.access.indicators import worst_served
from nahraum.region.models import (
    AGE_BANDS,
    DataSource,
    District,
    Facility,
    FacilityType,
    Municipality,
    Region,
)
from nahraum.region.selectors import current_region
from nahraum.region.specs import map_base

from .models import AnalysisRun, CrossBorderFlow, IndicatorValue
from .services import latest_run, unpack_cells

METRICS = (
    "share_within_norm", "median_minutes", "mean_minutes", "p90_minutes", "cross_border_share",
    "capacity_per_demand", "capacity_in_unit_per_demand", "share_unreachable",
    "core_village_gap_pp", "core_village_ratio", "share_within_all_norms",
)
LEVELS = tuple(IndicatorValue.Level.values)


class BadParameter(ValueError):
    """A query parameter the page or API cannot use; the message names it and what is allowed."""


def metric_label(metric: str) -> str:
    return {
        "share_within_norm": _("share within the norm (%)"),
        "median_minutes": _("median travel time (min)"),
        "mean_minutes": _("mean travel time (min)"),
        "p90_minutes": _("90th percentile travel time (min)"),
        "cross_border_share": _("nearest facility in another municipality (%)"),
        "capacity_per_demand": _("capacity per 1,000 people in demand (within reach)"),
        "capacity_in_unit_per_demand": _("capacity in the area per 1,000 people in demand"),
        "share_unreachable": _("share who reach none (%)"),
        "core_village_gap_pp": _("gap core town − villages (percentage points)"),
        "core_village_ratio": _("ratio villages / core town"),
        "share_within_all_norms": _("share within the norms of every type of the field (%)"),
    }.get(metric, metric)


PERCENT_METRICS = {"share_within_norm", "cross_border_share", "share_unreachable",
                   "share_within_all_norms"}
#: Capacities are shown per 1,000 people in demand: "0.0005 GPs per person" reads as nothing,
#: "0.5 GPs per 1,000 inhabitants" is how planners quote it (and stays exact to a tenth).
PER_THOUSAND_METRICS = {"capacity_per_demand", "capacity_in_unit_per_demand"}


def mode_label(mode: str) -> str:
    return {
        "walk": _("on foot"), "bike": _("by bike"), "car": _("by car"),
        "transit": _("by bus and train"),
        "straight": _("straight line × detour (estimate)"),
    }.get(mode, mode)


def shown(metric: str, value: float | None) -> float | None:
    """The value as displayed: shares in per cent, others as stored."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if metric in PERCENT_METRICS:
        return round(value * 100, 1)
    if metric in PER_THOUSAND_METRICS:
        return round(value * 1000, 1)
    return round(value, 2)


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


def _run_for(request: HttpRequest, region: Region) -> AnalysisRun | None:
    raw = request.GET.get("run")
    if raw:
        if not raw.isdigit():
            raise BadParameter(_("run must be a run number, got %(v)r") % {"v": raw})
        run = AnalysisRun.objects.filter(pk=int(raw), region=region, status="done").first()
        if run is None:
            raise BadParameter(_("no finished analysis run #%(v)s") % {"v": raw})
        return run
    return latest_run(region)


def _choice(request: HttpRequest, name: str, allowed: list[str], default: str) -> str:
    value = request.GET.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise BadParameter(
            _("unknown %(name)s %(value)r; allowed: %(allowed)s")
            % {"name": name, "value": value, "allowed": ", ".join(a or "''" for a in allowed)}
        )
    return value


def _selection(request: HttpRequest, run: AnalysisRun, *, type_key: str | None = None) -> dict:
    """Mode, type, metric and age band chosen in the form (validated against the run)."""
    modes = list(run.parameters.get("modes", []))
    types = list(run.parameters.get("facility_types", []))
    mode = _choice(request, "mode", modes, "walk" if "walk" in modes else (modes[0] if modes else ""))
    if type_key is None:
        type_key = _choice(request, "type", types, "gp" if "gp" in types else (types[0] if types else ""))
    metric = _choice(request, "metric", ["share_within_norm", "median_minutes", "mean_minutes",
                                         "p90_minutes", "cross_border_share",
                                         "capacity_per_demand"], "share_within_norm")
    band = _choice(request, "age_band", ["", *AGE_BANDS], "")
    return {"mode": mode, "type": type_key, "metric": metric, "age_band": band,
            "mode_label": mode_label(mode),
            "modes": [{"key": m, "label": mode_label(m)} for m in modes],
            "types": list(FacilityType.objects.filter(key__in=types)),
            "metrics": [{"key": m, "label": metric_label(m)} for m in
                        ("share_within_norm", "median_minutes", "mean_minutes", "p90_minutes",
                         "cross_border_share", "capacity_per_demand")],
            "bands": [{"key": "", "label": _("all ages")}] + [{"key": b, "label": b} for b in AGE_BANDS]}


def _sources(region: Region) -> list[DataSource]:
    from nahraum.region.models import PopulationCell

    ids = {region.source_id}
    ids |= set(PopulationCell.objects.filter(region=region).values_list("source_id", flat=True).distinct())
    ids |= set(Facility.objects.filter(municipality__region=region).values_list("source_id", flat=True).distinct())
    ids |= set(District.objects.filter(municipality__region=region).values_list("source_id", flat=True).distinct())
    return list(DataSource.objects.filter(pk__in=ids).order_by("name"))


def _district_features(districts, values: dict[int, float | None], metric: str) -> dict:
    from nahraum.region.api import district_feature

    feats = []
    for d in districts:
        f = district_feature(d)
        f["properties"]["value"] = shown(metric, values.get(d.pk))
        f["properties"]["url"] = reverse("analysis:district", args=[d.key])
        feats.append(f)
    return {"type": "FeatureCollection", "features": feats}


def _bad(request: HttpRequest, exc: BadParameter) -> HttpResponse:
    return render(request, "analysis/bad_request.html", {"message": str(exc)}, status=400)


def _empty(request: HttpRequest, region: Region | None) -> HttpResponse:
    return render(request, "analysis/empty.html", {"region": region})


def _page_run(
    request: HttpRequest, region: Region | None, *, type_key: str | None = None
) -> tuple[AnalysisRun, dict] | HttpResponse:
    """The run and the form's selection an analysis page shows, or the page to show instead.

    Every page answers the same way: no run yet → the empty page; a bad ``run`` or selection
    parameter → 400 naming it; a facility type the run has no figures for → 404.
    """
    try:
        run = _run_for(request, region) if region else None
        if run is None:
            return _empty(request, region)
        if type_key is not None and type_key not in run.parameters.get("facility_types", []):
            raise Http404(_("The analysis has no figures for this type."))
        return run, _selection(request, run, type_key=type_key)
    except BadParameter as exc:
        return _bad(request, exc)


def _region_districts(region: Region) -> list[District]:
    """The region's Ortsteile in table order (municipality, core town before villages, name)."""
    return list(District.objects.filter(municipality__region=region)
                .select_related("municipality", "source").order_by("municipality__name", "kind", "name"))


def _district_table(run, districts, sel) -> tuple[list[dict], dict[int, float | None]]:
    """One row per district for the chosen type, mode and age band."""
    vals = IndicatorValue.objects.filter(
        run=run, level="district", facility_type__key=sel["type"], mode=sel["mode"],
        metric__in=["share_within_norm", "median_minutes", "p90_minutes", "mean_minutes",
                    "cross_border_share", "capacity_per_demand"],
    ).filter(Q(age_band=sel["age_band"], metric="share_within_norm") | Q(age_band="", metric__in=[
        "mean_minutes", "median_minutes", "p90_minutes", "cross_border_share",
        "capacity_per_demand"]))
    # Travel times are stored for everybody; shares within the norm also per age band.
    by: dict[int, dict[str, float | None]] = defaultdict(dict)
    people: dict[int, float] = {}
    for v in vals:
        by[v.district_id][v.metric] = v.value
        if v.metric == "share_within_norm" or (v.metric == "median_minutes" and v.district_id not in people):
            people[v.district_id] = v.population
    rows = []
    for d in districts:
        m = by.get(d.pk, {})
        rows.append({
            "district": d, "people": people.get(d.pk, 0),
            "share": shown("share_within_norm", m.get("share_within_norm")),
            "mean": shown("mean_minutes", m.get("mean_minutes")),
            "median": shown("median_minutes", m.get("median_minutes")),
            "p90": shown("p90_minutes", m.get("p90_minutes")),
            "cross": shown("cross_border_share", m.get("cross_border_share")),
            "capacity": shown("capacity_per_demand", m.get("capacity_per_demand")),
        })
    chosen = {d.pk: by.get(d.pk, {}).get(sel["metric"]) for d in districts}
    return rows, chosen


def _worst_cells(run, sel, district_ids: set[int] | None = None, n: int = 5) -> list[dict]:
    """The cells with people that wait longest for the chosen type and mode, named."""
    cells = unpack_cells(run)
    if cells is None:
        return []
    pair = f"{sel['mode']}/{sel['type']}"
    pairs = list(cells["pairs"])
    if pair not in pairs:
        return []
    row = pairs.index(pair)
    pop = cells["population"].copy()
    if district_ids is not None:
        pop[~np.isin(cells["district_id"], list(district_ids))] = 0
    names = dict(District.objects.filter(pk__in=set(cells["district_id"].tolist())).values_list("pk", "name"))
    out = []
    for i in worst_served(cells["time_s"][row], pop, n=n):
        t = float(cells["time_s"][row, i])
        f = int(cells["facility"][row, i])
        out.append({
            "cell": str(cells["cell_key"][i]), "district": names.get(int(cells["district_id"][i]), "–"),
            "people": int(pop[i]), "minutes": round(t / 60, 1) if math.isfinite(t) else None,
            "facility": str(cells["facility_name"][f] or cells["facility_key"][f]) if f >= 0 else "–",
            "lat": float(cells["lat"][i]), "lon": float(cells["lon"][i]),
        })
    return out


def _histogram(run, sel, district_ids: set[int] | None = None, width: float = 5.0) -> dict:
    """People by travel time (bins of ``width`` minutes) for the chosen type and mode."""
    cells = unpack_cells(run)
    if cells is None:
        return {"bins": []}
    pair = f"{sel['mode']}/{sel['type']}"
    pairs = list(cells["pairs"])
    if pair not in pairs:
        return {"bins": []}
    t = cells["time_s"][pairs.index(pair)].astype(float) / 60
    w = cells["population"] if not sel["age_band"] else cells[f"age_{AGE_BANDS.index(sel['age_band'])}"]
    w = w.astype(float).copy()
    if district_ids is not None:
        w[~np.isin(cells["district_id"], list(district_ids))] = 0
    finite = np.isfinite(t) & (w > 0)
    if not finite.any():
        return {"bins": []}
    top = max(width, math.ceil(float(t[finite].max()) / width) * width)
    edges = np.arange(0, top + width, width)
    counts, _e = np.histogram(t[finite], bins=edges, weights=w[finite])
    return {"bins": [{"from": float(a), "to": float(b), "count": round(float(c))}
                     for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)],
            "unreachable": round(float(w[~np.isfinite(t)].sum()))}


def _flows(run, sel) -> dict:
    rows = CrossBorderFlow.objects.filter(run=run, mode=sel["mode"], facility_type__key=sel["type"])
    munis = {m.pk: m for m in Municipality.objects.filter(region=run.region).order_by("name")}
    table: dict[int, dict[int | None, float]] = defaultdict(dict)
    for f in rows:
        table[f.home_id][f.serving_id] = f.people
    homes = [m for m in munis.values() if m.pk in table]
    serving = list(munis.values())
    outside = any(None in r for r in table.values())
    return {
        "columns": serving, "outside": outside,
        "rows": [{"home": h, "cells": [round(table[h.pk].get(s.pk, 0.0)) for s in serving]
                  + ([round(table[h.pk].get(None, 0.0))] if outside else []),
                  "total": round(sum(table[h.pk].values()))} for h in homes],
    }


def _context(region, run) -> dict:
    return {"region": region, "run": run, "sources": _sources(region),
            "method_notes": run.parameters.get("notes", []),
            "straight": "straight" in run.parameters.get("modes", [])}


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    region = current_region()
    page = _page_run(request, region)
    if isinstance(page, HttpResponse):
        return page
    run, sel = page
    districts = _region_districts(region)
    rows, chosen = _district_table(run, districts, sel)
    ftype = FacilityType.objects.filter(key=sel["type"]).first()

    # Type × mode: the region's share within the norm.
    region_vals = IndicatorValue.objects.filter(
        run=run, level="region", metric="share_within_norm", age_band=""
    ).select_related("facility_type")
    grid: dict[str, dict[str, float | None]] = defaultdict(dict)
    for v in region_vals:
        grid[v.facility_type.key][v.mode] = shown("share_within_norm", v.value)
    type_rows = [{"type": t, "values": [grid.get(t.key, {}).get(m["key"]) for m in sel["modes"]]}
                 for t in FacilityType.objects.filter(key__in=run.parameters.get("facility_types", []))]

    # Innovation fields × mode: share within the norms of every type of the field.
    from nahraum.region.models import InnovationField

    fvals = IndicatorValue.objects.filter(run=run, level="region", metric="share_within_all_norms")
    fgrid: dict[int, dict[str, float | None]] = defaultdict(dict)
    for v in fvals:
        fgrid[v.field_id][v.mode] = shown("share_within_all_norms", v.value)
    field_rows = [{"field": f, "values": [fgrid[f.pk].get(m["key"]) for m in sel["modes"]]}
                  for f in InnovationField.objects.filter(pk__in=list(fgrid))]

    # Core town vs villages, for the chosen mode, every type.
    balance = IndicatorValue.objects.filter(
        run=run, mode=sel["mode"], age_band=sel["age_band"],
    ).filter(
        Q(level="area_kind", municipality__isnull=True, metric="share_within_norm")
        | Q(level="region", metric__in=["core_village_gap_pp", "core_village_ratio"])
    ).select_related("facility_type")
    bal: dict[str, dict[str, float | None]] = defaultdict(dict)
    for v in balance:
        key = v.area_kind if v.level == "area_kind" else v.metric
        bal[v.facility_type.key][key] = v.value
    balance_rows = [
        {"type": t, "core": shown("share_within_norm", bal[t.key].get("core")),
         "village": shown("share_within_norm", bal[t.key].get("village")),
         "gap": shown("core_village_gap_pp", bal[t.key].get("core_village_gap_pp")),
         "ratio": shown("core_village_ratio", bal[t.key].get("core_village_ratio"))}
        for t in FacilityType.objects.filter(key__in=list(bal))
    ]
    worst_districts = sorted([r for r in rows if r["share"] is not None], key=lambda r: r["share"])[:3] \
        if sel["metric"] == "share_within_norm" else \
        sorted([r for r in rows if r[_ROW_KEY.get(sel["metric"], "median")] is not None],
               key=lambda r: -r[_ROW_KEY.get(sel["metric"], "median")])[:3]
    label = metric_label(sel["metric"])
    chart_rows = [r for r in rows if chosen.get(r["district"].pk) is not None]
    ctx = {
        **_context(region, run), "sel": sel, "ftype": ftype, "rows": rows,
        "type_rows": type_rows, "field_rows": field_rows, "balance_rows": balance_rows, "flows": _flows(run, sel),
        "worst_districts": worst_districts, "worst_cells": _worst_cells(run, sel),
        "metric_label": label,
        "map_spec": {**map_base(_("Map of the districts shaded by %(m)s") % {"m": label}),
                     "layers": [{"type": "choropleth", "property": "value", "title": label,
                                 "data": _district_features(districts, chosen, sel["metric"]),
                                 "fields": [{"key": "municipality", "label": _("Municipality")}]}]},
        "chart_spec": {"type": "bar", "data": {
            "labels": [r["district"].name for r in chart_rows],
            "datasets": [{"label": label, "data": [shown(sel["metric"], chosen[r["district"].pk]) for r in chart_rows]}]},
            "options": {"yLabel": label, "xLabel": _("district")}},
        "balance_chart": {"type": "bar", "data": {
            "labels": [r["type"].name for r in balance_rows],
            "datasets": [
                {"label": _("core towns"), "data": [r["core"] for r in balance_rows]},
                {"label": _("villages"), "data": [r["village"] for r in balance_rows]}]},
            "options": {"yLabel": _("share within the norm (%)"), "unit": "%"}},
    }
    return render(request, "analysis/overview.html", ctx)


_ROW_KEY = {"median_minutes": "median", "mean_minutes": "mean", "p90_minutes": "p90",
            "cross_border_share": "cross", "capacity_per_demand": "capacity"}


def district(request: HttpRequest, key: str) -> HttpResponse:
    region = current_region()
    d = get_object_or_404(District.objects.select_related("municipality", "source"), key=key)
    page = _page_run(request, region)
    if isinstance(page, HttpResponse):
        return page
    run, sel = page
    vals = IndicatorValue.objects.filter(run=run, level="district", district=d,
                                         facility_type__isnull=False).filter(
        Q(age_band="") | Q(age_band=sel["age_band"], metric="share_within_norm")
    ).select_related("facility_type")
    by: dict[tuple[str, str], dict[str, float | None]] = defaultdict(dict)
    for v in vals:
        if v.metric == "share_within_norm" and v.age_band != sel["age_band"]:
            continue
        by[(v.facility_type.key, v.mode)][v.metric] = v.value
    types = {t.key: t for t in FacilityType.objects.filter(key__in=run.parameters.get("facility_types", []))}
    rows = []
    for (tkey, mode), m in sorted(by.items()):
        if tkey not in types:
            continue
        rows.append({"type": types[tkey], "mode": mode, "mode_label": mode_label(mode),
                     "share": shown("share_within_norm", m.get("share_within_norm")),
                     "median": shown("median_minutes", m.get("median_minutes")),
                     "p90": shown("p90_minutes", m.get("p90_minutes")),
                     "cross": shown("cross_border_share", m.get("cross_border_share")),
                     "capacity": shown("capacity_per_demand", m.get("capacity_per_demand"))})
    label = _("travel time (min) to the nearest %(t)s, %(m)s") % {
        "t": types[sel["type"]].name if sel["type"] in types else sel["type"], "m": mode_label(sel["mode"])}
    ctx = {
        **_context(region, run), "district": d, "sel": sel, "rows": rows,
        "worst_cells": _worst_cells(run, sel, {d.pk}),
        "histogram": {"type": "histogram", "data": _histogram(run, sel, {d.pk}),
                      "options": {"xLabel": _("minutes"), "yLabel": _("people")}},
        "map_spec": {**map_base(_("Map of %(d)s: population cells shaded by %(l)s") % {"d": d.name, "l": label}),
                     "layers": [{"type": "choropleth", "property": "minutes", "title": label,
                                 "data": _cell_features(run, sel, {d.pk}),
                                 "fields": [{"key": "facility", "label": _("nearest facility")},
                                            {"key": "people", "label": _("people")}]}]},
        "map_label": label,
        "isochrone_url": reverse("analysis:api-isochrone"),
    }
    return render(request, "analysis/district.html", ctx)


def facility_type(request: HttpRequest, key: str) -> HttpResponse:
    region = current_region()
    ftype = get_object_or_404(FacilityType, key=key)
    page = _page_run(request, region, type_key=key)
    if isinstance(page, HttpResponse):
        return page
    run, sel = page
    districts = _region_districts(region)
    rows, chosen = _district_table(run, districts, sel)
    muni_vals = IndicatorValue.objects.filter(
        run=run, facility_type=ftype, age_band=sel["age_band"] or "",
    ).filter(Q(level__in=["municipality", "region"]) | Q(level="area_kind", municipality__isnull=True)).filter(
        metric__in=["share_within_norm", "median_minutes", "cross_border_share",
                    "core_village_gap_pp", "core_village_ratio", "capacity_per_demand"])
    summary: dict[str, dict] = defaultdict(dict)
    for v in muni_vals.select_related("municipality"):
        name = v.municipality.name if v.level == "municipality" else (
            _("core towns") if v.area_kind == "core" else _("villages") if v.area_kind == "village" else _("region"))
        summary[(v.mode, name)][v.metric] = shown(v.metric, v.value)
    summary_rows = [{"mode": mode_label(mode), "unit": unit, **vals}
                    for (mode, unit), vals in sorted(summary.items())]
    label = metric_label(sel["metric"])
    norms = list(ftype.norms.all())
    ctx = {
        **_context(region, run), "ftype": ftype, "sel": sel, "rows": rows, "norms": norms,
        "summary_rows": summary_rows, "flows": _flows(run, sel),
        "worst_cells": _worst_cells(run, sel, n=8), "metric_label": label,
        "histogram": {"type": "histogram", "data": _histogram(run, sel),
                      "options": {"xLabel": _("minutes"), "yLabel": _("people")}},
        "map_spec": {**map_base(_("Map of the districts shaded by %(m)s") % {"m": label}),
                     "layers": [{"type": "choropleth", "property": "value", "title": label,
                                 "data": _district_features(districts, chosen, sel["metric"])}]},
    }
    return render(request, "analysis/facility_type.html", ctx)


def _cell_features(run, sel, district_ids: set[int]) -> dict:
    """Population cells of the districts as 100 m squares with their travel time."""
    cells = unpack_cells(run)
    feats: list[dict] = []
    if cells is None:
        return {"type": "FeatureCollection", "features": feats}
    pair = f"{sel['mode']}/{sel['type']}"
    pairs = list(cells["pairs"])
    row = pairs.index(pair) if pair in pairs else None
    for i in np.flatnonzero(np.isin(cells["district_id"], list(district_ids))):
        lat, lon = float(cells["lat"][i]), float(cells["lon"][i])
        dlat = 50 / 111_320
        dlon = 50 / (111_320 * math.cos(math.radians(lat)))
        t = float(cells["time_s"][row, i]) if row is not None else math.inf
        f = int(cells["facility"][row, i]) if row is not None else -1
        feats.append({
            "type": "Feature", "id": str(cells["cell_key"][i]),
            "geometry": {"type": "Polygon", "coordinates": [[
                [lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat],
                [lon - dlon, lat + dlat], [lon - dlon, lat - dlat]]]},
            "properties": {"name": str(cells["cell_key"][i]), "people": int(cells["population"][i]),
                           "minutes": round(t / 60, 1) if math.isfinite(t) else None,
                           "facility": str(cells["facility_name"][f]) if f >= 0 else "–",
                           "is_estimate": run.is_estimate},
        })
    return {"type": "FeatureCollection", "features": feats}


# --------------------------------------------------------------------------------------------
# JSON endpoints
# --------------------------------------------------------------------------------------------


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def api_indicators(request: HttpRequest) -> JsonResponse:
    """Stored indicator values of a run, filtered: ?metric=&mode=&type=&district=&municipality=
    &level=&area_kind=&age_band=&run=. Unknown parameters or values give 400 with a message."""
    allowed = {"metric", "mode", "type", "field", "district", "municipality", "level",
               "area_kind", "age_band", "run"}
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        return _json_error(f"unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    region = current_region()
    try:
        run = _run_for(request, region) if region else None
    except BadParameter as exc:
        return _json_error(str(exc))
    if run is None:
        return _json_error("no analysis run yet; run `nahraum analyze`", status=404)
    qs = IndicatorValue.objects.filter(run=run)
    g = request.GET
    if "metric" in g:
        if g["metric"] not in METRICS:
            return _json_error(f"unknown metric {g['metric']!r}; allowed: {', '.join(METRICS)}")
        qs = qs.filter(metric=g["metric"])
    if "mode" in g:
        modes = run.parameters.get("modes", [])
        if g["mode"] not in modes:
            return _json_error(f"unknown mode {g['mode']!r}; this run has: {', '.join(modes)}")
        qs = qs.filter(mode=g["mode"])
    if "type" in g:
        types = run.parameters.get("facility_types", [])
        if g["type"] not in types:
            return _json_error(f"unknown facility type {g['type']!r}; this run has: {', '.join(types)}")
        qs = qs.filter(facility_type__key=g["type"])
    if "field" in g:
        from nahraum.region.models import InnovationField

        if not InnovationField.objects.filter(key=g["field"]).exists():
            return _json_error(f"unknown innovation field {g['field']!r}")
        qs = qs.filter(field__key=g["field"])
    if "district" in g:
        if not District.objects.filter(key=g["district"], municipality__region=region).exists():
            return _json_error(f"unknown district {g['district']!r}")
        qs = qs.filter(district__key=g["district"])
    if "municipality" in g:
        if not Municipality.objects.filter(ags=g["municipality"], region=region).exists():
            return _json_error(f"unknown municipality (AGS) {g['municipality']!r}")
        qs = qs.filter(municipality__ags=g["municipality"])
    if "level" in g:
        if g["level"] not in LEVELS:
            return _json_error(f"unknown level {g['level']!r}; allowed: {', '.join(LEVELS)}")
        qs = qs.filter(level=g["level"])
    if "area_kind" in g:
        if g["area_kind"] not in ("", "core", "village"):
            return _json_error(f"unknown area_kind {g['area_kind']!r}; allowed: core, village, ''")
        qs = qs.filter(area_kind=g["area_kind"])
    if "age_band" in g:
        if g["age_band"] not in ("", *AGE_BANDS):
            return _json_error(f"unknown age_band {g['age_band']!r}; allowed: '', {', '.join(AGE_BANDS)}")
        qs = qs.filter(age_band=g["age_band"])
    rows = qs.values("level", "metric", "mode", "facility_type__key", "field__key", "district__key",
                     "municipality__ags", "area_kind", "age_band", "value", "population",
                     "is_estimate")
    return JsonResponse({
        "run": run.pk, "started": run.started.isoformat(), "is_estimate": run.is_estimate,
        "sources": [{"name": s.name, "licence": s.licence, "date": s.date.isoformat() if s.date else None,
                     "illustrative": s.is_illustrative} for s in _sources(region)],
        "values": [{"level": r["level"], "metric": r["metric"], "mode": r["mode"],
                    "type": r["facility_type__key"], "field": r["field__key"],
                    "district": r["district__key"],
                    "municipality": r["municipality__ags"], "area_kind": r["area_kind"],
                    "age_band": r["age_band"], "value": r["value"], "population": r["population"],
                    "is_estimate": r["is_estimate"]} for r in rows],
    }, json_dumps_params={"ensure_ascii": False})


_NETWORK_CACHE: dict[tuple, Any] = {}


def _to_lonlat(xy: np.ndarray) -> np.ndarray:
    from nahraum.access.projection import to_wgs84

    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def api_isochrone(request: HttpRequest) -> JsonResponse:
    """Areas reachable from a clicked point: ?lat=&lon=&mode=walk&minutes=5,10,15 → GeoJSON."""
    g = request.GET
    try:
        lat, lon = float(g.get("lat", "")), float(g.get("lon", ""))
    except ValueError:
        return _json_error("lat and lon must be numbers (WGS84 degrees)")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return _json_error("lat must lie in [-90, 90] and lon in [-180, 180]")
    mode = g.get("mode", "walk")
    if mode not in ("walk", "bike", "car"):
        return _json_error(f"unknown mode {mode!r}; allowed: walk, bike, car")
    try:
        minutes = [float(m) for m in g.get("minutes", "5,10,15").split(",") if m.strip()]
    except ValueError:
        return _json_error("minutes must be comma-separated numbers, e.g. 5,10,15")
    if not minutes or len(minutes) > 6 or any(not (0 < m <= 120) for m in minutes):
        return _json_error("minutes: 1 to 6 values, each above 0 and at most 120")
    region = current_region()
    if region is None:
        return _json_error("no region loaded", status=404)
    from shapely.geometry import mapping

    from nahraum.access._errors import AccessError
    from nahraum.access.isochrone import isochrone
    from nahraum.access.projection import to_utm
    from nahraum.access.snap import snap

    from .network import _pointer, load_networks

    pointer = _pointer(region)
    # Keyed by the region's network pointer file and its time: a rebuilt network is reloaded.
    key = (str(pointer), pointer.stat().st_mtime_ns if pointer.is_file() else 0, mode)
    net = _NETWORK_CACHE.get(key)
    if net is None:
        nets = load_networks(region, [mode])
        net = nets.get(mode)
        if net is None:
            return _json_error(f"no street network for {mode} in this region", status=404)
        _NETWORK_CACHE.clear()
        _NETWORK_CACHE[key] = net
    x, y = to_utm(np.array([lon]), np.array([lat]))
    try:
        origin = snap(net, x, y, max_distance_m=500.0)
        if not origin.placed.all():
            return _json_error("the point lies farther than 500 m from the street network")
        areas = isochrone(net, origin, [m * 60 for m in sorted(minutes)])
    except AccessError as exc:
        return _json_error(str(exc))
    features = []
    for m, area in zip(sorted(minutes), areas, strict=True):
        # 10 m simplification: invisible at street scale, a tenth of the bytes.
        geo = shapely.transform(area.simplify(10.0), _to_lonlat)
        features.append({"type": "Feature", "geometry": mapping(geo),
                         "properties": {"minutes": m, "mode": mode}})
    return JsonResponse({"type": "FeatureCollection", "features": features[::-1]})
