"""Scenario pages: list, editor (forms + clicks on the map), run, comparison, location planning.

Everybody may look at scenarios and their comparisons (the figures belong to the public
debate); planners (municipal staff, the project office) may create, change and run them.
Writes happen in one transaction each; a rejected form leaves the database as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.region.models import DataSource, District, FacilityType, Municipality, Region
from nahraum.region.views import current_region, map_base

from . import forms as f
from .models import (
    REFERENCE_WEEKLY_HOURS,
    BusLine,
    FacilityChange,
    GrowthRate,
    MobileService,
    PopulationProjection,
    Scenario,
    TransportChange,
)

STATUS_COLOURS = {
    "newly_within": "#1a7f37", "faster": "#74c476", "same": "#9e9e9e",
    "slower": "#f28e2b", "newly_beyond": "#b2182b",
}


def can_plan(user) -> bool:
    from nahraum.accounts.rules import is_staff

    return bool(is_staff(user))


def _require_planner(request: HttpRequest) -> None:
    if not can_plan(request.user):
        raise PermissionDenied(_("Only planners may change scenarios."))


def _sources(region: Region) -> list[DataSource]:
    ids = {region.source_id}
    ids |= set(Municipality.objects.filter(region=region).values_list("source_id", flat=True))
    ids |= set(District.objects.filter(municipality__region=region).values_list("source_id", flat=True))
    from nahraum.region.models import Facility, PopulationCell

    ids |= set(PopulationCell.objects.filter(region=region).values_list("source_id", flat=True).distinct())
    ids |= set(Facility.objects.filter(municipality__region=region).values_list("source_id", flat=True).distinct())
    return list(DataSource.objects.filter(pk__in=ids).order_by("name"))


def _point(lon: float, lat: float, **props: Any) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


# --------------------------------------------------------------------------- list


def index(request: HttpRequest) -> HttpResponse:
    region = current_region()
    if region is None:
        return render(request, "scenarios/index.html", {"region": None, "scenarios": []})
    form = f.ScenarioForm(region=region)
    if request.method == "POST":
        _require_planner(request)
        form = f.ScenarioForm(request.POST, region=region,
                              instance=Scenario(region=region, author=request.user))
        if form.is_valid():
            scenario = form.save()
            messages.success(request, _("Scenario “%(name)s” created.") % {"name": scenario.name})
            return redirect("scenarios:detail", pk=scenario.pk)
    scenarios = Scenario.objects.filter(region=region).select_related("parent", "author")
    return render(request, "scenarios/index.html", {
        "region": region, "scenarios": scenarios, "form": form, "can_plan": can_plan(request.user),
    })


# --------------------------------------------------------------------------- editor


FORMS = {
    "facility": (f.FacilityChangeForm, FacilityChange),
    "mobile": (f.MobileServiceForm, MobileService),
    "transport": (f.TransportChangeForm, TransportChange),
    "busline": (f.BusLineForm, BusLine),
}


def _editor_forms(scenario: Scenario, data=None, which: str | None = None) -> dict[str, Any]:
    region = scenario.region
    out: dict[str, Any] = {}
    for key, (form_class, model) in FORMS.items():
        bound = data if which == key else None
        kwargs = {"region": region} if key in ("facility", "transport") else {}
        out[key] = form_class(bound, instance=model(scenario_id=scenario.pk), prefix=key, **kwargs)
    projection = getattr(scenario, "projection", None) if hasattr(scenario, "projection") else None
    from .services import default_base_year

    out["projection"] = f.ProjectionForm(
        data if which == "projection" else None, prefix="projection",
        # scenario_id, not scenario=: assigning the object would cache this unsaved
        # projection on the scenario as if it existed
        instance=projection or PopulationProjection(scenario_id=scenario.pk,
                                                    base_year=default_base_year(region)),
    )
    out["rate"] = f.GrowthRateForm(data if which == "rate" else None, prefix="rate", region=region)
    return out


def _save_change(scenario: Scenario, which: str, forms_: dict[str, Any]) -> bool:
    form = forms_[which]
    if not form.is_valid():
        return False
    with transaction.atomic():
        if which == "rate":
            projection = getattr(scenario, "projection", None) if hasattr(scenario, "projection") else None
            if projection is None:
                form.add_error(None, _("Set the projection (target year) first."))
                return False
            kind, pk = form.cleaned_data["area"].split(":")
            rate = GrowthRate(projection=projection, annual_rate=form.cleaned_data["rate_percent"] / 100,
                              note=form.cleaned_data["note"])
            if kind == "m":
                rate.municipality_id = int(pk)
            else:
                rate.district_id = int(pk)
            GrowthRate.objects.filter(projection=projection, municipality_id=rate.municipality_id,
                                      district_id=rate.district_id).delete()
            try:
                rate.full_clean()
            except ValidationError as exc:
                form.add_error(None, exc)
                transaction.set_rollback(True)
                return False
            rate.save()
        else:
            form.save()
    return True


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario.objects.select_related("region", "parent", "author"), pk=pk)
    which = request.POST.get("form") if request.method == "POST" else None
    if which is not None:
        _require_planner(request)
        if which not in (*FORMS, "projection", "rate"):
            raise PermissionDenied("unknown form")
    forms_ = _editor_forms(scenario, request.POST if which else None, which)
    if which and _save_change(scenario, which, forms_):
        messages.success(request, _("Change saved."))
        return redirect("scenarios:detail", pk=scenario.pk)
    from .services import describe

    data = describe(scenario)
    features = []
    for c in scenario.facility_changes.select_related("facility", "facility_type"):
        lon = c.lon if c.lon is not None else (c.facility.lon if c.facility else None)
        lat = c.lat if c.lat is not None else (c.facility.lat if c.facility else None)
        if lon is not None:
            features.append(_point(lon, lat, name=str(c), category=c.action))
    for s in scenario.mobile_services.all():
        features.append(_point(s.lon, s.lat, name=str(s), category="mobile"))
    for line in scenario.bus_lines.all():
        for i, stop in enumerate(line.stops, start=1):
            features.append(_point(stop["lon"], stop["lat"], category="bus",
                                   name=f"{line.name} · {i}. {stop.get('name', '')}"))
    categories = [
        {"key": "close", "label": _("closed"), "colour": "#b2182b"},
        {"key": "open", "label": _("opened"), "colour": "#1a7f37"},
        {"key": "move", "label": _("moved"), "colour": "#6a3d9a"},
        {"key": "capacity", "label": _("capacity changed"), "colour": "#f28e2b"},
        {"key": "mobile", "label": _("mobile service"), "colour": "#1f78b4"},
        {"key": "bus", "label": _("stop of a new bus line"), "colour": "#e6ab02"},
    ]
    map_spec = map_base(_("Map of the scenario's changes; click to take a place into the form"))
    map_spec["layers"] = [
        {"type": "points", "url": reverse("region:api-facilities"), "category": "field",
         "radius": 4, "title": _("Facilities today"), "fit": True},
        {"type": "points", "data": {"type": "FeatureCollection", "features": features},
         "category": "category", "categories": categories, "radius": 8, "fit": False},
    ]
    runs = scenario.scenario_runs.select_related("run", "baseline")[:5]
    quick = None
    quick_form = f.QuickCheckForm(request.GET if "quick_type" in request.GET else None)
    if quick_form.is_bound and can_plan(request.user) and quick_form.is_valid():
        from .compare import quick_check

        try:
            quick = quick_check(scenario, quick_form.cleaned_data["quick_type"].key,
                                mode=quick_form.cleaned_data["quick_mode"])
        except (ValidationError, ValueError) as exc:
            quick_form.add_error(None, str(exc))
        else:
            for row in quick["rows"]:
                row["key"] = row["metric"]
                row["metric"] = _fmt_metric(row["key"])
                row["where"] = scenario.region.name
    return render(request, "scenarios/detail.html", {
        "scenario": scenario, "data": data, "forms": forms_, "active_form": which,
        "map_spec": map_spec, "runs": runs, "run_form": f.RunForm(),
        "quick": quick, "quick_form": quick_form,
        "can_plan": can_plan(request.user), "reference_hours": REFERENCE_WEEKLY_HOURS,
        "chain": list(reversed(_chain_names(scenario))),
        "sources": _sources(scenario.region),
    })


def _chain_names(scenario: Scenario) -> list[Scenario]:
    from .apply import chain

    return chain(scenario)[:-1][::-1]


@require_POST
def delete_change(request: HttpRequest, pk: int, kind: str, change_id: int) -> HttpResponse:
    _require_planner(request)
    scenario = get_object_or_404(Scenario, pk=pk)
    models = {"facility": FacilityChange, "mobile": MobileService, "transport": TransportChange,
              "busline": BusLine,
              "rate": GrowthRate, "projection": PopulationProjection}
    model = models.get(kind)
    if model is None:
        raise PermissionDenied("unknown change kind")
    if model is GrowthRate:
        qs = GrowthRate.objects.filter(projection__scenario=scenario, pk=change_id)
    else:
        qs = model.objects.filter(scenario=scenario, pk=change_id)
    deleted, _x = qs.delete()
    if deleted:
        messages.success(request, _("Change removed."))
    return redirect("scenarios:detail", pk=scenario.pk)


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a scenario with its changes and runs — unless other scenarios build on it."""
    _require_planner(request)
    scenario = get_object_or_404(Scenario, pk=pk)
    children = list(scenario.children.values_list("name", flat=True))
    if children:
        messages.error(request, _("“%(name)s” cannot be deleted: %(children)s build on it.")
                       % {"name": scenario.name, "children": ", ".join(children)})
        return redirect("scenarios:detail", pk=scenario.pk)
    name = scenario.name
    scenario.delete()
    messages.success(request, _("Scenario “%(name)s” deleted.") % {"name": name})
    return redirect("scenarios:index")


@require_POST
def run(request: HttpRequest, pk: int) -> HttpResponse:
    _require_planner(request)
    scenario = get_object_or_404(Scenario.objects.select_related("region"), pk=pk)
    form = f.RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one mode."))
        return redirect("scenarios:detail", pk=scenario.pk)
    from .compare import run_scenario

    types = [t.key for t in form.cleaned_data["types"]] or None
    try:
        srun = run_scenario(scenario, modes=form.cleaned_data["modes"], facility_types=types)
    except (ValidationError, ValueError) as exc:
        messages.error(request, _("The scenario could not be run: %(error)s") % {"error": exc})
        return redirect("scenarios:detail", pk=scenario.pk)
    messages.success(request, _("Scenario run finished in %(s).1f s.") % {"s": srun.run.timings.get("total", 0)})
    return redirect(reverse("scenarios:compare", args=[scenario.pk]))


def effect_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The scenario's expected effect as JSON: what a strategy measure links to."""
    from .compare import effect

    scenario = get_object_or_404(Scenario, pk=pk)
    data = effect(scenario)
    data["url"] = request.build_absolute_uri(reverse("scenarios:compare", args=[scenario.pk]))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# --------------------------------------------------------------------------- comparison


def _fmt_metric(metric: str) -> str:
    labels = {
        "share_within_norm": _("share within the norm"),
        "mean_minutes": _("mean travel time (min)"),
        "median_minutes": _("median travel time (min)"),
        "p90_minutes": _("90th percentile (min)"),
        "share_unreachable": _("share reaching none"),
        "capacity_per_demand": _("capacity per person in demand"),
        "capacity_in_unit_per_demand": _("capacity in the unit per person"),
        "core_village_gap_pp": _("core town minus villages (percentage points)"),
        "core_village_ratio": _("villages ÷ core town"),
        "cross_border_share": _("share served across the border"),
    }
    return str(labels.get(metric, metric))


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    from .compare import compare_values, gains_and_losses, population_change, summary_rows

    scenario = get_object_or_404(Scenario.objects.select_related("region"), pk=pk)
    srun = scenario.scenario_runs.select_related("run", "baseline").first()
    if srun is None:
        return render(request, "scenarios/compare.html", {"scenario": scenario, "srun": None,
                                                          "sources": _sources(scenario.region)})
    others = (Scenario.objects.filter(region=scenario.region, scenario_runs__isnull=False)
              .exclude(pk=scenario.pk).distinct())
    before = srun.baseline
    other_id = request.GET.get("with")
    other = None
    if other_id and other_id != "baseline":
        other = get_object_or_404(others, pk=other_id)
        before = other.scenario_runs.select_related("run").first().run
    comp = compare_values(before, srun.run)
    gl = gains_and_losses(before, srun.run)["pairs"]
    pair_keys = [f"{p['mode']}/{p['type']}" for p in gl]
    changed = [k for k, p in zip(pair_keys, gl, strict=True)
               if p["gain_people"] or p["loss_people"] or p["newly_within_norm"] or p["newly_beyond_norm"]]
    chosen = request.GET.get("pair") or (changed[0] if changed else (pair_keys[0] if pair_keys else ""))
    pair = next((p for k, p in zip(pair_keys, gl, strict=True) if k == chosen), None)
    type_names = {t.key: t.name for t in FacilityType.objects.all()}
    mode_names = {"walk": _("on foot"), "bike": _("by bike"), "car": _("by car"),
                  "straight": _("straight-line estimate"), "drt": _("demand-responsive bus"),
                  "transit": _("by bus and train")}
    ctx: dict[str, Any] = {
        "scenario": scenario, "srun": srun, "before_run": before, "other": other, "others": others,
        "pairs": [{"key": k, "label": f"{type_names.get(k.split('/')[1], k)} – "
                   f"{mode_names.get(k.split('/')[0], k.split('/')[0])}", "changed": k in changed}
                  for k in pair_keys],
        "chosen": chosen, "pair": pair, "n_changed": len(changed),
        "sources": _sources(scenario.region),
        "is_estimate": bool(before.is_estimate or srun.run.is_estimate),
    }
    people = population_change(before, srun.run)
    if any(abs(r["change"]) > 1e-6 or r["aged_75_before"] != r["aged_75_after"] for r in people):
        ctx["population_rows"] = people
    if pair is None:
        return render(request, "scenarios/compare.html", ctx)
    mode, type_key = pair["mode"], pair["type"]
    mine = comp[(comp["mode"] == mode) & (comp["facility_type"] == type_key) & (comp["age_band"] == "")]
    parts = summary_rows(mine)
    district_names = dict(District.objects.filter(municipality__region=scenario.region)
                          .values_list("id", "name"))
    municipality_names = dict(Municipality.objects.filter(region=scenario.region).values_list("id", "name"))

    def rows(frame) -> list[dict]:
        out = []
        for r in frame.itertuples(index=False):
            where = (district_names.get(r.district) or municipality_names.get(r.municipality)
                     or {"core": _("core towns"), "village": _("villages")}.get(r.area_kind)
                     or scenario.region.name)
            out.append({"where": where, "metric": _fmt_metric(r.metric), "key": r.metric,
                        "before": None if np.isnan(r.value_before) else r.value_before,
                        "after": None if np.isnan(r.value_after) else r.value_after,
                        "change": None if np.isnan(r.change) else r.change})
        return out

    district_share = mine[(mine["level"] == "district") & (mine["metric"] == "share_within_norm")]
    district_time = mine[(mine["level"] == "district") & (mine["metric"] == "mean_minutes")]
    ctx.update({
        "region_rows": rows(parts["region"]),
        "balance_rows": rows(parts["core_village"]) + rows(parts["area_kind"]),
        "border_rows": rows(parts["cross_border"][parts["cross_border"]["level"].isin(["municipality", "region"])]),
        "district_rows": rows(district_share) + rows(district_time),
        "pair_label": f"{type_names.get(type_key, type_key)} – {mode_names.get(mode, mode)}",
    })
    # map: cells by what happens to them, districts shaded by the net change within the norm
    cells = pair["cells"]
    status_labels = {"newly_within": _("newly within the norm"), "faster": _("faster"),
                     "same": _("unchanged"), "slower": _("slower"),
                     "newly_beyond": _("newly beyond the norm")}
    cell_features = [
        _point(lon, lat, status=st, name=str(status_labels[st]),
               change_min=ch)
        for lon, lat, st, ch in zip(cells["lon"], cells["lat"], cells["status"], cells["change_min"], strict=True)
        if st != "same"
    ]
    net_by_district = {d["district_id"]: d["newly_within_norm"] - d["newly_beyond_norm"]
                       for d in pair["districts"]}
    district_features = []
    for d in District.objects.filter(municipality__region=scenario.region):
        geom = d.boundary or {"type": "Point", "coordinates": [d.centre_lon, d.centre_lat]}
        district_features.append({"type": "Feature", "geometry": geom, "properties": {
            "name": d.name, "net_within_norm": net_by_district.get(d.pk, 0.0)}})
    map_spec = map_base(_("Map of the difference: Ortsteile shaded by people newly within minus "
                           "newly beyond the norm; dots mark places that gain or lose"))
    map_spec["layers"] = [
        {"type": "choropleth", "data": {"type": "FeatureCollection", "features": district_features},
         "property": "net_within_norm", "title": _("net change of people within the norm"),
         "colours": ["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"], "classes": 5},
        {"type": "points", "data": {"type": "FeatureCollection", "features": cell_features},
         "category": "status", "radius": 5, "fit": False,
         "categories": [{"key": k, "label": str(status_labels[k]), "colour": STATUS_COLOURS[k]}
                        for k in ("newly_within", "faster", "slower", "newly_beyond")],
         "fields": [{"key": "change_min", "label": _("change (min)")}]},
    ]
    ds = sorted(pair["districts"], key=lambda d: d["newly_within_norm"] - d["newly_beyond_norm"])
    chart_spec = {"type": "bar", "data": {
        "labels": [d["district"] for d in ds],
        "datasets": [
            {"label": _("people faster"), "data": [d["gain_people"] for d in ds], "colour": "#74c476"},
            {"label": _("people slower"), "data": [-d["loss_people"] for d in ds], "colour": "#f28e2b"},
            {"label": _("newly within the norm"), "data": [d["newly_within_norm"] for d in ds], "colour": "#1a7f37"},
            {"label": _("newly beyond the norm"), "data": [-d["newly_beyond_norm"] for d in ds], "colour": "#b2182b"},
        ]}, "options": {"horizontal": True, "xLabel": _("people (losses negative)"), "unit": ""}}
    ctx.update({"map_spec": map_spec, "chart_spec": chart_spec, "gain_districts": ds[::-1]})
    return render(request, "scenarios/compare.html", ctx)


# --------------------------------------------------------------------------- location planning


def locate(request: HttpRequest) -> HttpResponse:
    from nahraum.analysis.services import load_inputs

    from . import locating

    region = current_region()
    form = f.LocateForm(request.POST or None)
    ctx: dict[str, Any] = {"form": form, "region": region, "can_plan": can_plan(request.user)}
    if region is not None:
        ctx["sources"] = _sources(region)
    if request.method != "POST" or region is None or not form.is_valid():
        return render(request, "scenarios/locate.html", ctx)
    data = form.cleaned_data
    try:
        inputs = load_inputs(region, modes=[data["mode"]])
        source = data["candidate_source"]
        if source == "list":
            candidates = locating.parse_candidates(data["candidates"])
        elif source == "keep":
            candidates = locating.existing_candidates(inputs, data["facility_type"].key)
        else:
            candidates = locating.settled_candidates(inputs, limit=locating.MAX_CANDIDATES)
        problem = locating.build_problem(
            region, inputs, type_key=data["facility_type"].key, method=data["method"],
            k=data.get("k"), mode=data["mode"], norm_minutes=data.get("norm_minutes"),
            target_bands=data.get("target_bands") or [], candidates=candidates,
            replace_existing=source == "keep",
        )
        result = locating.solve_problem(problem, time_limit_s=30.0)
    except ValidationError as exc:
        for message in (exc.message_dict.items() if hasattr(exc, "message_dict") else [(None, exc.messages)]):
            key, texts = message
            form.add_error(key if key in form.fields else None, " ".join(texts))
        return render(request, "scenarios/locate.html", ctx)
    if request.POST.get("make_scenario"):
        _require_planner(request)
        scenario = locating.scenario_from_result(problem, result, author=request.user)
        messages.success(request, _("Scenario “%(name)s” created from the answer.") % {"name": scenario.name})
        return redirect("scenarios:detail", pk=scenario.pk)
    sites = locating.result_rows(problem, result)
    greedy_sites = locating.greedy_rows(problem, result)
    features = [_point(s["lon"], s["lat"], name=s["name"], category="exact",
                       people_served=round(s["people_served"])) for s in sites]
    features += [_point(s["lon"], s["lat"], name=s["name"], category="greedy") for s in greedy_sites]
    map_spec = map_base(_("Map of the chosen sites (exact and greedy)"))
    map_spec["layers"] = [
        {"type": "points", "url": reverse("region:api-facilities") + f"?type={problem.facility_type.key}",
         "category": "field", "radius": 4, "title": _("Facilities today")},
        {"type": "points", "data": {"type": "FeatureCollection", "features": features},
         "category": "category", "radius": 8,
         "categories": [{"key": "exact", "label": _("exact answer"), "colour": "#1a7f37"},
                        {"key": "greedy", "label": _("greedy answer"), "colour": "#f28e2b"}],
         "fields": [{"key": "people_served", "label": _("people served first by it")}]},
    ]
    unit = {"max_coverage": _("people newly within the norm"),
            "p_median": _("person-minutes of travel"), "set_cover": _("sites")}[problem.method]
    scale = 1 / 60 if problem.method == "p_median" else 1
    chart_spec = {"type": "bar", "data": {"labels": [_("exact (HiGHS)"), _("greedy")], "datasets": [
        {"label": str(unit), "data": [result.objective * scale, result.greedy.objective * scale]}]},
        "options": {"yLabel": str(unit)}}
    ctx.update({
        "problem": problem, "result": result, "sites": sites, "greedy_sites": greedy_sites,
        "unit": unit, "objective": result.objective * scale, "bound": result.bound * scale,
        "greedy_objective": result.greedy.objective * scale, "gap_percent": result.gap * 100,
        "map_spec": map_spec, "chart_spec": chart_spec, "n_candidates": len(problem.candidates),
        "n_cells": problem.cost_s.shape[0], "target_weight": float(problem.weights.sum()),
    })
    return render(request, "scenarios/locate.html", ctx)
