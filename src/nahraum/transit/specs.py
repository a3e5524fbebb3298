"""Map and chart specifications of the public-transport pages and panels.

Built from the shared primitives of :mod:`nahraum.region.specs`; colours and labels of the
ÖV-Güteklassen and service groups live here because every transit spec uses them.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.access import oev_classes as oev
from nahraum.region import specs
from nahraum.region.models import District

from .models import CellClass, Feed, Stop

#: Colours of the classes (A best … F, none): green to red, none grey; ≥ 3:1 against white
#: for the darker half, and the table carries the same figures.
CLASS_COLOURS = {
    "A": "#1a7837",
    "B": "#5aae61",
    "C": "#a6d96a",
    "D": "#fdae61",
    "E": "#f46d43",
    "F": "#d73027",
    "": "#9e9e9e",
}
GROUP_COLOURS = {"A": "#08519c", "B": "#7a3b8f", "C": "#c4521b", "": "#9e9e9e"}


def class_name(k: str) -> str:
    """ "Class A" … or "no class" for cells beyond every stop's reach."""
    return _("Class %(k)s") % {"k": k} if k else _("no class")


def group_label(g: str) -> str:
    """The service group of a stop in words (rail, tram, bus)."""
    return {"A": _("rail"), "B": _("tram"), "C": _("bus (incl. demand-responsive)")}.get(
        g, _("not served")
    )


def class_categories() -> list[dict[str, str]]:
    return [
        {"key": k or "none", "label": class_name(k), "colour": c} for k, c in CLASS_COLOURS.items()
    ]


def group_categories() -> list[dict[str, str]]:
    return [
        {"key": g or "none", "label": group_label(g), "colour": c} for g, c in GROUP_COLOURS.items()
    ]


def stop_fields() -> list[dict[str, str]]:
    return [
        {"key": "group_label", "label": _("Service group")},
        {"key": "departures", "label": _("Departures on the service day")},
        {"key": "interval_min", "label": _("Mean interval 06–20 (min)")},
        {"key": "category_label", "label": _("Stop category")},
    ]


def class_chart(
    labels: list[str], data_per_class: list[list[float | None]], category_label: str
) -> dict[str, Any]:
    """One stacked horizontal bar per area: shares of inhabitants per class (A … F, none)."""
    datasets = [
        specs.dataset(class_name(k), data, CLASS_COLOURS.get(k, "#9e9e9e"))
        for k, data in zip([*oev.CLASSES, ""], data_per_class, strict=True)
    ]
    # horizontal bars: xLabel names the category axis, yLabel the value axis (charts.js)
    return specs.bar_chart(
        labels,
        datasets,
        horizontal=True,
        stacked=True,
        unit="%",
        xLabel=category_label,
        yLabel=_("Share of inhabitants (%)"),
    )


def times_chart(labels: list[str], rows: list[Any], category_label: str) -> dict[str, Any]:
    """Travel times by bus and train (median, 90th percentile, fastest) beside walking."""
    return specs.bar_chart(
        labels,
        [
            specs.dataset(_("Median over departure minutes"), [r.median_min for r in rows]),
            specs.dataset(_("90th percentile"), [r.p90_min for r in rows]),
            specs.dataset(_("Fastest connection"), [r.best_min for r in rows]),
            specs.dataset(_("On foot"), [r.walk_min for r in rows]),
        ],
        horizontal=True,
        unit="min",
        xLabel=category_label,
        yLabel=_("Minutes"),
    )


def class_chart_height(rows: int) -> int:
    """Pixel height of the stacked class chart with one bar per district."""
    return max(320, 24 * rows + 80)


def times_chart_height(rows: int) -> int:
    return max(320, 30 * rows + 80)


def departures_chart(name: str, hours: list[int], per_hour: list[int]) -> dict[str, Any]:
    return specs.bar_chart(
        [f"{h:02d}" for h in hours],
        [specs.dataset(_("Departures from the stops of %(name)s") % {"name": name}, per_hour)],
        xLabel=_("Hour of the day"),
        yLabel=_("Departures"),
    )


def stop_category_chart(order: list[str], counts: dict[str, int]) -> dict[str, Any]:
    return specs.bar_chart(
        order,
        [specs.dataset(_("Stops"), [counts.get(c, 0) for c in order])],
        xLabel=_("Stop category"),
        yLabel=_("Stops"),
    )


def _stops_layer(query: str, radius: int) -> dict[str, Any]:
    return {
        "type": "points",
        "url": reverse("transit:api-stops") + query,
        "category": "group",
        "categories": group_categories(),
        "radius": radius,
        "fields": stop_fields(),
    }


def _cells_layer(query: str, fields: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "type": "points",
        "url": reverse("transit:api-cells") + query,
        "category": "klass",
        "categories": class_categories(),
        "radius": 4,
        "fields": fields,
    }


def overview_map(region_name: str) -> dict[str, Any]:
    return specs.map_spec(
        _(
            "Map of the ÖV-Güteklassen of %(region)s: each dot is a populated cell coloured by "
            "its class; stops by their service group"
        )
        % {"region": region_name},
        [
            specs.municipal_border_layer(),
            _cells_layer(
                "",
                [
                    {"key": "population", "label": _("Inhabitants")},
                    {"key": "district", "label": _("District")},
                ],
            ),
            _stops_layer("?inside=1", 5),
        ],
    )


def district_map(d: District) -> dict[str, Any]:
    return specs.map_spec(
        _("Map of %(name)s: populated cells coloured by ÖV-Güteklasse, and stops")
        % {"name": d.name},
        [
            {
                "type": "outline",
                "url": reverse("region:api-district", args=[d.key]),
                "title": d.name,
                "weight": 3,
            },
            _cells_layer(f"?district={d.pk}", [{"key": "population", "label": _("Inhabitants")}]),
            _stops_layer(f"?district={d.key}", 6),
        ],
    )


def stops_map() -> dict[str, Any]:
    return specs.map_spec(
        _("Map of the stops, coloured by service group"),
        [specs.municipal_border_layer(), _stops_layer("?inside=1", 5)],
    )


def cell_feature(c: CellClass) -> dict[str, Any]:
    """A populated cell as a GeoJSON point with its class (for the cells endpoint)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(c.cell.lon, 6), round(c.cell.lat, 6)]},
        "properties": {
            "name": class_name(c.klass),
            "klass": c.klass or "none",
            "population": c.cell.population,
            "district": c.cell.district.name if c.cell.district else "",
            "is_estimate": c.cell.is_estimate,
        },
    }


def stop_feature(s: Stop, feed: Feed) -> dict[str, Any]:
    """A stop as a GeoJSON point with its service group and departures (stops endpoint)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
        "properties": {
            "name": s.name,
            "group": s.service_group or "none",
            "group_label": group_label(s.service_group),
            "departures": s.departures_day,
            "interval_min": s.interval_min,
            "category_label": oev.ROMAN.get(s.category or 0, "–"),
            "is_estimate": feed.source.is_illustrative,
        },
    }
