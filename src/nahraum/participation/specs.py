"""The map and chart specifications of the participation pages, built in one place.

Views hand these dictionaries to the templates (``json_script``), where the shared map and chart
scripts draw them. Keeping them out of the views keeps the views thin and lets the same kind of
chart (shares of population and participants, counts per innovation field) look alike on every
page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from nahraum.region.models import District, InnovationField

from . import representativeness as rep
from .models import Idea


def with_tiles(spec: dict) -> dict:
    """Add the configured background tiles to a map spec (empty URL: data layers only)."""
    return {
        "tileUrl": settings.NAHRAUM_TILE_URL,
        "attribution": settings.NAHRAUM_TILE_ATTRIBUTION,
        **spec,
    }


def outline_layer(districts: Iterable[District] | None = None) -> list[dict]:
    """The Ortsteile as a plain background layer, so that points have a place around them."""
    districts = District.objects.exclude(boundary=None) if districts is None else districts
    features = [
        {"type": "Feature", "geometry": d.boundary, "properties": {"name": d.name}}
        for d in districts
        if d.boundary
    ]
    if not features:
        return []
    return [
        {
            "type": "choropleth",
            "data": {"type": "FeatureCollection", "features": features},
            "legend": False,
            "property": "none",
        }
    ]


def region_map_spec() -> dict:
    """The map on which a person marks the place of a new idea."""
    return with_tiles(
        {"label": _("Map: click to mark the place of your idea"), "layers": outline_layer()}
    )


def _field_categories(fields: Iterable[InnovationField]) -> list[dict]:
    return [{"key": f.key, "label": f.name, "colour": f.colour} for f in fields]


def ideas_map_spec(ideas: Iterable[Idea], fields: Sequence[InnovationField]) -> dict:
    """The ideas with a place as points coloured by innovation field (``support_count`` read)."""
    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
                "properties": {
                    "name": i.title,
                    "url": i.get_absolute_url(),
                    "field": i.field.key,
                    "supports": i.support_count,
                },
            }
            for i in ideas
            if i.lat is not None
        ],
    }
    return with_tiles(
        {
            "label": _("Map of the ideas with a place"),
            "layers": outline_layer()
            + [
                {
                    "type": "points",
                    "data": points,
                    "category": "field",
                    "categories": _field_categories(fields),
                    "fields": [{"key": "supports", "label": _("supports")}],
                }
            ],
        }
    )


def ideas_by_field_chart(by_field: Sequence[dict[str, Any]]) -> dict:
    """Bar chart of the number of ideas per innovation field (rows: ``name``, ``count``)."""
    return {
        "type": "bar",
        "data": {
            "labels": [row["name"] for row in by_field],
            "datasets": [{"label": _("ideas"), "data": [row["count"] for row in by_field]}],
        },
        "options": {"yLabel": _("ideas"), "horizontal": True},
    }


def idea_map_spec(idea: Idea) -> dict | None:
    """The place of one idea in its Ortsteil; ``None`` for an idea without a place."""
    if idea.lat is None:
        return None
    point = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [idea.lon, idea.lat]},
        "properties": {"name": idea.title, "field": idea.field.key},
    }
    return with_tiles(
        {
            "label": _("Map: place of the idea"),
            "zoom": 15,
            "center": [idea.lat, idea.lon],
            "layers": outline_layer([idea.district] if idea.district else [])
            + [
                {
                    "type": "points",
                    "category": "field",
                    "categories": _field_categories([idea.field]),
                    "data": {"type": "FeatureCollection", "features": [point]},
                }
            ],
        }
    )


def coverage_map_spec(by_district: Sequence[dict[str, Any]]) -> dict:
    """Choropleth of participants per 1,000 inhabitants (rows of ``coverage_data``)."""
    features = [
        {
            "type": "Feature",
            "geometry": row["district"].boundary
            or {
                "type": "Point",
                "coordinates": [row["district"].centre_lon, row["district"].centre_lat],
            },
            "properties": {
                "name": row["district"].name,
                "per_1000": round(row["per_1000"], 1),
                "participants": row["participants"],
                "groups": row["groups"],
                "took_part": row["took_part"],
                "is_estimate": row["district"].is_estimate,
            },
        }
        for row in by_district
    ]
    return with_tiles(
        {
            "label": _("Map: participants per 1,000 inhabitants by Ortsteil"),
            "layers": [
                {
                    "type": "choropleth",
                    "data": {"type": "FeatureCollection", "features": features},
                    "property": "per_1000",
                    "title": _("participants per 1,000 inhabitants"),
                    "fields": [
                        {"key": "participants", "label": _("participants")},
                        {"key": "groups", "label": _("societal groups")},
                        {"key": "took_part", "label": _("groups that took part")},
                    ],
                }
            ],
        }
    )


def _share_chart(
    labels: list[str], population: list[float], participants: list[float], options: dict
) -> dict:
    """Population share beside participants' share, in per cent, one bar pair per label."""
    return {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [
                {"label": _("population"), "data": [round(100 * s, 1) for s in population]},
                {"label": _("participants"), "data": [round(100 * s, 1) for s in participants]},
            ],
        },
        "options": {"unit": "%", "yLabel": _("share"), **options},
    }


def age_share_chart(by_age: Sequence[rep.Share]) -> dict:
    """Shares of population and participants per age band."""
    return _share_chart(
        [s.key for s in by_age],
        [s.population_share for s in by_age],
        [s.participant_share for s in by_age],
        {"xLabel": _("age band")},
    )


def district_share_chart(by_district: Sequence[dict[str, Any]]) -> dict:
    """Shares of population and participants per Ortsteil (rows of ``coverage_data``)."""
    return _share_chart(
        [row["district"].name for row in by_district],
        [row["population_share"] for row in by_district],
        [row["participant_share"] for row in by_district],
        {"horizontal": True},
    )


def answers_chart(rows: Sequence[tuple[str, int]], horizontal: bool) -> dict:
    """Bar chart of the answers to one survey question (``(label, count)`` rows)."""
    return {
        "type": "bar",
        "data": {
            "labels": [label for label, _n in rows],
            "datasets": [{"label": _("answers"), "data": [n for _l, n in rows]}],
        },
        "options": {"yLabel": _("answers"), "horizontal": horizontal},
    }
