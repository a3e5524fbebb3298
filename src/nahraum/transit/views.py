"""Public-transport pages: ÖV-Güteklassen (region and district), stops and departures, feed report.

Every page shows a map, a table and a chart of the same figures, with the sources underneath;
the tables are the accessible alternative. Travel times by bus and train are analysis indicators
(mode "transit") and live on the analysis pages, which these pages link to. Queries are in
:mod:`.selectors`, map and chart specs in :mod:`.specs`; the views put them together.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.access import oev_classes as oev
from nahraum.analysis.forms import first_error
from nahraum.region.cachever import public_page
from nahraum.region.models import District, Region
from nahraum.region.selectors import current_region, region_districts, region_municipalities
from nahraum.region.selectors import districts as all_districts

from . import selectors, specs
from .dayselectors import day_type_context
from .forms import CellsQueryForm, StopsQueryForm, TimeTypeForm
from .models import Feed
from .services import active_feed, class_shares

CLASS_KEYS = [*oev.CLASSES, ""]


def _share_rows(buckets: dict, names: dict, extra: dict | None = None) -> list[dict]:
    rows = []
    for key, bucket in buckets.items():
        total = sum(bucket.values())
        shares = [
            {"klass": k, "people": bucket[k], "share": 100.0 * bucket[k] / total if total else 0.0}
            for k in CLASS_KEYS
        ]
        good = sum(bucket[k] for k in ("A", "B", "C", "D"))
        rows.append(
            {
                "key": key,
                "name": names.get(key, str(key)),
                "total": total,
                "shares": shares,
                "share_a_to_d": 100.0 * good / total if total else 0.0,
                **((extra or {}).get(key, {})),
            }
        )
    return rows


def _class_chart(rows: list[dict]) -> dict:
    return specs.class_chart(
        [r["name"] for r in rows],
        [[round(r["shares"][i]["share"], 1) for r in rows] for i in range(len(CLASS_KEYS))],
        _("District"),
    )


def _empty(request: HttpRequest, region: Region | None) -> HttpResponse:
    return render(request, "transit/empty.html", {"region": region})


def _region_and_feed() -> tuple[Region | None, Feed | None]:
    region = current_region()
    return region, active_feed(region) if region else None


def _overview_rows(region: Region, shares: dict) -> tuple[list[dict], list[dict]]:
    """Share rows per municipality (linked to the region's page) and per district."""
    municipalities = {m.pk: m for m in region_municipalities(region)}
    districts = {d.pk: d for d in region_districts(region)}
    m_rows = _share_rows(
        shares["municipality"],
        {k: m.name for k, m in municipalities.items()},
        {
            k: {"url": reverse("region:municipality", args=[m.ags])}
            for k, m in municipalities.items()
        },
    )
    d_rows = _share_rows(
        shares["district"],
        {k: d.name for k, d in districts.items()},
        {
            k: {
                "url": reverse("transit:district", args=[d.key]),
                "municipality": d.municipality.name,
                "kind": d.kind,
            }
            for k, d in districts.items()
        },
    )
    d_rows.sort(key=lambda r: (r["municipality"], r["kind"], r["name"]))
    return m_rows, d_rows


@public_page
def overview(request: HttpRequest) -> HttpResponse:
    """ÖV-Güteklassen of the region: share of inhabitants per class by municipality and district."""
    region, feed = _region_and_feed()
    if feed is None:
        return _empty(request, region)
    shares = class_shares(feed)
    m_rows, d_rows = _overview_rows(region, shares)
    region_row = _share_rows({"region": shares["region"]}, {"region": region.name})[0]
    cells_source = selectors.cells_source(region)
    return render(
        request,
        "transit/overview.html",
        {
            **_time_context(request, feed),
            **day_type_context(feed),
            "region": region,
            "feed": feed,
            "municipality_rows": m_rows,
            "district_rows": d_rows,
            "region_row": region_row,
            "classes": CLASS_KEYS,
            "chart_spec": _class_chart(d_rows),
            "chart_height": specs.class_chart_height(len(d_rows)),
            "map_spec": specs.overview_map(region.name),
            "method": _method_context(feed),
            "drt": selectors.demand_responsive(region),
            "sources": selectors.feed_sources(feed, cells_source),
            "transit_analysis_url": reverse("analysis:overview") + "?mode=transit",
        },
    )


def _time_context(request: HttpRequest, feed: Feed) -> dict:
    """Median and 90th percentile per district for one facility type (``?type=``)."""
    types = selectors.time_summary_types(feed)
    keys = [t.key for t in types]
    form = TimeTypeForm(request.GET, keys=keys)
    chosen = form.cleaned_data["type"] if form.is_valid() else (keys[0] if keys else "")
    rows = sorted(
        selectors.time_summaries(feed, chosen),
        key=lambda r: (r.district.municipality.name, r.district.kind, r.district.name),
    )
    chart = specs.times_chart([r.district.name for r in rows], rows, _("District"))
    return {
        "time_types": types,
        "time_type": chosen,
        "time_rows": rows,
        "time_chart": chart,
        "time_chart_height": specs.times_chart_height(len(rows)),
    }


def _method_context(feed: Feed) -> dict:
    p = feed.class_parameters or {}
    return {
        "source": oev.SOURCE,
        "distance": p.get("distance", ""),
        "category_table": [
            {"group": g, "label": specs.group_label(g), "cells": [oev.ROMAN[c] for c in row]}
            for g, row in oev.CATEGORY_TABLE.items()
        ],
        "interval_bounds": oev.INTERVAL_BOUNDS_MIN,
        "class_table": [
            {"category": oev.ROMAN[c], "cells": [k or "–" for k in row]}
            for c, row in oev.CLASS_TABLE.items()
        ],
        "distance_bounds": oev.DISTANCE_BOUNDS_M,
    }


def _class_rows(shares: dict, d: District) -> tuple[dict, dict]:
    """The district's and its municipality's share rows."""
    empty = dict.fromkeys(CLASS_KEYS, 0)
    row = _share_rows({d.pk: shares["district"].get(d.pk, empty)}, {d.pk: d.name})[0]
    m_row = _share_rows(
        {d.municipality_id: shares["municipality"].get(d.municipality_id, empty)},
        {d.municipality_id: d.municipality.name},
    )[0]
    return row, m_row


def _time_rows_context(feed: Feed, d: District) -> dict[str, Any]:
    time_rows = selectors.district_time_summaries(feed, d)
    return {
        "time_rows": time_rows,
        "time_chart": specs.times_chart(
            [str(r.facility_type.name) for r in time_rows], time_rows, _("Facility type")
        ),
        "time_chart_height": specs.times_chart_height(len(time_rows)),
    }


@public_page
def district(request: HttpRequest, key: str) -> HttpResponse:
    """A district: its inhabitants by class, its stops, departures per hour."""
    region, feed = _region_and_feed()
    d = get_object_or_404(all_districts(), key=key, municipality__region=region)
    if feed is None:
        return _empty(request, region)
    row, m_row = _class_rows(class_shares(feed), d)
    stops = sorted(selectors.district_stops(feed, d), key=lambda s: (-s.departures_day, s.name))
    hours = list(range(4, 25))
    per_hour = [
        sum((s.departures_by_hour[h] if h < len(s.departures_by_hour) else 0) for s in stops)
        for h in hours
    ]
    return render(
        request,
        "transit/district.html",
        {
            **_time_rows_context(feed, d),
            **day_type_context(feed, d),
            "region": region,
            "feed": feed,
            "district": d,
            "row": row,
            "municipality_row": m_row,
            "classes": CLASS_KEYS,
            "stops": stops,
            "hour_rows": list(zip(hours, per_hour, strict=True)),
            "chart_spec": specs.departures_chart(d.name, hours, per_hour),
            "map_spec": specs.district_map(d),
            "group_label": specs.group_label,
            "sources": selectors.feed_sources(feed, [d]),
            "transit_analysis_url": reverse("analysis:district", args=[d.key]) + "?mode=transit",
        },
    )


@public_page
def stops(request: HttpRequest) -> HttpResponse:
    """Every stop with its departures, interval and category; the lines; the feed's report."""
    region, feed = _region_and_feed()
    if feed is None:
        return _empty(request, region)
    rows = list(selectors.platform_stops(feed).order_by("-departures_day", "name"))
    counts: dict[str, int] = {}
    for s in rows:
        s.group_label = specs.group_label(s.service_group)
        s.category_label = oev.ROMAN.get(s.category or 0, "–")
        counts[s.category_label] = counts.get(s.category_label, 0) + 1
    order = [*oev.ROMAN.values(), "–"]
    return render(
        request,
        "transit/stops.html",
        {
            "region": region,
            "feed": feed,
            "stops": rows,
            "category_rows": [(c, counts.get(c, 0)) for c in order],
            "routes": selectors.routes(feed),
            "chart_spec": specs.stop_category_chart(order, counts),
            "map_spec": specs.stops_map(),
            "drt": selectors.demand_responsive(region),
            "sources": selectors.feed_sources(feed),
        },
    )


@public_page
def api_cells(request: HttpRequest) -> JsonResponse:
    """GeoJSON points: populated cells with their class (``?district=<id>`` to filter)."""
    _region, feed = _region_and_feed()
    if feed is None:
        raise Http404("no timetable")
    form = CellsQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400)
    qs = selectors.populated_cell_classes(feed, form.cleaned_data["district"])
    features = [specs.cell_feature(c) for c in qs]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@public_page
def api_stops(request: HttpRequest) -> JsonResponse:
    """GeoJSON points: the stops of the active feed (``?district=<key>`` to filter)."""
    region, feed = _region_and_feed()
    if feed is None:
        raise Http404("no timetable")
    form = StopsQueryForm(request.GET, region=region)
    if not form.is_valid():
        return JsonResponse({"error": first_error(form)}, status=400)
    d = form.cleaned_data["district"]
    if d is not None:
        rows = selectors.district_stops(feed, d)
    else:
        rows = list(selectors.platform_stops(feed))
        if form.cleaned_data["inside"]:
            rows = selectors.inside_region(rows, region)
    features = [specs.stop_feature(s, feed) for s in rows]
    return JsonResponse({"type": "FeatureCollection", "features": features})
