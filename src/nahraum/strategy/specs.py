"""Map and chart specifications of the strategy pages.

Built from the shared primitives of :mod:`nahraum.region.specs`, so that a map of the strategy
reads like every other map of the site. Nothing here queries the database beyond the innovation
fields that colour the points.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.region import specs
from nahraum.region.models import InnovationField

from . import indicators
from .models import DigitalOffer, IndicatorTarget, Measure, Project

#: Where the strategy's maps open (the middle of the region) and how close.
MAP_CENTER = [52.07, 8.95]
MAP_ZOOM = 11


def progress_chart(nodes: list) -> dict[str, Any]:
    """Progress per innovation field (the tree's field nodes), as horizontal bars."""
    return specs.bar_chart(
        [n.field.name for n in nodes],
        [specs.dataset(_("Progress (%)"), [round(n.progress or 0, 1) for n in nodes])],
        yLabel=_("Progress (%)"),
        unit="%",
        horizontal=True,
    )


def target_chart(target: IndicatorTarget, points: list) -> dict[str, Any]:
    """Measured values per run and the straight path from the baseline to the target."""
    metric = target.metric
    dates = sorted({p.date for p in points} | {target.target_date})
    by_date = {p.date: indicators.to_display(metric, p.value) for p in points}
    base_date = (
        (target.baseline_run.finished or target.baseline_run.started).date()
        if target.baseline_run
        else (dates[0] if dates else target.target_date)
    )
    baseline = indicators.to_display(metric, target.baseline_value)
    goal = indicators.to_display(metric, target.target_value)
    path = []
    for d in dates:
        if baseline is None or d < base_date:
            path.append(None)
        elif target.target_date == base_date:
            path.append(goal)
        else:
            share = min(1.0, (d - base_date).days / (target.target_date - base_date).days)
            path.append(round(baseline + share * (goal - baseline), 2))
    return {
        "type": "line",
        "data": {
            "labels": [d.isoformat() for d in dates],
            "datasets": [
                {
                    "label": _("measured"),
                    "data": [
                        None if by_date.get(d) is None else round(by_date[d], 2) for d in dates
                    ],
                },
                {"label": _("path to the target"), "data": path},
            ],
        },
        "options": {
            "xLabel": _("date of the analysis run"),
            "yLabel": _(indicators.METRIC_LABELS.get(metric, metric)),
            "unit": indicators.unit(metric),
        },
    }


def feature(lat, lon, name, category, url, **props) -> dict[str, Any]:
    """A point of the strategy's maps; ``category`` is the key of its innovation field."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": name, "field": category, "url": url, **props},
    }


def measure_feature(m: Measure) -> dict[str, Any]:
    return feature(
        m.lat,
        m.lon,
        m.title,
        m.goal.field.key,
        reverse("strategy:measure", args=[m.pk]),
        kind=_("measure"),
        status=m.get_status_display(),
        is_estimate=m.is_illustrative,
    )


def project_feature(p: Project) -> dict[str, Any]:
    return feature(
        p.lat,
        p.lon,
        p.title,
        p.measure.goal.field.key,
        reverse("strategy:measure", args=[p.measure_id]) + f"#project-{p.pk}",
        kind=_("project"),
        status=p.get_status_display(),
        is_estimate=p.is_illustrative,
    )


def offer_feature(o: DigitalOffer) -> dict[str, Any]:
    return feature(
        o.lat,
        o.lon,
        o.title,
        o.field.key,
        o.url or None,
        kind=_("digital offer"),
        status="",
        is_estimate=o.is_illustrative,
    )


def points_map(label: str, features: list, categories: list) -> dict[str, Any]:
    """A map of points coloured by category, with kind and status in the popup."""
    return {
        **specs.map_base(label),
        "center": MAP_CENTER,
        "zoom": MAP_ZOOM,
        "layers": [
            {
                "type": "points",
                "data": {"type": "FeatureCollection", "features": features},
                "category": "field",
                "categories": categories,
                "fields": [
                    {"key": "kind", "label": _("kind")},
                    {"key": "status", "label": _("status")},
                ],
            }
        ],
    }


def fields_points_map(label: str, features: list) -> dict[str, Any]:
    """:func:`points_map` coloured by innovation field."""
    return points_map(
        label, features, specs.field_categories(InnovationField.objects.order_by("order"))
    )


def measure_map(measure: Measure) -> dict[str, Any] | None:
    """Where the measure takes place (None if it has no place)."""
    if measure.lat is None:
        return None
    return points_map(
        _("Where the measure takes place"),
        [feature(measure.lat, measure.lon, measure.title, "measure", None)],
        [{"key": "measure", "label": _("Measure"), "colour": "#0b5d7a"}],
    )
