"""The region's pages: overview, municipality, district profile, facilities by type.

Every page shows the same figures three ways — a map, a table and a chart — with the data
sources underneath; the table is the accessible alternative to map and chart. The views only
gather data and translated labels; drawing is done by the shared ``nahraum/map.js`` and
``nahraum/charts.js`` from specs passed through ``json_script``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from .api import (
    NEAR_METRES,
    collection,
    district_feature,
    facilities_near,
    facility_feature,
    older_share,
)
from .models import (
    AGE_BANDS,
    DataSource,
    District,
    Facility,
    FacilityType,
    InnovationField,
    Municipality,
    Region,
)
from .supply import (
    district_classes,
    district_supply,
    district_values,
    region_classes,
    region_supply,
)

KIND_COLOURS = {District.Kind.CORE: "#0b5d7a", District.Kind.VILLAGE: "#1b6b2f"}

#: Capacity units of the bundled taxonomy, stored in English in the data; listed here so that
#: makemessages picks them up and the templates can show them translated (`unit_label`).
CAPACITY_UNITS = [
    gettext_noop("GPs"), gettext_noop("beds"), gettext_noop("charging points"),
    gettext_noop("dentists"), gettext_noop("ha"), gettext_noop("m² sales area"),
    gettext_noop("places"), gettext_noop("seats"), gettext_noop("stalls"),
]


def current_region() -> Region | None:
    """The region the site shows: the first one loaded (a deployment holds one cooperation)."""
    return Region.objects.select_related("source").order_by("pk").first()


def supply_url(district_key: str) -> str:
    """Link to the analysis app's supply page of a district (built by that app)."""
    try:
        return reverse("analysis:district", args=[district_key])
    except NoReverseMatch:
        return f"/{get_language() or settings.LANGUAGE_CODE}/analysis/district/{district_key}/"


def sources_of(*groups: Iterable[Any]) -> list[DataSource]:
    """Distinct DataSources of the given records (anything with ``source_id``), by name."""
    ids: set[int] = set()
    for group in groups:
        for obj in group:
            if obj is None:
                continue
            for attr in ("source_id", "boundary_source_id"):
                value = getattr(obj, attr, None)
                if value:
                    ids.add(value)
    return list(DataSource.objects.filter(pk__in=ids).order_by("name"))


def map_base(label: str) -> dict[str, Any]:
    return {
        "tileUrl": settings.NAHRAUM_TILE_URL,
        "attribution": settings.NAHRAUM_TILE_ATTRIBUTION,
        "label": label,
    }


def field_categories(fields: Iterable[InnovationField]) -> list[dict[str, str]]:
    return [{"key": f.key, "label": str(f.name), "colour": f.colour} for f in fields]


def facility_fields() -> list[dict[str, str]]:
    return [
        {"key": "type_label", "label": _("Type")},
        {"key": "municipality", "label": _("Municipality")},
        {"key": "district", "label": _("District")},
        {"key": "address", "label": _("Address")},
    ]


def district_map_layer(url: str, **extra: Any) -> dict[str, Any]:
    layer = {
        "type": "choropleth",
        "url": url,
        "property": "population",
        "title": _("Inhabitants"),
        "noDataLabel": _("no figure"),
        "fields": [
            {"key": "kind_label", "label": _("Kind")},
            {"key": "municipality", "label": _("Municipality")},
            {"key": "share_65_plus", "label": _("Aged 65+ (%)")},
            {"key": "facilities", "label": _("Facilities")},
        ],
        "highlight": {"property": "kind", "value": District.Kind.CORE.value,
                      "label": _("core town")},
    }
    layer.update(extra)
    return layer


def municipal_border_layer() -> dict[str, Any]:
    return {"type": "outline", "url": reverse("region:api-municipalities"),
            "title": _("Municipal border"), "weight": 3.5, "fit": False}


def district_bar_chart(districts: list[District]) -> dict[str, Any]:
    """Inhabitants per district, core towns and villages in two colours (one dataset each)."""
    labels = [f"{d.name} ({d.municipality.name})" for d in districts]
    datasets = []
    for kind, label in District.Kind.choices:
        datasets.append(
            {
                "label": str(label),
                "colour": KIND_COLOURS[kind],
                "data": [d.population if d.kind == kind else None for d in districts],
            }
        )
    return {
        "type": "bar",
        "data": {"labels": labels, "datasets": datasets},
        "options": {"horizontal": True, "stacked": True, "xLabel": _("District"),
                    "yLabel": _("Inhabitants")},
    }


def chart_height(rows: int) -> int:
    """Pixel height for a horizontal bar chart: readable bars whatever the number of rows."""
    return max(220, 26 * rows + 90)


def _facility_counts_by_district() -> Counter:
    return Counter(
        Facility.objects.exclude(district=None).values_list("district_id", flat=True)
    )


def _type_table(municipalities: list[Municipality]) -> list[dict[str, Any]]:
    """Facility counts per type and municipality, grouped by innovation field."""
    counts = defaultdict(Counter)
    for type_id, muni_id, n in (
        Facility.objects.values_list("type_id", "municipality_id").annotate(n=Count("pk"))
    ):
        counts[type_id][muni_id] += n
    groups = []
    for field in InnovationField.objects.prefetch_related("types"):
        rows = []
        for t in field.types.all():
            per = [counts[t.pk].get(m.pk, 0) for m in municipalities]
            rows.append({"type": t, "counts": per, "total": sum(counts[t.pk].values())})
        if rows:
            groups.append({"field": field, "rows": rows})
    return groups


def supply_map(districts: list[District], supply: dict[str, Any],
               classes: dict[str, Any] | None) -> dict[str, Any] | None:
    """Districts shaded by the share within the norm of the first key type that has figures.

    One type and mode on the map (the GP practice on foot where computed); the table beside it
    has every type and mode. The popup adds the share in ÖV-Güteklassen A–D when a feed exists.
    None when no district has a figure for any key type.
    """
    mode = supply["gap_mode"]
    for ftype in supply["types"]:
        values = district_values(supply["run"], ftype.key, mode)
        if any(v is not None for v in values.values()):
            break
    else:
        return None
    title = _("Within the norm: %(type)s, %(mode)s (%%)") % {
        "type": ftype.name, "mode": supply["gap_mode_label"]}
    a_to_d = (classes or {}).get("district_a_to_d", {})
    features = []
    for d in districts:
        feat = district_feature(d)
        feat["properties"]["value"] = values.get(d.pk)
        if classes is not None:
            feat["properties"]["share_a_to_d"] = a_to_d.get(d.pk)
        features.append(feat)
    fields = [{"key": "municipality", "label": _("Municipality")}]
    if classes is not None:
        fields.append({"key": "share_a_to_d", "label": _("ÖV-Güteklasse A–D (%)")})
    spec = map_base(_("Map of the districts shaded by the share of inhabitants within the norm "
                      "(%(type)s, %(mode)s)") % {"type": ftype.name,
                                                 "mode": supply["gap_mode_label"]})
    spec["layers"] = [
        {"type": "choropleth", "data": collection(features), "property": "value",
         "title": title, "noDataLabel": _("no figure"), "fields": fields,
         "highlight": {"property": "kind", "value": District.Kind.CORE.value,
                       "label": _("core town")}},
        municipal_border_layer(),
    ]
    return {"spec": spec, "type": ftype, "title": title}


def overview(request: HttpRequest) -> HttpResponse:
    """The region at a glance: map, table of municipalities and districts, chart, sources."""
    region = current_region()
    if region is None:
        return render(request, "region/empty.html")
    municipalities = list(
        Municipality.objects.filter(region=region).select_related("source").order_by("name")
    )
    districts = list(
        District.objects.filter(municipality__region=region)
        .select_related("municipality", "source")
        .order_by("municipality__name", "kind", "name")
    )
    per_district = _facility_counts_by_district()
    by_muni: dict[int, list[District]] = defaultdict(list)
    for d in districts:
        d.facility_count = per_district.get(d.pk, 0)
        d.share_65_plus = older_share(d.population_by_age, d.population)
        d.supply_url = supply_url(d.key)
        by_muni[d.municipality_id].append(d)
    rows = []
    for m in municipalities:
        ds = by_muni.get(m.pk, [])
        rows.append(
            {
                "municipality": m,
                "districts": ds,
                "core_population": sum(d.population for d in ds if d.kind == District.Kind.CORE),
                "village_population": sum(
                    d.population for d in ds if d.kind == District.Kind.VILLAGE
                ),
                "district_sum": sum(d.population for d in ds),
                "facility_count": sum(d.facility_count for d in ds),
            }
        )
    facilities = Facility.objects.filter(
        Q(municipality__region=region) | Q(municipality=None)
    )
    fields = list(
        InnovationField.objects.filter(types__facilities__in=facilities).distinct()
    )
    map_spec = map_base(_("Map of the districts of %(region)s, shaded by inhabitants, with facilities")
                        % {"region": region.name})
    map_spec["layers"] = [
        district_map_layer(reverse("region:api-districts")),
        municipal_border_layer(),
        {
            "type": "points",
            "url": reverse("region:api-facilities"),
            "category": "field",
            "categories": field_categories(fields),
            "fields": facility_fields(),
        },
    ]
    supply = region_supply(region)
    classes = region_classes(region)
    context = {
        "region": region,
        "supply": supply,
        "supply_map": supply_map(districts, supply, classes)
        if supply and supply["has_values"] else None,
        "classes": classes,
        "rows": rows,
        "districts": districts,
        "total_population": sum(m.population for m in municipalities),
        "total_area": sum(m.area_km2 for m in municipalities),
        "facility_total": facilities.count(),
        "type_groups": _type_table(municipalities),
        "municipalities": municipalities,
        "map_spec": map_spec,
        "chart_spec": district_bar_chart(districts),
        "chart_height": chart_height(len(districts)),
        "any_estimate": any(d.is_estimate or d.source.is_illustrative for d in districts),
        "sources": sources_of([region], municipalities, districts, facilities.only("source_id"),
                              [classes["feed"]] if classes else []),
    }
    return render(request, "region/overview.html", context)


def municipality(request: HttpRequest, ags: str) -> HttpResponse:
    """One municipality: its core town and villages, their people and services."""
    m = get_object_or_404(Municipality.objects.select_related("region", "source"), ags=ags)
    districts = list(m.districts.select_related("municipality", "source").order_by("kind", "name"))
    per_district = _facility_counts_by_district()
    for d in districts:
        d.facility_count = per_district.get(d.pk, 0)
        d.share_65_plus = older_share(d.population_by_age, d.population)
        d.supply_url = supply_url(d.key)
    facilities = Facility.objects.filter(municipality=m)
    fields = list(InnovationField.objects.filter(types__facilities__in=facilities).distinct())
    api_districts = reverse("region:api-districts") + f"?municipality={m.ags}"
    api_facilities = reverse("region:api-facilities") + f"?municipality={m.ags}"
    map_spec = map_base(_("Map of the districts of %(name)s, shaded by inhabitants, with facilities")
                        % {"name": m.name})
    map_spec["layers"] = [
        district_map_layer(api_districts),
        municipal_border_layer(),
        {"type": "points", "url": api_facilities, "category": "field",
         "categories": field_categories(fields), "fields": facility_fields()},
    ]
    core = [d for d in districts if d.kind == District.Kind.CORE]
    villages = [d for d in districts if d.kind == District.Kind.VILLAGE]
    age_total = Counter()
    for d in districts:
        age_total.update(d.population_by_age or {})
    context = {
        "municipality": m,
        "districts": districts,
        "core": core,
        "villages": villages,
        "core_population": sum(d.population for d in core),
        "village_population": sum(d.population for d in villages),
        "district_sum": sum(d.population for d in districts),
        "density": (m.population / m.area_km2) if m.area_km2 else None,
        "growth_percent": m.annual_growth_rate * 100,
        "facility_total": facilities.count(),
        "municipalities": [m],
        "type_groups": _type_table([m]),
        "map_spec": map_spec,
        "chart_spec": district_bar_chart(districts),
        "chart_height": chart_height(len(districts)),
        "any_estimate": any(d.is_estimate or d.source.is_illustrative for d in districts),
        "sources": sources_of([m, m.region], districts, facilities.only("source_id")),
    }
    return render(request, "region/municipality.html", context)


def age_rows(district: District, municipality_by_age: dict[str, int], municipality_total: int) -> list[dict]:
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
                "municipality_share": 100.0 * mn / municipality_total if municipality_total else 0.0,
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
        {"type": t, "inside": inside.get(t.pk, 0), "near": near.get(t.pk, 0),
         "nearest_km": nearest.get(t.pk)}
        for t in FacilityType.objects.select_related("field")
    ]


def district(request: HttpRequest, key: str) -> HttpResponse:
    """An Ortsteil's profile: age structure, facilities in and near it, sources."""
    d = get_object_or_404(
        District.objects.select_related("municipality", "municipality__region", "source"), key=key
    )
    m = d.municipality
    muni_ages: Counter = Counter()
    for by_age in m.districts.values_list("population_by_age", flat=True):
        muni_ages.update(by_age or {})
    muni_age_total = sum(muni_ages.values())
    rows = age_rows(d, muni_ages, muni_age_total)
    has_ages = bool(d.population_by_age)
    chart_spec = {
        "type": "pyramid",
        "data": {
            "bands": list(AGE_BANDS),
            "left": {"label": d.name, "data": [round(r["share"], 1) for r in rows]},
            "right": {"label": _("%(name)s (municipality)") % {"name": m.name},
                      "data": [round(r["municipality_share"], 1) for r in rows]},
        },
        "options": {"unit": "%", "xLabel": _("Share of inhabitants (%)"),
                    "yLabel": _("Age (years)")},
    }
    near = facilities_near(d)
    near_rows = [
        {
            "facility": f,
            "distance_km": dist / 1000.0,
            "inside": inside,
            "cross_border": f.municipality_id is not None and f.municipality_id != m.pk,
        }
        for f, dist, inside in near
    ]
    inside_count = sum(1 for r in near_rows if r["inside"])
    supply_rows = type_overview(near_rows)
    supply = district_supply(d)
    classes = district_classes(d)
    fields = list(
        InnovationField.objects.filter(
            types__facilities__in=[r["facility"].pk for r in near_rows]
        ).distinct()
    )
    map_spec = map_base(_("Map of %(name)s with facilities in it and within %(km)s km")
                        % {"name": d.name, "km": f"{NEAR_METRES / 1000:g}"})
    near_features = []
    for r in near_rows:
        feat = facility_feature(r["facility"])
        feat["properties"]["distance_km"] = round(r["distance_km"], 1)
        near_features.append(feat)
    map_spec["layers"] = [
        {"type": "choropleth", "data": collection([district_feature(d, inside_count)]),
         "property": "population", "title": d.name, "legend": False,
         "colours": ["#bcbddc"], "fields": [{"key": "kind_label", "label": _("Kind")}]},
        {"type": "outline", "url": reverse("region:api-districts"), "title": _("Districts"),
         "colour": "#666666", "weight": 1, "fit": False},
        municipal_border_layer(),
        {"type": "points", "data": collection(near_features), "category": "field",
         "categories": field_categories(fields),
         "fields": facility_fields() + [{"key": "distance_km", "label": _("Distance (km)")}]},
    ]
    context = {
        "district": d,
        "municipality": m,
        "age_rows": rows,
        "has_ages": has_ages,
        "share_65_plus": older_share(d.population_by_age, d.population),
        "chart_spec": chart_spec,
        "near_rows": near_rows,
        "inside_count": inside_count,
        "near_count": len(near_rows) - inside_count,
        "near_km": f"{NEAR_METRES / 1000:g}",
        "supply_rows": supply_rows,
        "types_missing": sum(1 for r in supply_rows if not r["inside"]),
        "map_spec": map_spec,
        "supply_url": supply_url(d.key),
        "is_estimate": d.is_estimate or d.source.is_illustrative,
        "supply": supply,
        "classes": classes,
        "sources": sources_of([d, m], [r["facility"] for r in near_rows],
                              [classes["feed"]] if classes else []),
    }
    return render(request, "region/district.html", context)


def facility_types(request: HttpRequest) -> HttpResponse:
    """Every facility type, grouped by innovation field, with counts per municipality."""
    region = current_region()
    municipalities = list(
        Municipality.objects.filter(region=region).order_by("name") if region else []
    )
    context = {
        "region": region,
        "municipalities": municipalities,
        "type_groups": _type_table(municipalities),
        "sources": sources_of(Facility.objects.only("source_id")),
    }
    return render(request, "region/facility_types.html", context)


def facility_type(request: HttpRequest, key: str) -> HttpResponse:
    """All facilities of one type: where they are (core town or village), map, chart, norms."""
    ftype = get_object_or_404(FacilityType.objects.select_related("field"), key=key)
    facilities = list(
        Facility.objects.filter(type=ftype)
        .select_related("municipality", "district", "source")
        .order_by("municipality__name", "district__name", "name")
    )
    region = current_region()
    municipalities = list(
        Municipality.objects.filter(region=region).order_by("name") if region else []
    )
    count = Counter(
        (f.municipality_id, f.district.kind if f.district else None) for f in facilities
    )
    labels = [m.name for m in municipalities]
    datasets = [
        {"label": str(label), "colour": KIND_COLOURS[kind],
         "data": [count.get((m.pk, kind), 0) for m in municipalities]}
        for kind, label in District.Kind.choices
    ]
    unassigned = [count.get((m.pk, None), 0) for m in municipalities]
    if any(unassigned):
        datasets.append({"label": _("no district"), "colour": "#4d4d4d", "data": unassigned})
    chart_spec = {
        "type": "bar",
        "data": {"labels": labels, "datasets": datasets},
        "options": {"stacked": True, "yLabel": _("Number of facilities"),
                    "xLabel": _("Municipality")},
    }
    table = [
        {
            "municipality": m,
            "core": count.get((m.pk, District.Kind.CORE), 0),
            "village": count.get((m.pk, District.Kind.VILLAGE), 0),
            "none": count.get((m.pk, None), 0),
        }
        for m in municipalities
    ]
    map_spec = map_base(_("Map: %(type)s") % {"type": ftype.name})
    map_spec["layers"] = [
        {"type": "outline", "url": reverse("region:api-districts"), "title": _("Districts"),
         "colour": "#666666", "weight": 1},
        municipal_border_layer(),
        {"type": "points", "url": reverse("region:api-facilities") + f"?type={ftype.key}",
         "category": "field", "categories": field_categories([ftype.field]),
         "fields": facility_fields()},
    ]
    context = {
        "ftype": ftype,
        "facilities": facilities,
        "table": table,
        "norms": [
            {"norm": n, "label": n.label_en if (get_language() or "de").startswith("en") else n.label_de}
            for n in ftype.norms.all()
        ],
        "chart_spec": chart_spec,
        "map_spec": map_spec,
        "any_estimate": any(f.is_estimate or f.source.is_illustrative for f in facilities),
        "sources": sources_of(facilities),
    }
    return render(request, "region/facility_type.html", context)
