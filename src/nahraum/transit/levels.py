"""ÖV-Güteklassen: departures per stop and hour, stop categories and every cell's class for a
feed's service day (the ARE method, ``nahraum.access.oev_classes``), and the population per class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nahraum.access import oev_classes as oev
from nahraum.access.gtfs import Feed as ParsedFeed
from nahraum.access.gtfs import Timetable, timetable_for_day
from nahraum.access.projection import to_utm

from .drt import drt_engine, drt_for_day
from .models import CellClass, Feed, Route, Stop
from .timetable import parsed_feed, region_walk_network

#: Walking distance within which stops count for a cell's class (the ARE table's last column).
CLASS_REACH_M = oev.DISTANCE_BOUNDS_M[-1]


def departure_events(tt: Timetable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stop, trip, time) of every departure (all stop times but a trip's last)."""
    n = tt.trip_indptr[1:] - tt.trip_indptr[:-1]
    trip = np.repeat(np.arange(tt.n_trips), n)
    last = np.zeros(len(tt.stop), bool)
    last[tt.trip_indptr[1:] - 1] = True
    return tt.stop[~last].astype(np.int64), trip[~last], tt.dep[~last].astype(np.int64)


def compute_levels(feed: Feed, parsed: ParsedFeed | None = None) -> dict:
    """Departures per stop and hour, stop categories, and every cell's class; stored on the feed."""
    from nahraum.region.models import PopulationCell

    parsed = parsed or parsed_feed(feed)
    tt = timetable_for_day(parsed, feed.service_date, end_s=30 * 3600)  # hours 0–29
    dep_stop, dep_trip, dep_time = departure_events(tt)
    # per hour of the service day itself (0–29: GTFS times ≥ 24:00 of the day's own trips count
    # in hours 24–29); the previous day's trips after midnight belong to that day
    own = tt.trip_day[dep_trip] == 0
    hours = np.clip(dep_time[own] // 3600, 0, 29)
    by_hour = np.zeros((parsed.n_stops, 30), np.int64)
    np.add.at(by_hour, (dep_stop[own], hours), 1)
    crs = feed.region.crs
    sx, sy = to_utm(parsed.stop_lon, parsed.stop_lat, crs)
    extra = np.zeros(parsed.n_stops)
    drt_rows = drt_for_day(feed.region, feed.service_date)
    for d in drt_engine(drt_rows, crs):
        # the stops it serves: inside its area, or only those it names (GTFS-Flex groups)
        inside = d.serves_stops(sx, sy) & (parsed.stop_location_type == 0)
        extra[inside] += oev.drt_departures(d.start_s, d.end_s, d.max_wait_s)
    levels = oev.stop_levels(
        parsed.stop_parent,
        tt.trip_route,
        tt.trip_direction,
        parsed.route_type,
        dep_stop,
        dep_trip,
        dep_time,
        extra_departures=extra,
    )
    stops = list(Stop.objects.filter(feed=feed).order_by("position"))
    for i, stop in enumerate(stops):
        g = levels.group_of_stop[i]
        stop.departures_by_hour = by_hour[i].tolist()
        stop.departures_day = int(by_hour[i].sum())
        stop.departures_window = round(float(levels.departures[g]), 2)
        stop.service_group = str(levels.service_group[g])
        interval = float(levels.interval_min[g])
        stop.interval_min = round(interval, 1) if np.isfinite(interval) else None
        stop.category = int(levels.category[g]) or None
    Stop.objects.bulk_update(
        stops,
        [
            "departures_by_hour",
            "departures_day",
            "departures_window",
            "service_group",
            "interval_min",
            "category",
        ],
        batch_size=2000,
    )
    trips_per_route = np.bincount(tt.trip_route[tt.trip_day == 0], minlength=len(parsed.route_id))
    routes = list(Route.objects.filter(feed=feed).order_by("pk"))
    index = {r: i for i, r in enumerate(parsed.route_id.tolist())}
    for r in routes:
        r.trips_service_day = int(trips_per_route[index[r.route_id]])
    Route.objects.bulk_update(routes, ["trips_service_day"], batch_size=2000)

    # classes of the cells: best class over the stops within 1,000 m walking
    cells = list(
        PopulationCell.objects.filter(region=feed.region)
        .order_by("pk")
        .values_list("pk", "lon", "lat")
    )
    CellClass.objects.filter(feed=feed).delete()
    params: dict[str, Any] = {
        "service_date": feed.service_date.isoformat(),
        "window": [oev.WINDOW_S[0], oev.WINDOW_S[1]],
        "source": oev.SOURCE,
        "demand_responsive": [str(d) for d in drt_rows],
    }
    if cells:
        cx, cy = to_utm(np.array([c[1] for c in cells]), np.array([c[2] for c in cells]), crs)
        served = np.flatnonzero(levels.category[levels.group_of_stop] > 0)
        dist, how = _cell_stop_distances(feed.region, cx, cy, sx[served], sy[served])
        import scipy.sparse as sp

        matrix = sp.coo_array(
            (np.maximum(dist[2], 1e-6), (dist[0], served[dist[1]])),
            shape=(len(cells), parsed.n_stops),
        )
        classes = oev.place_classes(matrix, levels.category[levels.group_of_stop])
        CellClass.objects.bulk_create(
            [
                CellClass(feed=feed, cell_id=pk, klass=k)
                for (pk, _, _), k in zip(cells, classes.tolist(), strict=True)
            ],
            batch_size=5000,
        )
        params["distance"] = how
    feed.class_parameters = params
    feed.save(update_fields=["class_parameters"])
    return params


def _cell_stop_distances(region, cx, cy, sx, sy):
    """(cell, stop, metres) within reach: walking on the street network where it is built,
    else the straight line (the ARE method's own measure)."""
    from nahraum.access.transit import TransitParams, Walker

    network = region_walk_network(region)
    if network is None:
        from scipy.spatial import cKDTree

        pairs = cKDTree(np.column_stack([sx, sy])).query_ball_point(
            np.column_stack([cx, cy]), r=CLASS_REACH_M
        )
        rows = np.repeat(np.arange(len(cx)), [len(p) for p in pairs])
        cols = (
            np.concatenate([np.asarray(p, np.int64) for p in pairs])
            if len(pairs)
            else np.zeros(0, np.int64)
        )
        d = np.hypot(cx[rows] - sx[cols], cy[rows] - sy[cols])
        return (rows, cols, d), "straight line"
    params = TransitParams()
    links = Walker(network, params).links(cx, cy, sx, sy, CLASS_REACH_M / params.walk_speed_ms)
    return (
        links.src,
        links.dst,
        links.time_s * params.walk_speed_ms,
    ), "walking on the street network"


def class_shares(feed: Feed) -> dict:
    """Population per class for each district, municipality and the region (for pages/tests)."""
    from nahraum.region.models import PopulationCell

    rows = CellClass.objects.filter(feed=feed).values_list(
        "klass", "cell__population", "cell__district_id", "cell__municipality_id"
    )
    classes = [*oev.CLASSES, ""]
    out: dict = {"district": {}, "municipality": {}, "region": dict.fromkeys(classes, 0)}
    for klass, pop, district, municipality in rows:
        for level, key in (("district", district), ("municipality", municipality)):
            if key is None:
                continue
            bucket = out[level].setdefault(key, dict.fromkeys(classes, 0))
            bucket[klass] += pop
        out["region"][klass] += pop
    out["cells_without_class_row"] = (
        PopulationCell.objects.filter(region=feed.region)
        .exclude(transit_classes__feed=feed)
        .count()
    )
    return out
