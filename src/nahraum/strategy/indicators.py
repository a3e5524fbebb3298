"""Reading the analysis' stored results for the strategy's indicator targets.

The strategy does not compute anything itself: it points at figures the analysis stored
(:class:`nahraum.analysis.models.IndicatorValue`) and follows them from run to run. An indicator
is identified by its *specification* — level, metric, mode, facility type, place (municipality,
district or area kind) and age band — so the same figure can be found again in every new run. Only
finished runs of the baseline (no scenario) count: a scenario is a what-if, not a measured state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from nahraum.analysis.models import AnalysisRun, IndicatorValue

SPEC_FIELDS: tuple[str, ...] = (
    "level",
    "metric",
    "mode",
    "facility_type_id",
    "municipality_id",
    "district_id",
    "area_kind",
    "age_band",
)

#: Readable names of the metrics the engine is known to store; unknown metrics show their code.
METRIC_LABELS = {
    "share_within_norm": gettext_noop("share within the norm (%)"),
    "mean_minutes": gettext_noop("mean travel time (min)"),
    "median_minutes": gettext_noop("median travel time (min)"),
    "p90_minutes": gettext_noop("90th percentile travel time (min)"),
    "capacity_per_demand": gettext_noop("capacity per demand"),
    "cross_border_share": gettext_noop("share served across the border (%)"),
}


def is_share(metric: str) -> bool:
    """Shares are stored as fractions (0–1) by the engine and shown as percent."""
    return metric.startswith("share") or metric.endswith("_share")


def to_display(metric: str, value: float | None) -> float | None:
    """A stored value in the unit people read: percent for shares, else unchanged."""
    if value is None:
        return None
    return value * 100.0 if is_share(metric) else value


def from_display(metric: str, value: float) -> float:
    """Inverse of :func:`to_display` (a target typed as percent becomes a fraction)."""
    return value / 100.0 if is_share(metric) else value


def unit(metric: str) -> str:
    if is_share(metric):
        return "%"
    if metric.endswith("minutes"):
        return "min"
    return ""


def baseline_runs(region_id: int | None = None) -> QuerySet[AnalysisRun]:
    """Finished runs without a scenario, newest first (``finished``, then id, as tie-break)."""
    runs = AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE, scenario__isnull=True)
    if region_id is not None:
        runs = runs.filter(region_id=region_id)
    return runs.order_by("-finished", "-started", "-pk")


def current_run(region_id: int | None = None) -> AnalysisRun | None:
    """The run that is current now: the newest finished baseline run."""
    return baseline_runs(region_id).first()


def spec_of(value: IndicatorValue | Any) -> dict:
    """The specification of a stored value or of a target (anything with the spec fields)."""
    return {
        name: getattr(value, name) or ("" if name in ("mode", "area_kind", "age_band") else None)
        for name in SPEC_FIELDS
    }


def spec_key(spec: dict) -> str:
    """A stable text key for a specification (used as the choice value in forms)."""
    return json.dumps([spec.get(name) for name in SPEC_FIELDS], separators=(",", ":"))


def parse_spec_key(key: str) -> dict:
    """Inverse of :func:`spec_key`; raises ValueError on anything malformed."""
    values = json.loads(key)
    if not isinstance(values, list) or len(values) != len(SPEC_FIELDS):
        raise ValueError("not an indicator key")
    spec = dict(zip(SPEC_FIELDS, values, strict=True))
    for name in ("facility_type_id", "municipality_id", "district_id"):
        if spec[name] is not None and not isinstance(spec[name], int):
            raise ValueError(f"{name} must be a number or null")
    for name in ("level", "metric", "mode", "area_kind", "age_band"):
        if not isinstance(spec[name], str):
            raise ValueError(f"{name} must be text")
    return spec


def _filter(spec: dict) -> dict:
    return {name: spec.get(name) for name in SPEC_FIELDS}


def value_in(run: AnalysisRun | None, spec: dict) -> IndicatorValue | None:
    """The stored value of ``spec`` in ``run`` (None when the run lacks it)."""
    if run is None:
        return None
    lookup = {}
    for name, wanted in _filter(spec).items():
        if name in ("mode", "area_kind", "age_band"):
            lookup[name] = wanted or ""
        elif wanted is None:
            lookup[f"{name[:-3]}__isnull"] = True
        else:
            lookup[name] = wanted
    return IndicatorValue.objects.filter(run=run, **lookup).first()


@dataclass
class Point:
    """One value of an indicator in one run (for the progress chart and its table)."""

    run_id: int
    date: Any
    value: float | None
    is_estimate: bool


def series(spec: dict, region_id: int | None = None) -> list[Point]:
    """The indicator's value in every finished baseline run, oldest first."""
    points = []
    for run in baseline_runs(region_id).order_by("finished", "started", "pk"):
        found = value_in(run, spec)
        if found is not None:
            points.append(
                Point(
                    run_id=run.pk,
                    date=(run.finished or run.started).date(),
                    value=found.value,
                    is_estimate=found.is_estimate or run.is_estimate,
                )
            )
    return points


def latest(
    spec: dict, region_id: int | None = None
) -> tuple[AnalysisRun | None, IndicatorValue | None]:
    """The newest finished baseline run that holds the indicator, and its value there."""
    for run in baseline_runs(region_id)[:50]:
        found = value_in(run, spec)
        if found is not None:
            return run, found
    return None, None


def describe(spec: dict, names: dict | None = None) -> str:
    """A readable label for a specification.

    E.g. 'share within the norm (%) · walk · GP · Kalletal · 75+'.
    """
    from nahraum.region.models import District, FacilityType, Municipality

    names = names or {}
    parts = [_(METRIC_LABELS.get(spec["metric"], spec["metric"]))]
    if spec.get("mode"):
        parts.append(spec["mode"])
    if spec.get("facility_type_id"):
        ft = (
            names.get(("ft", spec["facility_type_id"]))
            or FacilityType.objects.filter(pk=spec["facility_type_id"]).first()
        )
        parts.append(str(getattr(ft, "name", ft)))
    place = _("region")
    if spec.get("district_id"):
        d = (
            names.get(("d", spec["district_id"]))
            or District.objects.filter(pk=spec["district_id"]).first()
        )
        place = str(d)
    elif spec.get("municipality_id"):
        m = (
            names.get(("m", spec["municipality_id"]))
            or Municipality.objects.filter(pk=spec["municipality_id"]).first()
        )
        place = str(m)
        if spec.get("area_kind"):
            place += f" ({spec['area_kind']})"
    elif spec.get("area_kind"):
        place = spec["area_kind"]
    parts.append(place)
    parts.append(spec["age_band"] or _("all ages"))
    return " · ".join(parts)


def available_specs(run: AnalysisRun | None, limit: int = 2000) -> list[tuple[str, str]]:
    """Choices ``(key, label)`` of every indicator stored in ``run``, for the target form.

    Whatever the engine stores is offered, so new metrics appear without a change here.
    """
    if run is None:
        return []
    from nahraum.region.models import District, FacilityType, Municipality

    names: dict = {}
    for ft in FacilityType.objects.all():
        names[("ft", ft.pk)] = ft
    for m in Municipality.objects.all():
        names[("m", m.pk)] = m
    for d in District.objects.all():
        names[("d", d.pk)] = d
    rows = (
        IndicatorValue.objects.filter(run=run)
        .values(*SPEC_FIELDS)
        .distinct()
        .order_by(
            "level",
            "metric",
            "mode",
            "facility_type_id",
            "municipality_id",
            "district_id",
            "area_kind",
            "age_band",
        )[:limit]
    )
    choices = []
    for row in rows:
        spec = {name: row[name] for name in SPEC_FIELDS}
        choices.append((spec_key(spec), describe(spec, names)))
    return choices
