"""Public-transport pages: ÖV-Güteklassen (region and district), stops and departures, feed report.

Every page shows a map, a table and a chart of the same figures, with the sources underneath;
the tables are the accessible alternative. Travel times by bus and train are analysis indicators
(mode "transit") and live on the analysis pages, which these pages link to.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from nahraum.access import oev_classes as oev
from nahraum.region.models import District, Municipality, PopulationCell
from nahraum.region.views import current_region, map_base, municipal_border_layer, sources_of

from .models import CellClass, DemandResponsiveService, Feed, Route, Stop, TravelTimeSummary
from .services import active_feed, class_shares

#: Colours of the classes (A best … F, none): green to red, none grey; ≥ 3:1 against white
#: for the darker half, and the table carries the same figures.
CLASS_COLOURS = {"A": "#1a7837", "B": "#5aae61", "C": "#a6d96a", "D": "#fdae61", "E": "#f46d43",
                 "F": "#d73027", "": "#9e9e9e"}
GROUP_COLOURS = {"A": "#08519c", "B": "#7a3b8f", "C": "#c4521b", "": "#9e9e9e"}


def class_label(k: str) -> str:
    return k if k else _("none")


def _class_categories() -> list[dict]:
    return [{"key": k or "none", "label": _("Class %(k)s") % {"k": k} if k else _("no class"),
             "colour": c} for k, c in CLASS_COLOURS.items()]


def _group_label(g: str) -> str:
    return {"A": _("rail"), "B": _("tram"), "C": _("bus (incl. demand-responsive)")}.get(
        g, _("not served"))


def _share_rows(buckets: dict, names: dict, extra: dict | None = None) -> list[dict]:
    rows = []
    for key, bucket in buckets.items():
        total = sum(bucket.values())
        shares = [{"klass": k, "people": bucket[k],
                   "share": 100.0 * bucket[k] / total if total else 0.0}
                  for k in [*oev.CLASSES, ""]]
        good = sum(bucket[k] for k in ("A", "B", "C", "D"))
        rows.append({"key": key, "name": names.get(key, str(key)), "total": total,
                     "shares": shares, "share_a_to_d": 100.0 * good / total if total else 0.0,
                     **((extra or {}).get(key, {}))})
    return rows


def _class_chart(rows: list[dict]) -> dict:
    labels = [r["name"] for r in rows]
    datasets = []
    for i, k in enumerate([*oev.CLASSES, ""]):
        datasets.append({"label": _("Class %(k)s") % {"k": k} if k else _("no class"),
                         "data": [round(r["shares"][i]["share"], 1) for r in rows],
                         "colour": CLASS_COLOURS[k]})
    return {"type": "bar", "data": {"labels": labels, "datasets": datasets},
            # horizontal bars: xLabel names the category axis, yLabel the value axis (charts.js)
            "options": {"horizontal": True, "stacked": True, "unit": "%", "xLabel": _("District"),
                        "yLabel": _("Share of inhabitants (%)")}}


def _feed_sources(feed: Feed, *groups) -> list:
    drt = DemandResponsiveService.objects.filter(region=feed.region)
    return sources_of([feed], drt, *groups)


def _empty(request: HttpRequest, region) -> HttpResponse:
    return render(request, "transit/empty.html", {"region": region})


def overview(request: HttpRequest) -> HttpResponse:
    """ÖV-Güteklassen of the region: share of inhabitants per class by municipality and district."""
    region = current_region()
    feed = active_feed(region) if region else None
    if feed is None:
        return _empty(request, region)
    shares = class_shares(feed)
    municipalities = {m.pk: m for m in Municipality.objects.filter(region=region)}
    districts = {d.pk: d for d in District.objects.filter(municipality__region=region)
                 .select_related("municipality")}
    m_rows = _share_rows(shares["municipality"], {k: m.name for k, m in municipalities.items()},
                         {k: {"url": reverse("region:municipality", args=[m.ags])}
                          for k, m in municipalities.items()})
    d_rows = _share_rows(shares["district"], {k: d.name for k, d in districts.items()},
                         {k: {"url": reverse("transit:district", args=[d.key]),
                              "municipality": d.municipality.name, "kind": d.kind}
                          for k, d in districts.items()})
    d_rows.sort(key=lambda r: (r["municipality"], r["kind"], r["name"]))
    region_row = _share_rows({"region": shares["region"]}, {"region": region.name})[0]
    map_spec = map_base(_("Map of the ÖV-Güteklassen of %(region)s: each dot is a populated "
                          "cell coloured by its class; stops by their service group")
                        % {"region": region.name})
    map_spec["layers"] = [
        municipal_border_layer(),
        {"type": "points", "url": reverse("transit:api-cells"), "category": "klass",
         "categories": _class_categories(), "radius": 4,
         "fields": [{"key": "population", "label": _("Inhabitants")},
                    {"key": "district", "label": _("District")}]},
        {"type": "points", "url": reverse("transit:api-stops") + "?inside=1", "category": "group",
         "categories": [{"key": g or "none", "label": _group_label(g), "colour": c}
                        for g, c in GROUP_COLOURS.items()], "radius": 5,
         "fields": _stop_fields()},
    ]
    cells_source = PopulationCell.objects.filter(region=region).only("source_id")[:1]
    times = _time_context(request, feed)
    return render(request, "transit/overview.html", {
        **times,
        "region": region, "feed": feed, "municipality_rows": m_rows, "district_rows": d_rows,
        "region_row": region_row, "classes": [*oev.CLASSES, ""],
        "chart_spec": _class_chart(d_rows), "chart_height": max(320, 24 * len(d_rows) + 80),
        "map_spec": map_spec, "method": _method_context(feed),
        "drt": DemandResponsiveService.objects.filter(region=region),
        "sources": _feed_sources(feed, cells_source),
        "transit_analysis_url": reverse("analysis:overview") + "?mode=transit",
    })


def _time_context(request: HttpRequest, feed: Feed) -> dict:
    """Median and 90th percentile per district for one facility type (``?type=``)."""
    summaries = TravelTimeSummary.objects.filter(feed=feed).select_related(
        "district", "district__municipality", "facility_type")
    types = sorted({r.facility_type for r in summaries}, key=lambda t: (t.field_id, t.order,
                                                                         t.key))
    keys = [t.key for t in types]
    chosen = request.GET.get("type") or ("gp" if "gp" in keys else (keys[0] if keys else ""))
    if keys and chosen not in keys:
        chosen = keys[0]
    rows = sorted((r for r in summaries if r.facility_type.key == chosen),
                  key=lambda r: (r.district.municipality.name, r.district.kind, r.district.name))
    chart = {"type": "bar", "data": {
        "labels": [r.district.name for r in rows],
        "datasets": [
            {"label": _("Median over departure minutes"), "data": [r.median_min for r in rows]},
            {"label": _("90th percentile"), "data": [r.p90_min for r in rows]},
            {"label": _("Fastest connection"), "data": [r.best_min for r in rows]},
            {"label": _("On foot"), "data": [r.walk_min for r in rows]}]},
        "options": {"horizontal": True, "unit": "min", "xLabel": _("District"),
                    "yLabel": _("Minutes")}}
    return {"time_types": types, "time_type": chosen, "time_rows": rows, "time_chart": chart,
            "time_chart_height": max(320, 30 * len(rows) + 80)}


def _stop_fields() -> list[dict]:
    return [{"key": "group_label", "label": _("Service group")},
            {"key": "departures", "label": _("Departures on the service day")},
            {"key": "interval_min", "label": _("Mean interval 06–20 (min)")},
            {"key": "category_label", "label": _("Stop category")}]


def _method_context(feed: Feed) -> dict:
    p = feed.class_parameters or {}
    return {"source": oev.SOURCE, "distance": p.get("distance", ""),
            "category_table": [{"group": g, "label": _group_label(g),
                                "cells": [oev.ROMAN[c] for c in row]}
                               for g, row in oev.CATEGORY_TABLE.items()],
            "interval_bounds": oev.INTERVAL_BOUNDS_MIN,
            "class_table": [{"category": oev.ROMAN[c], "cells": [k or "–" for k in row]}
                            for c, row in oev.CLASS_TABLE.items()],
            "distance_bounds": oev.DISTANCE_BOUNDS_M}


def _district_stops(feed: Feed, district: District) -> list[Stop]:
    import shapely
    from shapely.geometry import shape

    stops = list(Stop.objects.filter(feed=feed, is_station=False))
    if not district.boundary or not stops:
        return []
    area = shape(district.boundary)
    inside = shapely.contains_xy(area, np.array([s.lon for s in stops]),
                                 np.array([s.lat for s in stops]))
    return [s for s, ok in zip(stops, inside, strict=True) if ok]


def _inside_region(rows: list[Stop], region) -> list[Stop]:
    """The stops inside the region's municipalities (maps fit to the region, not to the
    far ends of a railway line)."""
    import shapely
    from shapely.geometry import shape

    shapes = [shape(m.boundary) for m in Municipality.objects.filter(region=region)
              if m.boundary]
    if not shapes or not rows:
        return rows
    area = shapely.union_all(shapes)
    inside = shapely.contains_xy(area, np.array([s.lon for s in rows]),
                                 np.array([s.lat for s in rows]))
    return [s for s, ok in zip(rows, inside, strict=True) if ok]


def district(request: HttpRequest, key: str) -> HttpResponse:
    """A district: its inhabitants by class, its stops, departures per hour."""
    region = current_region()
    feed = active_feed(region) if region else None
    d = get_object_or_404(District.objects.select_related("municipality"), key=key,
                          municipality__region=region)
    if feed is None:
        return _empty(request, region)
    shares = class_shares(feed)
    bucket = shares["district"].get(d.pk, dict.fromkeys([*oev.CLASSES, ""], 0))
    row = _share_rows({d.pk: bucket}, {d.pk: d.name})[0]
    m_row = _share_rows({d.municipality_id: shares["municipality"].get(
        d.municipality_id, dict.fromkeys([*oev.CLASSES, ""], 0))}, {d.municipality_id:
                                                                     d.municipality.name})[0]
    stops = sorted(_district_stops(feed, d), key=lambda s: (-s.departures_day, s.name))
    hours = list(range(4, 25))
    per_hour = [sum((s.departures_by_hour[h] if h < len(s.departures_by_hour) else 0)
                    for s in stops) for h in hours]
    chart_spec = {"type": "bar", "data": {
        "labels": [f"{h:02d}" for h in hours],
        "datasets": [{"label": _("Departures from the stops of %(name)s") % {"name": d.name},
                      "data": per_hour}]},
        "options": {"xLabel": _("Hour of the day"), "yLabel": _("Departures")}}
    map_spec = map_base(_("Map of %(name)s: populated cells coloured by ÖV-Güteklasse, and "
                          "stops") % {"name": d.name})
    map_spec["layers"] = [
        {"type": "outline", "url": reverse("region:api-district", args=[d.key]),
         "title": d.name, "weight": 3},
        {"type": "points", "url": reverse("transit:api-cells") + f"?district={d.pk}",
         "category": "klass", "categories": _class_categories(), "radius": 4,
         "fields": [{"key": "population", "label": _("Inhabitants")}]},
        {"type": "points", "url": reverse("transit:api-stops") + f"?district={d.key}",
         "category": "group", "categories": [{"key": g or "none", "label": _group_label(g),
                                              "colour": c} for g, c in GROUP_COLOURS.items()],
         "radius": 6, "fields": _stop_fields()},
    ]
    time_rows = list(TravelTimeSummary.objects.filter(feed=feed, district=d)
                     .select_related("facility_type").order_by("facility_type__field__order",
                                                               "facility_type__order"))
    time_chart = {"type": "bar", "data": {
        "labels": [str(r.facility_type.name) for r in time_rows],
        "datasets": [
            {"label": _("Median over departure minutes"), "data": [r.median_min for r in time_rows]},
            {"label": _("90th percentile"), "data": [r.p90_min for r in time_rows]},
            {"label": _("Fastest connection"), "data": [r.best_min for r in time_rows]},
            {"label": _("On foot"), "data": [r.walk_min for r in time_rows]}]},
        "options": {"horizontal": True, "unit": "min", "xLabel": _("Facility type"),
                    "yLabel": _("Minutes")}}
    return render(request, "transit/district.html", {
        "time_rows": time_rows, "time_chart": time_chart,
        "time_chart_height": max(320, 30 * len(time_rows) + 80),
        "region": region, "feed": feed, "district": d, "row": row, "municipality_row": m_row,
        "classes": [*oev.CLASSES, ""], "stops": stops,
        "hour_rows": list(zip(hours, per_hour, strict=True)), "chart_spec": chart_spec,
        "map_spec": map_spec, "group_label": _group_label,
        "sources": _feed_sources(feed, [d]),
        "transit_analysis_url": reverse("analysis:district", args=[d.key]) + "?mode=transit",
    })


def stops(request: HttpRequest) -> HttpResponse:
    """Every stop with its departures, interval and category; the lines; the feed's report."""
    region = current_region()
    feed = active_feed(region) if region else None
    if feed is None:
        return _empty(request, region)
    rows = list(Stop.objects.filter(feed=feed, is_station=False).order_by("-departures_day",
                                                                         "name"))
    for s in rows:
        s.group_label = _group_label(s.service_group)
        s.category_label = oev.ROMAN.get(s.category or 0, "–")
    counts = {}
    for s in rows:
        counts[s.category_label] = counts.get(s.category_label, 0) + 1
    order = [*oev.ROMAN.values(), "–"]
    chart_spec = {"type": "bar", "data": {
        "labels": order, "datasets": [{"label": _("Stops"), "data": [counts.get(c, 0)
                                                                      for c in order]}]},
        "options": {"xLabel": _("Stop category"), "yLabel": _("Stops")}}
    map_spec = map_base(_("Map of the stops, coloured by service group"))
    map_spec["layers"] = [municipal_border_layer(), {
        "type": "points", "url": reverse("transit:api-stops") + "?inside=1", "category": "group",
        "categories": [{"key": g or "none", "label": _group_label(g), "colour": c}
                       for g, c in GROUP_COLOURS.items()], "radius": 5,
        "fields": _stop_fields()}]
    return render(request, "transit/stops.html", {
        "region": region, "feed": feed, "stops": rows,
        "category_rows": [(c, counts.get(c, 0)) for c in order],
        "routes": Route.objects.filter(feed=feed), "chart_spec": chart_spec,
        "map_spec": map_spec, "drt": DemandResponsiveService.objects.filter(region=region),
        "sources": _feed_sources(feed),
    })


def api_cells(request: HttpRequest) -> JsonResponse:
    """GeoJSON points: populated cells with their class (``?district=<id>`` to filter)."""
    region = current_region()
    feed = active_feed(region) if region else None
    if feed is None:
        raise Http404("no timetable")
    qs = CellClass.objects.filter(feed=feed, cell__population__gt=0).select_related(
        "cell", "cell__district")
    district_id = request.GET.get("district")
    if district_id:
        if not district_id.isdigit():
            return JsonResponse({"error": "district: expected a numeric id"}, status=400)
        qs = qs.filter(cell__district_id=int(district_id))
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(c.cell.lon, 6), round(c.cell.lat, 6)]},
        "properties": {"name": _("Class %(k)s") % {"k": c.klass} if c.klass else _("no class"),
                       "klass": c.klass or "none", "population": c.cell.population,
                       "district": c.cell.district.name if c.cell.district else "",
                       "is_estimate": c.cell.is_estimate},
    } for c in qs]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def api_stops(request: HttpRequest) -> JsonResponse:
    """GeoJSON points: the stops of the active feed (``?district=<key>`` to filter)."""
    region = current_region()
    feed = active_feed(region) if region else None
    if feed is None:
        raise Http404("no timetable")
    key = request.GET.get("district")
    if key:
        d = District.objects.filter(key=key, municipality__region=region).first()
        if d is None:
            return JsonResponse({"error": f"district: unknown key {key!r}"}, status=400)
        rows = _district_stops(feed, d)
    else:
        rows = list(Stop.objects.filter(feed=feed, is_station=False))
        if request.GET.get("inside"):
            rows = _inside_region(rows, region)
    features = [_stop_feature(s, feed) for s in rows]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _stop_feature(s: Stop, feed: Feed) -> dict[str, Any]:
    return {"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
            "properties": {"name": s.name, "group": s.service_group or "none",
                           "group_label": _group_label(s.service_group),
                           "departures": s.departures_day, "interval_min": s.interval_min,
                           "category_label": oev.ROMAN.get(s.category or 0, "–"),
                           "is_estimate": feed.source.is_illustrative}}
