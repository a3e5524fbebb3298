"""Read-only summaries of the stored supply results for the region's own pages.

The overview and the district profile are where people start; issues 3 and 6 want the supply
indicators and the ÖV-Güteklassen visible there, not only three clicks away. The figures are
*computed* by the analysis app (``AnalysisRun``/``IndicatorValue``) and the transit app
(``Feed``/``CellClass``); this module only reads what they stored, through their own helpers
(:func:`nahraum.analysis.services.latest_run`, :func:`nahraum.transit.services.active_feed`,
:func:`nahraum.transit.services.class_shares`), and shapes a compact table, chart and map spec.
It writes nothing.

Imports of the other apps are made inside the functions: ``nahraum.transit.views`` imports
``nahraum.region.views``, so a module-level import here would be circular.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .models import District, FacilityType, Region

#: The types shown on the overview and district pages (issue 3's "most important ones"): what
#: people need most often and what a village loses first. The full list is on the analysis pages.
KEY_TYPES: tuple[str, ...] = ("gp", "pharmacy", "supermarket", "primary_school", "kita", "bus_stop")
#: Display order of the modes; a run lists the ones it computed in ``parameters["modes"]``.
MODE_ORDER: tuple[str, ...] = ("walk", "bike", "car", "transit", "straight")
MODE_COLOURS = {"walk": "#1b7837", "bike": "#2166ac", "car": "#762a83", "transit": "#b35806",
                "straight": "#4d4d4d"}
AREA_COLOURS = {"core": "#0b5d7a", "village": "#1b6b2f"}


def _url(name: str, *args: str) -> str | None:
    """A link into another app, or None if that app's page is not installed."""
    try:
        return reverse(name, args=list(args))
    except NoReverseMatch:
        return None


def _run_modes(run: Any) -> list[str]:
    modes = list(run.parameters.get("modes", []))
    return sorted(modes, key=lambda m: (MODE_ORDER.index(m) if m in MODE_ORDER else 99, m))


def _key_types(run: Any) -> list[FacilityType]:
    """The key types the run computed, in :data:`KEY_TYPES` order; the run's own types if it
    computed none of them (a region with another taxonomy still gets a summary)."""
    computed = list(run.parameters.get("facility_types", []))
    keys = [k for k in KEY_TYPES if k in computed] or computed[: len(KEY_TYPES)]
    by_key = {t.key: t for t in FacilityType.objects.filter(key__in=keys)}
    return [by_key[k] for k in keys if k in by_key]


def _percent(value: float | None) -> float | None:
    from nahraum.analysis.views import shown

    return shown("share_within_norm", value)


def _minutes(value: float | None) -> float | None:
    from nahraum.analysis.views import shown

    v = shown("median_minutes", value)
    return None if v is None else round(v, 1)


def _run_info(run: Any) -> dict[str, Any]:
    from nahraum.analysis.views import mode_label

    modes = _run_modes(run)
    return {
        "run": run,
        "date": run.finished or run.started,
        "is_estimate": run.is_estimate,
        "modes": [{"key": m, "label": mode_label(m), "is_estimate": m == "straight"}
                  for m in modes],
    }


def region_supply(region: Region) -> dict[str, Any] | None:
    """Share of people within the norm per key type and mode: region, core towns, villages.

    None when the region has no finished baseline run (the page then says so). Values come from
    the run's ``share_within_norm`` figures for all ages at the levels "region" and "area_kind"
    (region-wide, i.e. ``municipality`` empty), as the analysis overview shows them.
    """
    from nahraum.analysis.models import IndicatorValue
    from nahraum.analysis.services import latest_run

    run = latest_run(region)
    if run is None:
        return None
    info = _run_info(run)
    types = _key_types(run)
    modes = [m["key"] for m in info["modes"]]
    values = IndicatorValue.objects.filter(
        run=run, age_band="", facility_type__in=types, mode__in=modes,
    ).filter(
        Q(level="region", metric__in=["share_within_norm", "median_minutes"])
        | Q(level="area_kind", municipality__isnull=True, metric="share_within_norm")
    )
    grid: dict[tuple[int, str], dict[str, float | None]] = defaultdict(dict)
    for level, kind, metric, type_id, mode, value in values.values_list(
        "level", "area_kind", "metric", "facility_type_id", "mode", "value"
    ):
        if metric == "median_minutes":
            grid[(type_id, mode)]["median"] = _minutes(value)
        else:
            grid[(type_id, mode)]["all" if level == "region" else kind] = _percent(value)
    groups = []
    for t in types:
        mode_rows = []
        for m in info["modes"]:
            cell = {k: grid.get((t.pk, m["key"]), {}).get(k)
                    for k in ("all", "core", "village", "median")}
            if any(v is not None for v in cell.values()):
                mode_rows.append({"mode": m, **cell})
        groups.append({"type": t, "rows": mode_rows})
    datasets = []
    for m in info["modes"]:
        data = [grid.get((t.pk, m["key"]), {}).get("all") for t in types]
        if any(v is not None for v in data):  # a mode without any norm adds only an empty bar
            datasets.append({"label": m["label"], "colour": MODE_COLOURS.get(m["key"], "#4d4d4d"),
                             "data": data})
    chart = {
        "type": "bar",
        "data": {"labels": [str(t.name) for t in types], "datasets": datasets},
        "options": {"unit": "%", "yLabel": _("Share within the norm (%)"),
                    "xLabel": _("Facility type")},
    }
    from nahraum.analysis.views import mode_label

    gap_mode = "walk" if "walk" in modes else (modes[0] if modes else "")
    gap_chart = {
        "type": "bar",
        "data": {
            "labels": [str(t.name) for t in types],
            "datasets": [
                {"label": label, "colour": AREA_COLOURS[kind],
                 "data": [grid.get((t.pk, gap_mode), {}).get(kind) for t in types]}
                for kind, label in (("core", _("core towns")), ("village", _("villages")))
            ],
        },
        "options": {"unit": "%", "yLabel": _("Share within the norm (%)"),
                    "xLabel": _("Facility type")},
    }
    has_values = any(g["rows"] for g in groups)
    return {**info, "types": types, "groups": groups, "chart": chart, "gap_chart": gap_chart,
            "gap_mode": gap_mode, "gap_mode_label": mode_label(gap_mode) if gap_mode else "",
            "has_values": has_values,
            "url": _url("analysis:overview")}


def district_values(run: Any, type_key: str, mode: str) -> dict[int, float | None]:
    """Share within the norm (per cent) of every district for one type and mode (for the map)."""
    from nahraum.analysis.models import IndicatorValue

    return {
        d: _percent(v)
        for d, v in IndicatorValue.objects.filter(
            run=run, level="district", metric="share_within_norm", age_band="",
            facility_type__key=type_key, mode=mode,
        ).values_list("district_id", "value")
    }


def district_supply(district: District) -> dict[str, Any] | None:
    """The district's share within the norm and median travel time per key type and mode.

    None when the region has no finished baseline run.
    """
    from nahraum.analysis.models import IndicatorValue
    from nahraum.analysis.services import latest_run

    run = latest_run(district.municipality.region)
    if run is None:
        return None
    info = _run_info(run)
    types = _key_types(run)
    modes = [m["key"] for m in info["modes"]]
    grid: dict[tuple[int, str], dict[str, float | None]] = defaultdict(dict)
    for metric, type_id, mode, value in IndicatorValue.objects.filter(
        run=run, level="district", district=district, age_band="", facility_type__in=types,
        mode__in=modes, metric__in=["share_within_norm", "median_minutes"],
    ).values_list("metric", "facility_type_id", "mode", "value"):
        grid[(type_id, mode)][metric] = (
            _percent(value) if metric == "share_within_norm" else _minutes(value)
        )
    rows = [
        {"type": t, "cells": [{"mode": m, "share": grid.get((t.pk, m), {}).get("share_within_norm"),
                               "median": grid.get((t.pk, m), {}).get("median_minutes")}
                              for m in modes]}
        for t in types
    ]
    chart = {
        "type": "bar",
        "data": {
            "labels": [str(t.name) for t in types],
            "datasets": [
                {"label": m["label"], "colour": MODE_COLOURS.get(m["key"], "#4d4d4d"),
                 "data": [r["cells"][i]["median"] for r in rows]}
                for i, m in enumerate(info["modes"])
                if any(r["cells"][i]["median"] is not None for r in rows)
            ],
        },
        "options": {"unit": "min", "yLabel": _("Median travel time (min)"),
                    "xLabel": _("Facility type")},
    }
    has_values = any(c["share"] is not None or c["median"] is not None
                     for r in rows for c in r["cells"])
    return {**info, "types": types, "rows": rows, "chart": chart, "has_values": has_values,
            "url": _url("analysis:district", district.key)}


def _class_keys() -> list[str]:
    from nahraum.access.oev_classes import CLASSES

    return [*CLASSES, ""]


def _class_row(name: str, bucket: dict[str, float], url: str | None = None) -> dict[str, Any]:
    total = sum(bucket.values())
    good = sum(bucket.get(k, 0) for k in ("A", "B", "C", "D"))
    return {
        "name": name, "url": url, "total": total,
        "classes": [{"klass": k, "people": bucket.get(k, 0),
                     "share": round(100.0 * bucket.get(k, 0) / total, 1) if total else None}
                    for k in _class_keys()],
        "share_a_to_d": round(100.0 * good / total, 1) if total else None,
    }


def _class_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One stacked bar per row (municipality or district): shares of inhabitants per class."""
    from nahraum.transit.views import CLASS_COLOURS

    return {
        "type": "bar",
        "data": {
            "labels": [r["name"] for r in rows],
            "datasets": [
                {"label": _("Class %(k)s") % {"k": k} if k else _("no class"),
                 "colour": CLASS_COLOURS.get(k, "#9e9e9e"),
                 "data": [r["classes"][i]["share"] for r in rows]}
                for i, k in enumerate(_class_keys())
            ],
        },
        # horizontal bars: xLabel names the category axis, yLabel the value axis (charts.js)
        "options": {"horizontal": True, "stacked": True, "unit": "%", "xLabel": _("Area"),
                    "yLabel": _("Share of inhabitants (%)")},
    }


def _feed_info(feed: Any) -> dict[str, Any]:
    return {
        "feed": feed,
        "is_estimate": bool(feed.source.is_illustrative),
        "classes": [k or "–" for k in _class_keys()],
    }


def region_classes(region: Region) -> dict[str, Any] | None:
    """Share of the population per ÖV-Güteklasse for each municipality and the region.

    None when the region has no active timetable feed.
    """
    from nahraum.transit.services import active_feed, class_shares

    feed = active_feed(region)
    if feed is None:
        return None
    shares = class_shares(feed)
    rows = [
        _class_row(m.name, shares["municipality"][m.pk], _url("region:municipality", m.ags))
        for m in region.municipalities.order_by("name") if m.pk in shares["municipality"]
    ]
    region_row = _class_row(region.name, shares["region"])
    return {**_feed_info(feed), "rows": rows, "region_row": region_row,
            "chart": _class_chart(rows), "url": _url("transit:overview"),
            "district_a_to_d": {k: _class_row("", b)["share_a_to_d"]
                                for k, b in shares["district"].items()}}


def district_classes(district: District) -> dict[str, Any] | None:
    """The district's inhabitants per ÖV-Güteklasse beside its municipality's.

    None when the region has no active timetable feed.
    """
    from nahraum.transit.services import active_feed, class_shares

    m = district.municipality
    feed = active_feed(m.region)
    if feed is None:
        return None
    shares = class_shares(feed)
    empty = dict.fromkeys(_class_keys(), 0)
    row = _class_row(district.name, shares["district"].get(district.pk, empty))
    m_row = _class_row(m.name, shares["municipality"].get(m.pk, empty))
    return {**_feed_info(feed), "row": row, "municipality_row": m_row, "rows": [row, m_row],
            "chart": _class_chart([row, m_row]), "url": _url("transit:district", district.key)}
