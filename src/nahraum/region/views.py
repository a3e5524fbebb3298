"""The region's pages: overview, municipality, district profile, facilities by type.

Every page shows the same figures three ways — a map, a table and a chart — with the data
sources underneath; the table is the accessible alternative to map and chart. The views only
gather data (queries in :mod:`.selectors`) and specs (built in :mod:`.specs`); drawing is done by
the shared ``nahraum/map.js`` and ``nahraum/charts.js`` from specs passed through
``json_script``. Other apps add their sections to the overview, municipality and district pages
through :mod:`.panels`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from . import panels, selectors, specs
from .api import NEAR_METRES, facilities_near, older_share
from .cachever import public_page
from .models import AGE_BANDS, District, FacilityType, Municipality

#: Capacity units of the bundled taxonomy, stored in English in the data; listed here so that
#: makemessages picks them up and the templates can show them translated (`unit_label`).
CAPACITY_UNITS = [
    gettext_noop("GPs"),
    gettext_noop("beds"),
    gettext_noop("charging points"),
    gettext_noop("dentists"),
    gettext_noop("ha"),
    gettext_noop("m² sales area"),
    gettext_noop("places"),
    gettext_noop("seats"),
    gettext_noop("stalls"),
]


def supply_url(district_key: str) -> str | None:
    """Link to the district's supply analysis, if an app registered one (the analysis does)."""
    return panels.district_link("supply", district_key)


def _annotate(districts: list[District]) -> None:
    """Facility count, share aged 65+ and supply link on each district (for the tables)."""
    per_district = selectors.facility_counts_by_district()
    for d in districts:
        d.facility_count = per_district.get(d.pk, 0)
        d.share_65_plus = older_share(d.population_by_age, d.population)
        d.supply_url = supply_url(d.key)


def _population_by_kind(districts: list[District]) -> dict[str, int]:
    return {
        "core_population": sum(d.population for d in districts if d.kind == District.Kind.CORE),
        "village_population": sum(
            d.population for d in districts if d.kind == District.Kind.VILLAGE
        ),
        "district_sum": sum(d.population for d in districts),
    }


def _municipality_rows(
    municipalities: list[Municipality], districts: list[District]
) -> list[dict[str, Any]]:
    by_muni: dict[int, list[District]] = defaultdict(list)
    for d in districts:
        by_muni[d.municipality_id].append(d)
    return [
        {
            "municipality": m,
            "districts": by_muni.get(m.pk, []),
            **_population_by_kind(by_muni.get(m.pk, [])),
            "facility_count": sum(d.facility_count for d in by_muni.get(m.pk, [])),
        }
        for m in municipalities
    ]


def _any_estimate(records: list[Any]) -> bool:
    return any(r.is_estimate or r.source.is_illustrative for r in records)


def _district_chart(districts: list[District]) -> dict[str, Any]:
    return {
        "chart_spec": specs.district_bar_chart(districts),
        "chart_height": specs.chart_height(len(districts)),
    }


def _with_panels(page: str, subject: Any, context: dict[str, Any], *sources: Any) -> dict:
    """The page's context with the registered panels' sections and sources added."""
    templates, extra, records = panels.build_panels(page, subject)
    return {
        **context,
        **extra,
        "panels": templates,
        "sources": selectors.sources_of(*sources, records),
    }


@public_page
def overview(request: HttpRequest) -> HttpResponse:
    """The region at a glance: map, table of municipalities and districts, chart, sources."""
    region = selectors.current_region()
    if region is None:
        return render(request, "region/empty.html")
    municipalities = selectors.region_municipalities(region)
    districts = selectors.region_districts(region)
    _annotate(districts)
    facilities = selectors.region_facilities(region)
    map_spec = specs.districts_map(
        _("Map of the districts of %(region)s, shaded by inhabitants, with facilities")
        % {"region": region.name},
        "",
        selectors.fields_of(facilities),
    )
    context = {
        "region": region,
        "rows": _municipality_rows(municipalities, districts),
        "districts": districts,
        "total_population": sum(m.population for m in municipalities),
        "total_area": sum(m.area_km2 for m in municipalities),
        "facility_total": facilities.count(),
        "type_groups": selectors.type_table(municipalities),
        "municipalities": municipalities,
        "map_spec": map_spec,
        **_district_chart(districts),
        "any_estimate": _any_estimate(districts),
    }
    context = _with_panels(
        "overview",
        region,
        context,
        [region],
        municipalities,
        districts,
        facilities.only("source_id"),
    )
    return render(request, "region/overview.html", context)


@public_page
def municipality(request: HttpRequest, ags: str) -> HttpResponse:
    """One municipality: its core town and villages, their people and services."""
    m = get_object_or_404(selectors.municipalities(), ags=ags)
    districts = selectors.municipality_districts(m)
    _annotate(districts)
    facilities = selectors.municipality_facilities(m)
    map_spec = specs.districts_map(
        _("Map of the districts of %(name)s, shaded by inhabitants, with facilities")
        % {"name": m.name},
        f"?municipality={m.ags}",
        selectors.fields_of(facilities),
    )
    context = {
        "municipality": m,
        "districts": districts,
        "core": [d for d in districts if d.kind == District.Kind.CORE],
        "villages": [d for d in districts if d.kind == District.Kind.VILLAGE],
        **_population_by_kind(districts),
        "density": (m.population / m.area_km2) if m.area_km2 else None,
        "growth_percent": m.annual_growth_rate * 100,
        "facility_total": facilities.count(),
        "municipalities": [m],
        "type_groups": selectors.type_table([m]),
        "map_spec": map_spec,
        **_district_chart(districts),
        "any_estimate": _any_estimate(districts),
    }
    context = _with_panels(
        "municipality", m, context, [m, m.region], districts, facilities.only("source_id")
    )
    return render(request, "region/municipality.html", context)


def age_rows(
    district: District, municipality_by_age: dict[str, int], municipality_total: int
) -> list[dict]:
    """Age bands with count and share in the district and the share in its municipality."""
    rows = []
    for band in AGE_BANDS:
        n = (district.population_by_age or {}).get(band, 0)
        mn = municipality_by_age.get(band, 0)
        rows.append(
            {
                "band": band,
                "count": n,
                "share": 100.0 * n / district.population if district.population else 0.0,
                "municipality_share": 100.0 * mn / municipality_total
                if municipality_total
                else 0.0,
            }
        )
    return rows


def type_overview(near_rows: list[dict]) -> list[dict]:
    """Per facility type: how many in the district, how many within reach, the nearest outside.

    Every type of the taxonomy is listed, also those with none nearby: the gaps are what a
    planner looks for first.
    """
    inside: Counter = Counter()
    near: Counter = Counter()
    nearest: dict[int, float] = {}
    for r in near_rows:
        t = r["facility"].type_id
        if r["inside"]:
            inside[t] += 1
        else:
            near[t] += 1
            nearest[t] = min(nearest.get(t, r["distance_km"]), r["distance_km"])
    return [
        {
            "type": t,
            "inside": inside.get(t.pk, 0),
            "near": near.get(t.pk, 0),
            "nearest_km": nearest.get(t.pk),
        }
        for t in selectors.facility_types()
    ]


def _near_rows(d: District) -> list[dict[str, Any]]:
    """Facilities in and near the district with their distance; cross-border ones marked."""
    return [
        {
            "facility": f,
            "distance_km": dist / 1000.0,
            "inside": inside,
            "cross_border": f.municipality_id is not None
            and f.municipality_id != d.municipality_id,
        }
        for f, dist, inside in facilities_near(d)
    ]


@public_page
def district(request: HttpRequest, key: str) -> HttpResponse:
    """An Ortsteil's profile: age structure, facilities in and near it, sources."""
    d = get_object_or_404(selectors.districts(), key=key)
    m = d.municipality
    muni_ages = selectors.municipality_age_totals(m)
    rows = age_rows(d, muni_ages, sum(muni_ages.values()))
    near_rows = _near_rows(d)
    inside_count = sum(1 for r in near_rows if r["inside"])
    supply_rows = type_overview(near_rows)
    near_km = f"{NEAR_METRES / 1000:g}"
    fields = selectors.fields_of([r["facility"].pk for r in near_rows])
    context = {
        "district": d,
        "municipality": m,
        "age_rows": rows,
        "has_ages": bool(d.population_by_age),
        "share_65_plus": older_share(d.population_by_age, d.population),
        "chart_spec": specs.age_pyramid(d.name, m.name, rows),
        "near_rows": near_rows,
        "inside_count": inside_count,
        "near_count": len(near_rows) - inside_count,
        "near_km": near_km,
        "supply_rows": supply_rows,
        "types_missing": sum(1 for r in supply_rows if not r["inside"]),
        "map_spec": specs.district_profile_map(d, inside_count, near_rows, fields, near_km),
        "supply_url": supply_url(d.key),
        "is_estimate": d.is_estimate or d.source.is_illustrative,
    }
    context = _with_panels("district", d, context, [d, m], [r["facility"] for r in near_rows])
    return render(request, "region/district.html", context)


@public_page
def facility_types(request: HttpRequest) -> HttpResponse:
    """Every facility type, grouped by innovation field, with counts per municipality."""
    region = selectors.current_region()
    municipalities = selectors.region_municipalities(region)
    context = {
        "region": region,
        "municipalities": municipalities,
        "type_groups": selectors.type_table(municipalities),
        "sources": selectors.sources_of(selectors.facility_sources()),
    }
    return render(request, "region/facility_types.html", context)


def _norm_rows(ftype: FacilityType) -> list[dict[str, Any]]:
    english = (get_language() or "de").startswith("en")
    return [
        {"norm": n, "label": n.label_en if english else n.label_de}
        for n in selectors.norms_of(ftype)
    ]


@public_page
def facility_type(request: HttpRequest, key: str) -> HttpResponse:
    """All facilities of one type: where they are (core town or village), map, chart, norms."""
    ftype = get_object_or_404(selectors.facility_types(), key=key)
    facilities = selectors.facilities_of_type(ftype)
    municipalities = selectors.region_municipalities(selectors.current_region())
    count = Counter(
        (f.municipality_id, f.district.kind if f.district else None) for f in facilities
    )
    table = [
        {
            "municipality": m,
            "core": count.get((m.pk, District.Kind.CORE), 0),
            "village": count.get((m.pk, District.Kind.VILLAGE), 0),
            "none": count.get((m.pk, None), 0),
        }
        for m in municipalities
    ]
    context = {
        "ftype": ftype,
        "facilities": facilities,
        "table": table,
        "norms": _norm_rows(ftype),
        "chart_spec": specs.facility_type_chart(municipalities, count),
        "map_spec": specs.facility_type_map(ftype),
        "any_estimate": _any_estimate(facilities),
        "sources": selectors.sources_of(facilities),
    }
    return render(request, "region/facility_type.html", context)
