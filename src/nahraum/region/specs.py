"""The one layer that builds map and chart specifications.

Every page hands ``nahraum/map.js`` and ``nahraum/charts.js`` a JSON spec through
``json_script``. The primitives here (map base, layers, bar charts, heights) are shared by every
app so that a legend, a border or a bar chart looks and reads the same everywhere; the builders
below them draw the region's own pages. Apps build their page specs from these primitives in
their own ``specs`` module. Nothing here queries the database beyond what it is handed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .api import collection, district_feature, facility_feature
from .models import AGE_BANDS, District, FacilityType, InnovationField, Municipality

KIND_COLOURS = {District.Kind.CORE: "#0b5d7a", District.Kind.VILLAGE: "#1b6b2f"}
#: Core towns and villages as area kinds of the indicators ("core"/"village").
AREA_COLOURS = {"core": "#0b5d7a", "village": "#1b6b2f"}
OTHER_COLOUR = "#4d4d4d"


# --------------------------------------------------------------------------------------------
# Primitives
# --------------------------------------------------------------------------------------------


def map_base(label: str) -> dict[str, Any]:
    """A map spec without layers: tiles, attribution and the accessible label."""
    return {
        "tileUrl": settings.NAHRAUM_TILE_URL,
        "attribution": settings.NAHRAUM_TILE_ATTRIBUTION,
        "label": label,
    }


def map_spec(label: str, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete map spec: :func:`map_base` with its layers."""
    return {**map_base(label), "layers": layers}


def municipal_border_layer() -> dict[str, Any]:
    """The municipalities' borders as a thick outline (the map keeps its own extent)."""
    return {
        "type": "outline",
        "url": reverse("region:api-municipalities"),
        "title": _("Municipal border"),
        "weight": 3.5,
        "fit": False,
    }


def districts_outline_layer(**extra: Any) -> dict[str, Any]:
    """Every district's border as a thin grey outline."""
    return {
        "type": "outline",
        "url": reverse("region:api-districts"),
        "title": _("Districts"),
        "colour": "#666666",
        "weight": 1,
        **extra,
    }


def core_town_highlight() -> dict[str, Any]:
    """The choropleth highlight that marks core towns."""
    return {"property": "kind", "value": District.Kind.CORE.value, "label": _("core town")}


def choropleth_layer(data: dict[str, Any], prop: str, title: str, **extra: Any) -> dict[str, Any]:
    """Areas of ``data`` (a FeatureCollection) shaded by the property ``prop``."""
    return {"type": "choropleth", "data": data, "property": prop, "title": title, **extra}


def field_categories(fields: Iterable[InnovationField]) -> list[dict[str, str]]:
    """Point categories coloured by innovation field."""
    return [{"key": f.key, "label": str(f.name), "colour": f.colour} for f in fields]


def facility_fields() -> list[dict[str, str]]:
    """The popup fields of a facility point."""
    return [
        {"key": "type_label", "label": _("Type")},
        {"key": "municipality", "label": _("Municipality")},
        {"key": "district", "label": _("District")},
        {"key": "address", "label": _("Address")},
    ]


def facility_points_layer(fields: Iterable[InnovationField], **source: Any) -> dict[str, Any]:
    """Facilities as points coloured by innovation field; ``source`` is ``url=`` or ``data=``."""
    return {
        "type": "points",
        **source,
        "category": "field",
        "categories": field_categories(fields),
        "fields": facility_fields(),
    }


def district_map_layer(url: str, **extra: Any) -> dict[str, Any]:
    """Districts shaded by inhabitants, fetched from ``url``."""
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
        "highlight": core_town_highlight(),
    }
    layer.update(extra)
    return layer


def bar_chart(labels: list[Any], datasets: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    """A bar chart spec; ``options`` as charts.js reads them (horizontal, stacked, unit,
    xLabel, yLabel). For horizontal bars xLabel names the category axis."""
    return {"type": "bar", "data": {"labels": labels, "datasets": datasets}, "options": options}


def dataset(label: Any, data: list[Any], colour: str | None = None) -> dict[str, Any]:
    """One dataset of a bar chart."""
    out: dict[str, Any] = {"label": label, "data": data}
    if colour is not None:
        out["colour"] = colour
    return out


def histogram_chart(data: dict[str, Any], x_label: str, y_label: str) -> dict[str, Any]:
    """A histogram spec from precomputed bins."""
    return {"type": "histogram", "data": data, "options": {"xLabel": x_label, "yLabel": y_label}}


def chart_height(rows: int) -> int:
    """Pixel height for a horizontal bar chart: readable bars whatever the number of rows."""
    return max(220, 26 * rows + 90)


# --------------------------------------------------------------------------------------------
# The region's pages
# --------------------------------------------------------------------------------------------


def district_bar_chart(districts: list[District]) -> dict[str, Any]:
    """Inhabitants per district, core towns and villages in two colours (one dataset each)."""
    labels = [f"{d.name} ({d.municipality.name})" for d in districts]
    datasets = [
        {
            "label": str(label),
            "colour": KIND_COLOURS[kind],
            "data": [d.population if d.kind == kind else None for d in districts],
        }
        for kind, label in District.Kind.choices
    ]
    return bar_chart(
        labels,
        datasets,
        horizontal=True,
        stacked=True,
        xLabel=_("District"),
        yLabel=_("Inhabitants"),
    )


def districts_map(label: str, query: str, fields: list[InnovationField]) -> dict[str, Any]:
    """Districts shaded by inhabitants, municipal borders and facilities (``query`` filters
    both endpoints, e.g. ``?municipality=…``)."""
    return map_spec(
        label,
        [
            district_map_layer(reverse("region:api-districts") + query),
            municipal_border_layer(),
            facility_points_layer(fields, url=reverse("region:api-facilities") + query),
        ],
    )


def age_pyramid(name: str, municipality: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The district's age structure (left) beside its municipality's (right), in per cent."""
    return {
        "type": "pyramid",
        "data": {
            "bands": list(AGE_BANDS),
            "left": {"label": name, "data": [round(r["share"], 1) for r in rows]},
            "right": {
                "label": _("%(name)s (municipality)") % {"name": municipality},
                "data": [round(r["municipality_share"], 1) for r in rows],
            },
        },
        "options": {
            "unit": "%",
            "xLabel": _("Share of inhabitants (%)"),
            "yLabel": _("Age (years)"),
        },
    }


def district_profile_map(
    d: District,
    inside_count: int,
    near_rows: list[dict[str, Any]],
    fields: list[InnovationField],
    near_km: str,
) -> dict[str, Any]:
    """The district, the other districts' borders, and the facilities in and near it."""
    near_features = []
    for r in near_rows:
        feat = facility_feature(r["facility"])
        feat["properties"]["distance_km"] = round(r["distance_km"], 1)
        near_features.append(feat)
    points = facility_points_layer(fields, data=collection(near_features))
    points["fields"] = facility_fields() + [{"key": "distance_km", "label": _("Distance (km)")}]
    label = _("Map of %(name)s with facilities in it and within %(km)s km") % {
        "name": d.name,
        "km": near_km,
    }
    return map_spec(
        label,
        [
            choropleth_layer(
                collection([district_feature(d, inside_count)]),
                "population",
                d.name,
                legend=False,
                colours=["#bcbddc"],
                fields=[{"key": "kind_label", "label": _("Kind")}],
            ),
            districts_outline_layer(fit=False),
            municipal_border_layer(),
            points,
        ],
    )


def facility_type_chart(municipalities: list[Municipality], count: Counter) -> dict[str, Any]:
    """Facilities of one type per municipality, in core towns, villages and none."""
    datasets = [
        dataset(
            str(label), [count.get((m.pk, kind), 0) for m in municipalities], KIND_COLOURS[kind]
        )
        for kind, label in District.Kind.choices
    ]
    unassigned = [count.get((m.pk, None), 0) for m in municipalities]
    if any(unassigned):
        datasets.append(dataset(_("no district"), unassigned, OTHER_COLOUR))
    return bar_chart(
        [m.name for m in municipalities],
        datasets,
        stacked=True,
        yLabel=_("Number of facilities"),
        xLabel=_("Municipality"),
    )


def facility_type_map(ftype: FacilityType) -> dict[str, Any]:
    """Every facility of one type over the districts and municipal borders."""
    return map_spec(
        _("Map: %(type)s") % {"type": ftype.name},
        [
            districts_outline_layer(),
            municipal_border_layer(),
            facility_points_layer(
                [ftype.field], url=reverse("region:api-facilities") + f"?type={ftype.key}"
            ),
        ],
    )
