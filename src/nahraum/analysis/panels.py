"""The supply panels the analysis contributes to the region's overview and district pages.

Issues 3 and 6 want the supply indicators visible where people start, not only three clicks
away. The figures are read from the latest finished baseline run (``AnalysisRun`` /
``IndicatorValue``) and shaped into a compact table, chart and map; nothing is written. They
are registered with :mod:`nahraum.region.panels` in :meth:`AnalysisConfig.ready`, so the region
shows them without importing this app.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from nahraum.region import panels, specs
from nahraum.region.api import collection, district_feature
from nahraum.region.metrics import MODE_COLOURS, mode_label, shown, sorted_modes
from nahraum.region.models import District, FacilityType, Region
from nahraum.region.selectors import region_districts

from .models import AnalysisRun, IndicatorValue
from .services import latest_run

#: The types shown on the overview and district pages (issue 3's "most important ones"): what
#: people need most often and what a village loses first. The full list is on the analysis pages.
KEY_TYPES: tuple[str, ...] = ("gp", "pharmacy", "supermarket", "primary_school", "kita", "bus_stop")


def _url(name: str, *args: str) -> str | None:
    """A link to one of this app's pages, or None if its URLs are not installed."""
    try:
        return reverse(name, args=list(args))
    except NoReverseMatch:
        return None


def _key_types(run: AnalysisRun) -> list[FacilityType]:
    """The key types the run computed, in :data:`KEY_TYPES` order; the run's own types if it
    computed none of them (a region with another taxonomy still gets a summary)."""
    computed = list(run.parameters.get("facility_types", []))
    keys = [k for k in KEY_TYPES if k in computed] or computed[: len(KEY_TYPES)]
    by_key = {t.key: t for t in FacilityType.objects.filter(key__in=keys)}
    return [by_key[k] for k in keys if k in by_key]


def _percent(value: float | None) -> float | None:
    return shown("share_within_norm", value)


def _minutes(value: float | None) -> float | None:
    v = shown("median_minutes", value)
    return None if v is None else round(v, 1)


def _run_info(run: AnalysisRun) -> dict[str, Any]:
    modes = sorted_modes(list(run.parameters.get("modes", [])))
    return {
        "run": run,
        "date": run.finished or run.started,
        "is_estimate": run.is_estimate,
        "modes": [
            {"key": m, "label": mode_label(m), "is_estimate": m == "straight"} for m in modes
        ],
    }


def _share_chart(types: list[FacilityType], datasets: list[dict[str, Any]]) -> dict[str, Any]:
    return specs.bar_chart(
        [str(t.name) for t in types],
        datasets,
        unit="%",
        yLabel=_("Share within the norm (%)"),
        xLabel=_("Facility type"),
    )


def _region_grid(
    run: AnalysisRun, types: list[FacilityType], modes: list[str]
) -> dict[tuple[int, str], dict[str, float | None]]:
    """(type id, mode) → region share ("all"), core towns, villages and median minutes."""
    values = IndicatorValue.objects.filter(
        run=run,
        age_band="",
        facility_type__in=types,
        mode__in=modes,
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
    return grid


def region_supply(region: Region) -> dict[str, Any] | None:
    """Share of people within the norm per key type and mode: region, core towns, villages.

    None when the region has no finished baseline run (the page then says so). Values come from
    the run's ``share_within_norm`` figures for all ages at the levels "region" and "area_kind"
    (region-wide, i.e. ``municipality`` empty), as the analysis overview shows them.
    """
    run = latest_run(region)
    if run is None:
        return None
    info = _run_info(run)
    types = _key_types(run)
    modes = [m["key"] for m in info["modes"]]
    grid = _region_grid(run, types, modes)
    groups = []
    for t in types:
        mode_rows = []
        for m in info["modes"]:
            cell = {
                k: grid.get((t.pk, m["key"]), {}).get(k)
                for k in ("all", "core", "village", "median")
            }
            if any(v is not None for v in cell.values()):
                mode_rows.append({"mode": m, **cell})
        groups.append({"type": t, "rows": mode_rows})
    datasets = []
    for m in info["modes"]:
        data = [grid.get((t.pk, m["key"]), {}).get("all") for t in types]
        if any(v is not None for v in data):  # a mode without any norm adds only an empty bar
            datasets.append(
                specs.dataset(m["label"], data, MODE_COLOURS.get(m["key"], specs.OTHER_COLOUR))
            )
    gap_mode = "walk" if "walk" in modes else (modes[0] if modes else "")
    gap_chart = _share_chart(
        types,
        [
            specs.dataset(
                label,
                [grid.get((t.pk, gap_mode), {}).get(kind) for t in types],
                specs.AREA_COLOURS[kind],
            )
            for kind, label in (("core", _("core towns")), ("village", _("villages")))
        ],
    )
    has_values = any(g["rows"] for g in groups)
    return {
        **info,
        "types": types,
        "groups": groups,
        "chart": _share_chart(types, datasets),
        "gap_chart": gap_chart,
        "gap_mode": gap_mode,
        "gap_mode_label": mode_label(gap_mode) if gap_mode else "",
        "has_values": has_values,
        "url": _url("analysis:overview"),
    }


def district_values(run: AnalysisRun, type_key: str, mode: str) -> dict[int, float | None]:
    """Share within the norm (per cent) of every district for one type and mode (for the map)."""
    return {
        d: _percent(v)
        for d, v in IndicatorValue.objects.filter(
            run=run,
            level="district",
            metric="share_within_norm",
            age_band="",
            facility_type__key=type_key,
            mode=mode,
        ).values_list("district_id", "value")
    }


def supply_map(region: Region, supply: dict[str, Any]) -> dict[str, Any] | None:
    """Districts shaded by the share within the norm of the first key type that has figures.

    One type and mode on the map (the GP practice on foot where computed); the table beside it
    has every type and mode. The popup adds every district figure other apps registered (the
    share in ÖV-Güteklassen A–D when a feed exists). None when no district has a figure for any
    key type.
    """
    mode = supply["gap_mode"]
    for ftype in supply["types"]:
        values = district_values(supply["run"], ftype.key, mode)
        if any(v is not None for v in values.values()):
            break
    else:
        return None
    names = {"type": ftype.name, "mode": supply["gap_mode_label"]}
    title = _("Within the norm: %(type)s, %(mode)s (%%)") % names
    extra = panels.district_figures(region)
    features = []
    for d in region_districts(region):
        feat = district_feature(d)
        feat["properties"]["value"] = values.get(d.pk)
        for figure, figure_values in extra:
            feat["properties"][figure.key] = figure_values.get(d.pk)
        features.append(feat)
    fields = [{"key": "municipality", "label": _("Municipality")}]
    fields += [{"key": figure.key, "label": figure.label()} for figure, _v in extra]
    spec = specs.map_spec(
        _(
            "Map of the districts shaded by the share of inhabitants within the norm "
            "(%(type)s, %(mode)s)"
        )
        % names,
        [
            specs.choropleth_layer(
                collection(features),
                "value",
                title,
                noDataLabel=_("no figure"),
                fields=fields,
                highlight=specs.core_town_highlight(),
            ),
            specs.municipal_border_layer(),
        ],
    )
    return {"spec": spec, "type": ftype, "title": title}


def district_supply(district: District) -> dict[str, Any] | None:
    """The district's share within the norm and median travel time per key type and mode.

    None when the region has no finished baseline run.
    """
    run = latest_run(district.municipality.region)
    if run is None:
        return None
    info = _run_info(run)
    types = _key_types(run)
    modes = [m["key"] for m in info["modes"]]
    grid: dict[tuple[int, str], dict[str, float | None]] = defaultdict(dict)
    for metric, type_id, mode, value in IndicatorValue.objects.filter(
        run=run,
        level="district",
        district=district,
        age_band="",
        facility_type__in=types,
        mode__in=modes,
        metric__in=["share_within_norm", "median_minutes"],
    ).values_list("metric", "facility_type_id", "mode", "value"):
        grid[(type_id, mode)][metric] = (
            _percent(value) if metric == "share_within_norm" else _minutes(value)
        )
    rows = [
        {
            "type": t,
            "cells": [
                {
                    "mode": m,
                    "share": grid.get((t.pk, m), {}).get("share_within_norm"),
                    "median": grid.get((t.pk, m), {}).get("median_minutes"),
                }
                for m in modes
            ],
        }
        for t in types
    ]
    chart = specs.bar_chart(
        [str(t.name) for t in types],
        [
            specs.dataset(
                m["label"],
                [r["cells"][i]["median"] for r in rows],
                MODE_COLOURS.get(m["key"], specs.OTHER_COLOUR),
            )
            for i, m in enumerate(info["modes"])
            if any(r["cells"][i]["median"] is not None for r in rows)
        ],
        unit="min",
        yLabel=_("Median travel time (min)"),
        xLabel=_("Facility type"),
    )
    has_values = any(
        c["share"] is not None or c["median"] is not None for r in rows for c in r["cells"]
    )
    return {
        **info,
        "types": types,
        "rows": rows,
        "chart": chart,
        "has_values": has_values,
        "url": _url("analysis:district", district.key),
    }


def overview_panel(region: Region) -> panels.Contribution:
    """The region overview's supply section: table, charts and the map of one key type."""
    supply = region_supply(region)
    shaded = supply_map(region, supply) if supply and supply["has_values"] else None
    return panels.Contribution({"supply": supply, "supply_map": shaded})


def district_panel(district: District) -> panels.Contribution:
    """The district profile's supply section."""
    return panels.Contribution({"supply": district_supply(district)})


def register() -> None:
    """Contribute the supply sections to the region's pages (called from ``ready()``)."""
    panels.register_panel(
        "overview", "supply", "analysis/_region_supply.html", overview_panel, order=10
    )
    panels.register_panel(
        "district", "supply", "analysis/_district_supply.html", district_panel, order=10
    )
    panels.register_district_link("supply", lambda key: reverse("analysis:district", args=[key]))
