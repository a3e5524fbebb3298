"""Scenario pages: list, editor (forms + clicks on the map), run, comparison, location planning.

Everybody may look at scenarios and their comparisons (the figures belong to the public
debate); planners create scenarios for their municipality and change, run and delete their own
(``scenarios/rules.py`` decides, through :mod:`nahraum.accounts.permissions`). The decisions
themselves (the delete guard, growth rates, removing a change) live in ``services``, queries in
``selectors``; a view reads the request through a form and puts the page together.
Writes happen in one transaction each; a rejected form leaves the database as it was.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nahraum.accounts.permissions import require
from nahraum.region.cachever import data_version
from nahraum.region.selectors import current_region

from . import forms as f
from . import selectors, services, specs
from .models import (
    REFERENCE_WEEKLY_HOURS,
    BusLine,
    FacilityChange,
    MobileService,
    PopulationProjection,
    Scenario,
    TransportChange,
)

# --------------------------------------------------------------------------- list


def index(request: HttpRequest) -> HttpResponse:
    region = current_region()
    if region is None:
        return render(request, "scenarios/index.html", {"region": None, "scenarios": []})
    form = f.ScenarioForm(region=region, user=request.user)
    if request.method == "POST":
        require(request, "scenarios.add_scenario")
        form = f.ScenarioForm(
            request.POST,
            region=region,
            user=request.user,
            instance=Scenario(region=region, author=request.user),
        )
        if form.is_valid():
            scenario = form.save()
            messages.success(request, _("Scenario “%(name)s” created.") % {"name": scenario.name})
            return redirect("scenarios:detail", pk=scenario.pk)
    return render(
        request,
        "scenarios/index.html",
        {
            "region": region,
            "scenarios": selectors.region_scenarios(region),
            "form": form,
        },
    )


# --------------------------------------------------------------------------- editor


FORMS = {
    "facility": (f.FacilityChangeForm, FacilityChange),
    "mobile": (f.MobileServiceForm, MobileService),
    "transport": (f.TransportChangeForm, TransportChange),
    "busline": (f.BusLineForm, BusLine),
}
EDITOR_FORMS = (*FORMS, "projection", "rate")


def _editor_forms(scenario: Scenario, data=None, which: str | None = None) -> dict[str, Any]:
    region = scenario.region
    out: dict[str, Any] = {}
    for key, (form_class, model) in FORMS.items():
        bound = data if which == key else None
        kwargs = {"region": region} if key in ("facility", "transport") else {}
        out[key] = form_class(bound, instance=model(scenario_id=scenario.pk), prefix=key, **kwargs)
    projection = getattr(scenario, "projection", None) if hasattr(scenario, "projection") else None
    out["projection"] = f.ProjectionForm(
        data if which == "projection" else None,
        prefix="projection",
        # scenario_id, not scenario=: assigning the object would cache this unsaved
        # projection on the scenario as if it existed
        instance=projection
        or PopulationProjection(
            scenario_id=scenario.pk, base_year=services.default_base_year(region)
        ),
    )
    out["rate"] = f.GrowthRateForm(data if which == "rate" else None, prefix="rate", region=region)
    return out


def _save_change(scenario: Scenario, which: str, forms_: dict[str, Any]) -> bool:
    form = forms_[which]
    if not form.is_valid():
        return False
    if which != "rate":
        with transaction.atomic():
            form.save()
        return True
    data = form.cleaned_data
    try:
        services.set_growth_rate(
            scenario, data["area"], data["rate_percent"] / 100, note=data["note"]
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


def _quick_check(request: HttpRequest, scenario: Scenario) -> tuple[dict | None, f.QuickCheckForm]:
    """Baseline vs scenario for one type and mode, computed now, for those who may run it."""
    quick_form = f.QuickCheckForm(request.GET if "quick_type" in request.GET else None)
    if not (
        quick_form.is_bound
        and request.user.has_perm("scenarios.run_scenario", scenario)
        and quick_form.is_valid()
    ):
        return None, quick_form
    from .compare import quick_check

    try:
        quick = quick_check(
            scenario,
            quick_form.cleaned_data["quick_type"].key,
            mode=quick_form.cleaned_data["quick_mode"],
        )
    except (ValidationError, ValueError) as exc:
        quick_form.add_error(None, str(exc))
        return None, quick_form
    for row in quick["rows"]:
        row["key"] = row["metric"]
        row["metric"] = _fmt_metric(row["key"])
        row["where"] = scenario.region.name
    return quick, quick_form


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(
        selectors.scenarios("region", "parent", "author", "municipality"), pk=pk
    )
    require(request, "scenarios.view_scenario", scenario)
    which = request.POST.get("form") if request.method == "POST" else None
    if which is not None:
        require(request, "scenarios.change_scenario", scenario)
        if which not in EDITOR_FORMS:
            raise PermissionDenied("unknown form")
    forms_ = _editor_forms(scenario, request.POST if which else None, which)
    if which and _save_change(scenario, which, forms_):
        messages.success(request, _("Change saved."))
        return redirect("scenarios:detail", pk=scenario.pk)
    quick, quick_form = _quick_check(request, scenario)
    return render(
        request,
        "scenarios/detail.html",
        {
            "scenario": scenario,
            "data": services.describe(scenario),
            "forms": forms_,
            "active_form": which,
            "map_spec": specs.changes_map(*selectors.changes(scenario)),
            "runs": selectors.recent_runs(scenario),
            "run_form": f.RunForm(),
            "quick": quick,
            "quick_form": quick_form,
            "reference_hours": REFERENCE_WEEKLY_HOURS,
            "chain": list(reversed(_chain_names(scenario))),
            "sources": selectors.region_sources(scenario.region),
        },
    )


def _chain_names(scenario: Scenario) -> list[Scenario]:
    from .apply import chain

    return chain(scenario)[:-1][::-1]


@require_POST
def delete_change(request: HttpRequest, pk: int, kind: str, change_id: int) -> HttpResponse:
    scenario = get_object_or_404(selectors.scenarios(), pk=pk)
    require(request, "scenarios.change_scenario", scenario)
    if kind not in services.CHANGE_KINDS:
        raise PermissionDenied("unknown change kind")
    if services.remove_change(scenario, kind, change_id):
        messages.success(request, _("Change removed."))
    return redirect("scenarios:detail", pk=scenario.pk)


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a scenario with its changes and runs — unless other scenarios build on it."""
    scenario = get_object_or_404(selectors.scenarios(), pk=pk)
    require(request, "scenarios.delete_scenario", scenario)
    name = scenario.name
    try:
        services.delete_scenario(scenario)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("scenarios:detail", pk=scenario.pk)
    messages.success(request, _("Scenario “%(name)s” deleted.") % {"name": name})
    return redirect("scenarios:index")


@require_POST
def run(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the scenario run as a background job; its page shows the progress, then the result.

    Identical requests (same scenario, modes and types, no data changed since) reuse the job
    (a double click does not run twice); after any change the same button runs anew.
    """
    from nahraum.jobs.services import job_url, start_job

    from .jobs import RUN

    scenario = get_object_or_404(selectors.scenarios("region"), pk=pk)
    require(request, "scenarios.run_scenario", scenario)
    form = f.RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one mode."))
        return redirect("scenarios:detail", pk=scenario.pk)
    params = {
        "scenario": scenario.pk,
        "modes": sorted(form.cleaned_data["modes"]),
        "types": sorted(t.key for t in form.cleaned_data["types"]),
        "language": request.LANGUAGE_CODE,
        # the data as they are now: a change to the scenario (or any data) is a new request
        "data_version": data_version("data"),
    }
    job = start_job(RUN, params, user=request.user, session_key=_session_key(request))
    return redirect(job_url(job))


def _session_key(request: HttpRequest) -> str | None:
    """The visitor's session key (made now if there is none yet): who may follow the job."""
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key


def effect_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The scenario's expected effect as JSON: what a strategy measure links to."""
    from .compare import effect

    scenario = get_object_or_404(selectors.scenarios(), pk=pk)
    require(request, "scenarios.view_scenario", scenario)
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


def _mode_names() -> dict[str, str]:
    return {
        "walk": _("on foot"),
        "bike": _("by bike"),
        "car": _("by car"),
        "straight": _("straight-line estimate"),
        "drt": _("demand-responsive bus"),
        "transit": _("by bus and train"),
    }


def _pairs_context(before, after, chosen: str) -> dict[str, Any]:
    """Which service × mode pairs changed, and the one shown (the first that changed)."""
    from .compare import gains_and_losses

    gl = gains_and_losses(before, after)["pairs"]
    pair_keys = [f"{p['mode']}/{p['type']}" for p in gl]
    changed = [
        k
        for k, p in zip(pair_keys, gl, strict=True)
        if p["gain_people"] or p["loss_people"] or p["newly_within_norm"] or p["newly_beyond_norm"]
    ]
    chosen = chosen or (changed[0] if changed else (pair_keys[0] if pair_keys else ""))
    type_names, mode_names = selectors.facility_type_names(), _mode_names()
    return {
        "pairs": [
            {
                "key": k,
                "label": f"{type_names.get(k.split('/')[1], k)} – "
                f"{mode_names.get(k.split('/')[0], k.split('/')[0])}",
                "changed": k in changed,
            }
            for k in pair_keys
        ],
        "chosen": chosen,
        "n_changed": len(changed),
        "pair": next((p for k, p in zip(pair_keys, gl, strict=True) if k == chosen), None),
    }


def _pair_tables(scenario: Scenario, before, after, pair: dict) -> dict[str, Any]:
    """The comparison tables of one pair: region, balance, across the border, Ortsteile."""
    from .compare import compare_values, summary_rows

    comp = compare_values(before, after)
    mode, type_key = pair["mode"], pair["type"]
    mine = comp[
        (comp["mode"] == mode) & (comp["facility_type"] == type_key) & (comp["age_band"] == "")
    ]
    parts = summary_rows(mine)
    district_names, municipality_names = selectors.place_names(scenario.region)
    kinds = {"core": _("core towns"), "village": _("villages")}

    def rows(frame) -> list[dict]:
        return [
            {
                "where": (
                    district_names.get(r.district)
                    or municipality_names.get(r.municipality)
                    or kinds.get(r.area_kind)
                    or scenario.region.name
                ),
                "metric": _fmt_metric(r.metric),
                "key": r.metric,
                "before": None if np.isnan(r.value_before) else r.value_before,
                "after": None if np.isnan(r.value_after) else r.value_after,
                "change": None if np.isnan(r.change) else r.change,
            }
            for r in frame.itertuples(index=False)
        ]

    districts = mine[mine["level"] == "district"]
    border = parts["cross_border"]
    return {
        "region_rows": rows(parts["region"]),
        "balance_rows": rows(parts["core_village"]) + rows(parts["area_kind"]),
        "border_rows": rows(border[border["level"].isin(["municipality", "region"])]),
        "district_rows": rows(districts[districts["metric"] == "share_within_norm"])
        + rows(districts[districts["metric"] == "mean_minutes"]),
        "pair_label": f"{selectors.facility_type_names().get(type_key, type_key)} – "
        f"{_mode_names().get(mode, mode)}",
    }


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    from .compare import population_change

    scenario = get_object_or_404(selectors.scenarios("region"), pk=pk)
    require(request, "scenarios.view_scenario", scenario)
    srun = selectors.latest_run(scenario)
    sources = selectors.region_sources(scenario.region)
    if srun is None:
        return render(
            request,
            "scenarios/compare.html",
            {"scenario": scenario, "srun": None, "sources": sources},
        )
    others = selectors.comparable_scenarios(scenario)
    form = f.CompareForm(request.GET, others=others)
    if not form.is_valid():
        raise Http404(_("No such scenario to compare with."))
    other = form.cleaned_data["with"]
    before = selectors.latest_run(other).run if other is not None else srun.baseline
    ctx: dict[str, Any] = {
        "scenario": scenario,
        "srun": srun,
        "before_run": before,
        "other": other,
        "others": others,
        "sources": sources,
        "is_estimate": bool(before.is_estimate or srun.run.is_estimate),
        **_pairs_context(before, srun.run, form.cleaned_data["pair"]),
    }
    people = population_change(before, srun.run)
    if any(abs(r["change"]) > 1e-6 or r["aged_75_before"] != r["aged_75_after"] for r in people):
        ctx["population_rows"] = people
    pair = ctx["pair"]
    if pair is None:
        return render(request, "scenarios/compare.html", ctx)
    ds = sorted(pair["districts"], key=lambda d: d["newly_within_norm"] - d["newly_beyond_norm"])
    ctx.update(_pair_tables(scenario, before, srun.run, pair))
    ctx.update(
        {
            "map_spec": specs.difference_map(selectors.region_districts(scenario.region), pair),
            "chart_spec": specs.gains_chart(ds),
            "gain_districts": ds[::-1],
        }
    )
    return render(request, "scenarios/compare.html", ctx)


# --------------------------------------------------------------------------- location planning

#: New location plannings per person and hour (an identical question reuses its job and costs
#: nothing); settings.NAHRAUM_LOCATE_BUDGET overrides single entries. Anonymous visitors may
#: not ask at all (scenarios.locate).
LOCATE_BUDGET = {"per_user": 30, "per_address": 0, "window": 3600}


def _locate_params(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The question as the job's JSON parameters (only what changes the answer: reuse key)."""
    return {
        "facility_type": data["facility_type"].key,
        "method": data["method"],
        "k": data.get("k"),
        "mode": data["mode"],
        "norm_minutes": data.get("norm_minutes"),
        "target_bands": sorted(data.get("target_bands") or []),
        "candidate_source": data["candidate_source"],
        "candidates": data["candidates"] if data["candidate_source"] == "list" else "",
        "language": request.LANGUAGE_CODE,
        "data_version": data_version("data"),  # new data, new answer
    }


def _locate_job(request: HttpRequest):
    """The location job named by ``?job=`` (or the make-scenario form), if this visitor may see
    it: who started it (account or session) or staff; ``None`` without one; 404 otherwise."""
    from nahraum.jobs.rules import session_started
    from nahraum.jobs.selectors import get_job

    from .jobs import LOCATE

    job_id = request.POST.get("job") or request.GET.get("job")
    if not job_id:
        return None
    try:
        job = get_job(uuid.UUID(str(job_id)))
    except ValueError:
        job = None
    if job is None or job.kind != LOCATE:
        raise Http404(_("No such location planning."))
    if not (
        request.user.has_perm("jobs.view_job", job)
        or session_started(job, request.session.session_key)
    ):
        raise Http404(_("No such location planning."))
    return job


def _answer_context(data: dict[str, Any]) -> dict[str, Any]:
    """The stored answer's figures, map and chart (exact vs greedy), in the page's language."""
    unit = {
        "max_coverage": _("people newly within the norm"),
        "p_median": _("person-minutes of travel"),
        "set_cover": _("sites"),
    }[data["method"]]
    scale = 1 / 60 if data["method"] == "p_median" else 1
    return {
        "answer": data,
        "sites": data["sites"],
        "greedy_sites": data["greedy_sites"],
        "unit": unit,
        "objective": data["objective"] * scale,
        "bound": data["bound"] * scale,
        "greedy_objective": data["greedy_objective"] * scale,
        "gap_percent": data["gap"] * 100,
        "map_spec": specs.locate_map(data["type"], data["sites"], data["greedy_sites"]),
        "chart_spec": specs.locate_chart(
            str(unit), data["objective"] * scale, data["greedy_objective"] * scale
        ),
    }


def _job_context(job) -> dict[str, Any]:
    """What the page shows of a location job: its question, and its answer or why there is none."""
    if job.state == job.State.FAILED:
        form = f.LocateForm(job.params)
        form.is_valid()
        form.add_error(None, job.error)
        return {"form": form, "job": job}
    ctx: dict[str, Any] = {"form": f.LocateForm(initial=job.params), "job": job}
    if job.state == job.State.DONE:
        ctx.update(_answer_context(job.result["answer"]))
    return ctx


def _scenario_from_job(request: HttpRequest, job) -> HttpResponse:
    """Make a scenario from a stored answer (no second solve)."""
    from . import locating

    require(request, "scenarios.add_scenario")
    region = current_region()
    if job is None or job.state != job.State.DONE or region is None:
        raise Http404(_("No such location planning."))
    if region.pk != job.result["region"]:
        raise Http404(_("No such location planning."))
    scenario = locating.scenario_from_answer(
        region,
        job.result["answer"],
        author=request.user,
        municipality=services.home_municipality(request.user),
    )
    messages.success(
        request, _("Scenario “%(name)s” created from the answer.") % {"name": scenario.name}
    )
    return redirect("scenarios:detail", pk=scenario.pk)


def _start_locating(request: HttpRequest, params: dict[str, Any]) -> HttpResponse:
    """Start (or reuse) the job of this question; a new one spends the person's budget."""
    from django.conf import settings

    from nahraum.jobs.selectors import reusable_job
    from nahraum.jobs.services import job_url, params_key, start_job
    from nahraum.region.ratelimit import budget, too_many_requests

    from .jobs import LOCATE

    session_key = _session_key(request)
    job = reusable_job(LOCATE, params_key(params), user=request.user, session_key=session_key)
    if job is None:
        limits = {**LOCATE_BUDGET, **getattr(settings, "NAHRAUM_LOCATE_BUDGET", {})}
        wait = budget("locate", request, **limits)
        if wait is not None:
            return too_many_requests(request, _("location planning"), wait)
        job = start_job(LOCATE, params, user=request.user, session_key=session_key)
    return redirect(job_url(job))


def locate(request: HttpRequest) -> HttpResponse:
    """Location planning: the question (everybody sees it), the answer of a job (``?job=``).

    Solving is heavy (p-median with k = 100 by car: about a minute), so only signed-in people
    may ask (``scenarios.locate``), and only through the job queue; identical questions while
    one is being solved reuse that job.
    """
    region = current_region()
    ctx: dict[str, Any] = {"region": region, "form": f.LocateForm()}
    if region is not None:
        ctx["sources"] = selectors.region_sources(region)
    job = _locate_job(request)
    if request.method == "POST":
        require(request, "scenarios.locate")
        if request.POST.get("make_scenario"):
            return _scenario_from_job(request, job)
        ctx["form"] = form = f.LocateForm(request.POST)
        if region is not None and form.is_valid():
            return _start_locating(request, _locate_params(request, form.cleaned_data))
    elif job is not None:
        ctx.update(_job_context(job))
    return render(request, "scenarios/locate.html", ctx)
