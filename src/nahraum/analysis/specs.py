"""Map and chart specifications of the supply pages.

Built from the shared primitives of :mod:`nahraum.region.specs`, so that a map of the supply
pages reads like every other map of the site. Nothing here queries the database beyond what it
is handed (the district features link to each district's supply page).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.region import specs
from nahraum.region.api import district_feature
from nahraum.region.metrics import shown
from nahraum.region.models import District


def district_features(
    districts: list[District], values: dict[int, float | None], metric: str
) -> dict[str, Any]:
    """The districts with the metric's displayed value and a link to their supply page."""
    feats = []
    for d in districts:
        f = district_feature(d)
        f["properties"]["value"] = shown(metric, values.get(d.pk))
        f["properties"]["url"] = reverse("analysis:district", args=[d.key])
        feats.append(f)
    return {"type": "FeatureCollection", "features": feats}


def districts_map(
    label: str,
    districts: list[District],
    values: dict[int, float | None],
    metric: str,
    **extra: Any,
) -> dict[str, Any]:
    """The districts shaded by ``metric`` (``label`` names it; ``extra`` goes to the layer)."""
    return specs.map_spec(
        _("Map of the districts shaded by %(m)s") % {"m": label},
        [
            specs.choropleth_layer(
                district_features(districts, values, metric), "value", label, **extra
            )
        ],
    )


def overview_map(
    label: str, districts: list[District], values: dict[int, float | None], metric: str
) -> dict[str, Any]:
    """The overview's district map: shaded by the chosen metric, the municipality in the popup."""
    return districts_map(
        label,
        districts,
        values,
        metric,
        fields=[{"key": "municipality", "label": _("Municipality")}],
    )


def district_chart(
    label: str, rows: list[dict[str, Any]], values: dict[int, float | None], metric: str
) -> dict[str, Any]:
    """One bar per district that has a figure for the chosen metric."""
    rows = [r for r in rows if values.get(r["district"].pk) is not None]
    return specs.bar_chart(
        [r["district"].name for r in rows],
        [specs.dataset(label, [shown(metric, values[r["district"].pk]) for r in rows])],
        yLabel=label,
        xLabel=_("district"),
    )


def balance_chart(balance_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Core towns beside villages: share within the norm per facility type."""
    return specs.bar_chart(
        [r["type"].name for r in balance_rows],
        [
            specs.dataset(_("core towns"), [r["core"] for r in balance_rows]),
            specs.dataset(_("villages"), [r["village"] for r in balance_rows]),
        ],
        yLabel=_("share within the norm (%)"),
        unit="%",
    )


def travel_time_histogram(data: dict[str, Any]) -> dict[str, Any]:
    """People by travel time, from :meth:`RunCells.histogram`'s bins."""
    return specs.histogram_chart(data, _("minutes"), _("people"))


def cells_map(district: District, label: str, features: dict[str, Any]) -> dict[str, Any]:
    """The district's population cells shaded by their travel time (``label``)."""
    return specs.map_spec(
        _("Map of %(d)s: population cells shaded by %(l)s") % {"d": district.name, "l": label},
        [
            specs.choropleth_layer(
                features,
                "minutes",
                label,
                fields=[
                    {"key": "facility", "label": _("nearest facility")},
                    {"key": "people", "label": _("people")},
                ],
            )
        ],
    )
