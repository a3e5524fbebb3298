"""Map and chart specifications of the scenario pages: the editor's changes, the difference a
scenario makes, and the answer of the location planning.

Built from the shared primitives of :mod:`nahraum.region.specs`; nothing here queries the
database beyond what it is handed.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.region import specs
from nahraum.region.models import District

from .models import BusLine, FacilityChange, MobileService

#: Colours of what happens to a place: newly within the norm … newly beyond it.
STATUS_COLOURS = {
    "newly_within": "#1a7f37",
    "faster": "#74c476",
    "same": "#9e9e9e",
    "slower": "#f28e2b",
    "newly_beyond": "#b2182b",
}


def point(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    """A GeoJSON point with ``props`` as its properties."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def changes_map(
    facility_changes: list[FacilityChange],
    mobile_services: list[MobileService],
    bus_lines: list[BusLine],
) -> dict[str, Any]:
    """The editor's map: today's facilities and the scenario's changes as coloured points."""
    features = []
    for c in facility_changes:
        lon = c.lon if c.lon is not None else (c.facility.lon if c.facility else None)
        lat = c.lat if c.lat is not None else (c.facility.lat if c.facility else None)
        if lon is not None:
            features.append(point(lon, lat, name=str(c), category=c.action))
    for s in mobile_services:
        features.append(point(s.lon, s.lat, name=str(s), category="mobile"))
    for line in bus_lines:
        for i, stop in enumerate(line.stops, start=1):
            features.append(
                point(
                    stop["lon"],
                    stop["lat"],
                    category="bus",
                    name=f"{line.name} · {i}. {stop.get('name', '')}",
                )
            )
    categories = [
        {"key": "close", "label": _("closed"), "colour": "#b2182b"},
        {"key": "open", "label": _("opened"), "colour": "#1a7f37"},
        {"key": "move", "label": _("moved"), "colour": "#6a3d9a"},
        {"key": "capacity", "label": _("capacity changed"), "colour": "#f28e2b"},
        {"key": "mobile", "label": _("mobile service"), "colour": "#1f78b4"},
        {"key": "bus", "label": _("stop of a new bus line"), "colour": "#e6ab02"},
    ]
    return specs.map_spec(
        _("Map of the scenario's changes; click to take a place into the form"),
        [
            {
                "type": "points",
                "url": reverse("region:api-facilities"),
                "category": "field",
                "radius": 4,
                "title": _("Facilities today"),
                "fit": True,
            },
            {
                "type": "points",
                "data": collection(features),
                "category": "category",
                "categories": categories,
                "radius": 8,
                "fit": False,
            },
        ],
    )


def difference_map(districts: list[District], pair: dict[str, Any]) -> dict[str, Any]:
    """Cells by what happens to them, Ortsteile shaded by the net change within the norm."""
    cells = pair["cells"]
    status_labels = {
        "newly_within": _("newly within the norm"),
        "faster": _("faster"),
        "same": _("unchanged"),
        "slower": _("slower"),
        "newly_beyond": _("newly beyond the norm"),
    }
    cell_features = [
        point(lon, lat, status=st, name=str(status_labels[st]), change_min=ch)
        for lon, lat, st, ch in zip(
            cells["lon"], cells["lat"], cells["status"], cells["change_min"], strict=True
        )
        if st != "same"
    ]
    net_by_district = {
        d["district_id"]: d["newly_within_norm"] - d["newly_beyond_norm"] for d in pair["districts"]
    }
    district_features = []
    for d in districts:
        geom = d.boundary or {"type": "Point", "coordinates": [d.centre_lon, d.centre_lat]}
        district_features.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {"name": d.name, "net_within_norm": net_by_district.get(d.pk, 0.0)},
            }
        )
    return specs.map_spec(
        _(
            "Map of the difference: Ortsteile shaded by people newly within minus newly beyond "
            "the norm; dots mark places that gain or lose"
        ),
        [
            specs.choropleth_layer(
                collection(district_features),
                "net_within_norm",
                _("net change of people within the norm"),
                colours=["#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac"],
                classes=5,
            ),
            {
                "type": "points",
                "data": collection(cell_features),
                "category": "status",
                "radius": 5,
                "fit": False,
                "categories": [
                    {"key": k, "label": str(status_labels[k]), "colour": STATUS_COLOURS[k]}
                    for k in ("newly_within", "faster", "slower", "newly_beyond")
                ],
                "fields": [{"key": "change_min", "label": _("change (min)")}],
            },
        ],
    )


def gains_chart(districts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per Ortsteil: people faster/slower and newly within/beyond the norm (losses negative)."""
    ds = districts
    return specs.bar_chart(
        [d["district"] for d in ds],
        [
            specs.dataset(_("people faster"), [d["gain_people"] for d in ds], "#74c476"),
            specs.dataset(_("people slower"), [-d["loss_people"] for d in ds], "#f28e2b"),
            specs.dataset(
                _("newly within the norm"), [d["newly_within_norm"] for d in ds], "#1a7f37"
            ),
            specs.dataset(
                _("newly beyond the norm"), [-d["newly_beyond_norm"] for d in ds], "#b2182b"
            ),
        ],
        horizontal=True,
        xLabel=_("people (losses negative)"),
        unit="",
    )


def locate_map(
    type_key: str, sites: list[dict[str, Any]], greedy_sites: list[dict[str, Any]]
) -> dict[str, Any]:
    """The chosen sites of the exact and the greedy answer over today's facilities."""
    features = [
        point(
            s["lon"],
            s["lat"],
            name=s["name"],
            category="exact",
            people_served=round(s["people_served"]),
        )
        for s in sites
    ]
    features += [point(s["lon"], s["lat"], name=s["name"], category="greedy") for s in greedy_sites]
    return specs.map_spec(
        _("Map of the chosen sites (exact and greedy)"),
        [
            {
                "type": "points",
                "url": reverse("region:api-facilities") + f"?type={type_key}",
                "category": "field",
                "radius": 4,
                "title": _("Facilities today"),
            },
            {
                "type": "points",
                "data": collection(features),
                "category": "category",
                "radius": 8,
                "categories": [
                    {"key": "exact", "label": _("exact answer"), "colour": "#1a7f37"},
                    {"key": "greedy", "label": _("greedy answer"), "colour": "#f28e2b"},
                ],
                "fields": [{"key": "people_served", "label": _("people served first by it")}],
            },
        ],
    )


def locate_chart(unit: str, exact: float, greedy: float) -> dict[str, Any]:
    """The objective of the exact answer beside the greedy one's."""
    return specs.bar_chart(
        [_("exact (HiGHS)"), _("greedy")], [specs.dataset(unit, [exact, greedy])], yLabel=unit
    )
