"""Django glue of public transport: import a GTFS feed, derive service levels, feed the analysis.

* :func:`import_feed` — parse (``nahraum.access.gtfs``), then store feed, stops, lines, service
  levels and the ÖV-Güteklasse of every cell in ONE transaction: a feed that fails anywhere
  leaves the database as it was.
* :func:`compute_levels` — departures per stop and hour, stop categories and cell classes for the
  feed's service day (also run again by ``nahraum transit classes``).
* :func:`transit_times` — the provider of the analysis mode "transit" (registered in
  ``apps.TransitConfig.ready``): travel times from every cell to the nearest facility of each
  type, median over the departure minutes of the feed's window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction

from nahraum.access import AccessError
from nahraum.access import oev_classes as oev
from nahraum.access.gtfs import (
    Feed as ParsedFeed,
)
from nahraum.access.gtfs import (
    GTFSError,
    Timetable,
    default_service_date,
    read_feed,
    timetable_for_day,
)
from nahraum.access.projection import to_utm

from .models import CellClass, DemandResponsiveService, Feed, Route, Stop, TravelTimeSummary

#: Walking distance within which stops count for a cell's class (the ARE table's last column).
CLASS_REACH_M = oev.DISTANCE_BOUNDS_M[-1]

_PARSED: dict[str, ParsedFeed] = {}


def parsed_feed(feed: Feed) -> ParsedFeed:
    """The feed's arrays (cached per checksum: they never change for a checksum)."""
    if feed.checksum not in _PARSED:
        _PARSED.clear()  # keep one feed in memory
        _PARSED[feed.checksum] = ParsedFeed.from_bytes(bytes(feed.timetable))
    return _PARSED[feed.checksum]


def active_feed(region) -> Feed | None:
    return Feed.objects.filter(region=region, is_active=True).order_by("-imported", "-pk").first()


def parse_window(text: str) -> tuple[int, int]:
    """ "07:00-09:00" → (25200, 32400); raises AccessError naming the bad text."""
    try:
        a, b = text.replace("–", "-").split("-")
        start = _hm(a)
        end = _hm(b)
    except ValueError:
        raise AccessError(f"time window {text!r}: expected HH:MM-HH:MM, e.g. 07:00-09:00") from None
    if end <= start:
        raise AccessError(f"time window {text!r}: the end must lie after the start")
    return start, end


def _hm(text: str) -> int:
    h, m = text.strip().split(":")
    if not (h.isdigit() and m.isdigit() and int(m) < 60 and int(h) <= 47):
        raise ValueError(text)
    return int(h) * 3600 + int(m) * 60


def import_feed(
    source: str | Path | bytes,
    region,
    *,
    name: str | None = None,
    licence: str = "",
    publisher: str = "",
    url: str = "",
    illustrative: bool = False,
    service_date: dt.date | None = None,
    window: tuple[int, int] = (7 * 3600, 9 * 3600),
    note: str = "",
    echo: Callable[[str], Any] | None = None,
) -> Feed:
    """Import a GTFS zip for ``region``: all-or-nothing; returns the new active :class:`Feed`.

    Raises :class:`~nahraum.access.gtfs.GTFSError` (file, row, field) for a bad feed and
    :class:`AccessError` for a service day outside the feed's validity.
    """
    from nahraum.region.models import DataSource

    data = Path(source).read_bytes() if not isinstance(source, bytes | bytearray) else bytes(source)
    parsed = read_feed(data)
    valid_from, valid_to = parsed.validity()
    if service_date is None:
        service_date = default_service_date(parsed)
    elif not valid_from <= service_date <= valid_to:
        raise AccessError(
            f"service day {service_date}: outside the feed's validity {valid_from} – {valid_to}"
        )
    if not 0 <= window[0] < window[1] <= 48 * 3600:
        raise AccessError(f"time window {window}: expected 0 ≤ start < end ≤ 48 h")
    checksum = hashlib.sha256(data).hexdigest()
    agencies = ", ".join(a.get("agency_name", "") for a in parsed.agencies)
    info = parsed.feed_info
    name = name or info.get("feed_publisher_name") or agencies or "GTFS"
    with transaction.atomic():
        source_row, _ = DataSource.objects.update_or_create(
            key=f"gtfs-{checksum[:16]}",
            defaults={
                "name": f"GTFS: {name}"[:300],
                "publisher": (publisher or info.get("feed_publisher_name") or agencies)[:300],
                "licence": licence or "not stated in the feed — check with the publisher",
                "url": url or info.get("feed_publisher_url", "")[:500],
                "date": valid_from,
                "checksum": checksum,
                "is_illustrative": illustrative,
                "note": note,
            },
        )
        Feed.objects.filter(region=region, checksum=checksum).delete()
        Feed.objects.filter(region=region).update(is_active=False)
        feed = Feed.objects.create(
            region=region,
            source=source_row,
            name=name[:300],
            checksum=checksum,
            valid_from=valid_from,
            valid_to=valid_to,
            service_date=service_date,
            window_start=window[0],
            window_end=window[1],
            is_active=True,
            summary=parsed.summary(),
            report={"dropped": [d.as_dict() for d in parsed.dropped], "notes": parsed.notes},
            timetable=parsed.to_bytes(),
        )
        stops = Stop.objects.bulk_create(
            [
                Stop(
                    feed=feed,
                    position=i,
                    stop_id=str(parsed.stop_id[i]),
                    name=str(parsed.stop_name[i])[:300],
                    lat=float(parsed.stop_lat[i]),
                    lon=float(parsed.stop_lon[i]),
                    is_station=bool(parsed.stop_location_type[i] == 1),
                )
                for i in range(parsed.n_stops)
            ],
            batch_size=2000,
        )
        if (parsed.stop_parent >= 0).any():
            stops = list(Stop.objects.filter(feed=feed).order_by("position"))
            for i in np.flatnonzero(parsed.stop_parent >= 0):
                stops[i].parent_id = stops[parsed.stop_parent[i]].pk
            Stop.objects.bulk_update(
                [stops[i] for i in np.flatnonzero(parsed.stop_parent >= 0)],
                ["parent"],
                batch_size=2000,
            )
        agency_names = {a.get("agency_id", ""): a.get("agency_name", "") for a in parsed.agencies}
        Route.objects.bulk_create(
            [
                Route(
                    feed=feed,
                    route_id=str(parsed.route_id[i]),
                    short_name=str(parsed.route_short_name[i])[:100],
                    long_name=str(parsed.route_long_name[i])[:300],
                    route_type=int(parsed.route_type[i]),
                    service_group=oev.service_group(int(parsed.route_type[i])),
                    agency=agency_names.get(
                        str(parsed.route_agency[i]), agencies if len(parsed.agencies) == 1 else ""
                    )[:300],
                )
                for i in range(len(parsed.route_id))
            ],
            batch_size=2000,
        )
        compute_levels(feed, parsed)
    _PARSED.clear()
    if echo:
        echo(import_report_text(feed))
    return feed


def import_report_text(feed: Feed) -> str:
    s = feed.summary
    lines = [
        f"{feed.name}: {s['stops']} stops, {s['stations']} stations, {s['routes']} lines, "
        f"{s['trips']} trips, {s['stop_times']} stop times, {s['frequencies']} frequencies; "
        f"valid {s['valid_from']} – {s['valid_to']}; service day {feed.service_date} "
        f"({feed.service_date:%A}), window {feed.window_label}",
    ]
    for d in feed.report.get("dropped", []):
        examples = f" (e.g. {', '.join(d['examples'])})" if d["examples"] else ""
        lines.append(f"  dropped {d['count']} × {d['file']}: {d['reason']}{examples}")
    for n in feed.report.get("notes", []):
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def drt_for_day(region, day: dt.date) -> list[DemandResponsiveService]:
    return [
        d
        for d in DemandResponsiveService.objects.filter(region=region)
        if day.weekday() in (d.weekdays or [])
    ]


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def drt_engine(services: list[DemandResponsiveService]):
    """The services as the engine's :class:`DemandResponsive` areas, projected to metres."""
    import shapely
    from shapely.geometry import shape

    from nahraum.access.transit import DemandResponsive

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(to_utm(coords[:, 0], coords[:, 1]))

    out = []
    for d in services:
        area = shapely.transform(shape(d.area), project)
        shapely.prepare(area)
        out.append(
            DemandResponsive(
                d.name,
                area,
                _seconds(d.start),
                _seconds(d.end),
                d.max_wait_min * 60.0,
                speed_kmh=d.speed_kmh,
            )
        )
    return out


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
    tt = timetable_for_day(parsed, feed.service_date)
    dep_stop, dep_trip, dep_time = departure_events(tt)
    hours = np.clip(dep_time // 3600, 0, 29)
    by_hour = np.zeros((parsed.n_stops, 30), np.int64)
    np.add.at(by_hour, (dep_stop, hours), 1)
    sx, sy = to_utm(parsed.stop_lon, parsed.stop_lat)
    extra = np.zeros(parsed.n_stops)
    drt_rows = drt_for_day(feed.region, feed.service_date)
    for d in drt_engine(drt_rows):
        inside = d.contains(sx, sy) & (parsed.stop_location_type == 0)
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
    trips_per_route = np.bincount(tt.trip_route, minlength=len(parsed.route_id))
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
        cx, cy = to_utm(np.array([c[1] for c in cells]), np.array([c[2] for c in cells]))
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

    network = _walk_network(region)
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


def _walk_network(region):
    try:
        from nahraum.analysis.network import load_networks
    except ImportError:  # pragma: no cover
        return None
    try:
        return (load_networks(region, ["walk"]) or {}).get("walk")
    except AccessError:
        return None


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


# ------------------------------------------------------------------------------------------
# the analysis mode "transit"


def transit_times(inputs, type_keys: list[str]) -> dict[str, dict]:
    """Provider of mode "transit" for ``nahraum.analysis.services.run_analysis``.

    Median over the departure minutes of the active feed's window (default 07:00–09:00) on its
    service day; walking on the region's walk network where it is built.
    """
    from nahraum.region.models import Region

    region = Region.objects.get(pk=inputs.region_id)
    feed = active_feed(region)
    if feed is None:
        raise AccessError(
            "mode 'transit': no timetable (GTFS) imported for region "
            f"{region.slug!r}; run `nahraum transit import FEED.zip`"
        )
    extra_lines = getattr(inputs, "transit_extra_lines", None) or None  # scenario bus lines
    result = compute_travel_times(
        feed,
        inputs.cells["x"].to_numpy(float),
        inputs.cells["y"].to_numpy(float),
        inputs.facilities,
        type_keys,
        walk_network=inputs.networks.get("walk") or _walk_network(region),
        extra_lines=extra_lines,
    )
    inputs.checksums["transit:gtfs"] = feed.checksum
    cx = inputs.cells["x"].to_numpy(float)
    cy = inputs.cells["y"].to_numpy(float)
    fx = inputs.facilities["x"].to_numpy(float)
    fy = inputs.facilities["y"].to_numpy(float)
    out = {}
    for key in result.keys:
        rows = np.flatnonzero((inputs.facilities["type_key"] == key).to_numpy())
        chosen = result.facility[key]
        facility = np.where(chosen >= 0, rows[np.maximum(chosen, 0)] if len(rows) else -1, -1)
        # A journey by bus mixes walking and riding, so it has no single network distance; give
        # the straight line to the facility reached. The analysis needs a distance: it checks
        # every norm as "time ≤ minutes and distance ≤ metres", and a missing (NaN) distance
        # failed that test, so no cell ever counted as within a transit norm.
        ok = facility >= 0
        f = np.maximum(facility, 0)
        distance = np.where(ok, np.hypot(cx - fx[f], cy - fy[f]) if len(fx) else np.inf, np.inf)
        out[key] = {
            "time_s": result.median[key],
            "p90_s": result.p90[key],
            "facility": facility.astype(np.int64),
            "distance_m": distance,
        }
    return out


def compute_travel_times(
    feed: Feed,
    cx: np.ndarray,
    cy: np.ndarray,
    facilities,
    type_keys: list[str],
    *,
    walk_network=None,
    extra_lines: list[dict] | None = None,
):
    """Engine run for a feed: cells (EPSG:25832) to facilities (DataFrame with type_key, x, y).

    ``extra_lines`` (see :func:`append_trips`) are added to a copy of the day's timetable.
    """
    from nahraum.access import transit as engine

    parsed = parsed_feed(feed)
    tt = timetable_for_day(parsed, feed.service_date)
    sx, sy = to_utm(parsed.stop_lon, parsed.stop_lat)
    if extra_lines:
        tt, sx, sy = append_trips(tt, sx, sy, extra_lines, first_route=len(parsed.route_id))
    params = engine.TransitParams(window=(feed.window_start, feed.window_end))
    drt = drt_engine(drt_for_day(feed.region, feed.service_date))
    prep = engine.prepare(tt, sx, sy, walk_network=walk_network, params=params, drt=drt)
    fac = {}
    for key in type_keys:
        rows = facilities[facilities["type_key"] == key]
        fac[key] = (rows["x"].to_numpy(float), rows["y"].to_numpy(float))
    return engine.travel_times(prep, cx, cy, fac)


def append_trips(
    tt: Timetable, sx: np.ndarray, sy: np.ndarray, lines: list[dict], *, first_route: int
) -> tuple[Timetable, np.ndarray, np.ndarray]:
    """A new day timetable with the trips of planned lines added; ``tt`` is left unchanged.

    Each line is ``{"stop_x": [...], "stop_y": [...], "trips": [{"stops": [...], "times": [...],
    "direction": 0 or 1}]}`` (EPSG:25832 metres; trip stops index the line's own stops, times
    in seconds after midnight, arrival = departure). The line's stops become new stops after
    the feed's (a planned stop is a new pole; changing to an existing line is a walk, as
    between any two stops), and each line its own route ``first_route + k``. Used by scenarios
    (``nahraum.scenarios.busline``) so a planned line counts like a timetabled one.
    """
    stops, times, routes, dirs = [tt.stop], [tt.arr], [tt.trip_route], [tt.trip_direction]
    lengths = [np.diff(tt.trip_indptr)]
    new_x, new_y = [np.asarray(sx, float)], [np.asarray(sy, float)]
    offset = tt.n_stops
    for k, line in enumerate(lines):
        for trip in line["trips"]:
            stops.append(np.asarray(trip["stops"], np.int32) + offset)
            times.append(np.asarray(trip["times"], np.int32))
            lengths.append(np.array([len(trip["stops"])]))
            routes.append(np.array([first_route + k], np.int32))
            dirs.append(np.array([trip["direction"]], np.int8))
        new_x.append(np.asarray(line["stop_x"], float))
        new_y.append(np.asarray(line["stop_y"], float))
        offset += len(line["stop_x"])
    n_new = sum(len(r) for r in routes[1:])
    time = np.concatenate(times).astype(np.int32)
    extended = Timetable(
        trip_indptr=np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64),
        stop=np.concatenate(stops).astype(np.int32),
        arr=time,
        dep=time.copy(),
        trip_route=np.concatenate(routes).astype(np.int32),
        trip_direction=np.concatenate(dirs).astype(np.int8),
        trip_source=np.concatenate([tt.trip_source, np.full(n_new, -1, np.int64)]),
        n_stops=offset,
        day=tt.day,
    )
    # the feed's own trips keep their separate arrival and departure times
    extended.arr[: len(tt.arr)] = tt.arr
    extended.dep[: len(tt.dep)] = tt.dep
    return extended, np.concatenate(new_x), np.concatenate(new_y)


def parse_weekdays(text: str) -> list[int]:
    """ "0-4" or "0,2,5" (0 = Monday) → sorted weekday numbers."""
    days: set[int] = set()
    try:
        for part in text.split(","):
            if "-" in part:
                a, b = (int(x) for x in part.split("-"))
                days.update(range(a, b + 1))
            elif part.strip():
                days.add(int(part))
    except ValueError:
        raise AccessError(f"weekdays {text!r}: expected e.g. 0-4 or 0,2,5 (0 = Monday)") from None
    if not days or min(days) < 0 or max(days) > 6:
        raise AccessError(f"weekdays {text!r}: numbers 0 (Monday) to 6 (Sunday)")
    return sorted(days)


def _area_geometry(area: dict) -> dict:
    """A (Multi)Polygon from GeoJSON geometry, Feature or FeatureCollection; error otherwise."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    if not isinstance(area, dict) or "type" not in area:
        raise AccessError("service area: not GeoJSON (no 'type')")
    if area["type"] == "FeatureCollection":
        geoms = [f.get("geometry") for f in area.get("features", [])]
    elif area["type"] == "Feature":
        geoms = [area.get("geometry")]
    else:
        geoms = [area]
    try:
        shapes = [shape(g) for g in geoms if g]
    except (ValueError, AttributeError, TypeError, KeyError) as exc:
        raise AccessError(f"service area: invalid geometry ({exc})") from None
    if not shapes or any(g.geom_type not in ("Polygon", "MultiPolygon") for g in shapes):
        raise AccessError("service area: expected Polygon or MultiPolygon geometry")
    merged = unary_union(shapes)
    lon_min, lat_min, lon_max, lat_max = merged.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        raise AccessError("service area: coordinates are not WGS 84 longitude/latitude")
    return mapping(merged)


def add_demand_responsive(
    region,
    *,
    name: str,
    line: str = "",
    area: dict | None = None,
    municipality_ags: str | None = None,
    weekdays: list[int],
    hours: str,
    max_wait_min: int,
    speed_kmh: float = 30.0,
    source_name: str,
    licence: str = "",
    illustrative: bool = False,
    note: str = "",
) -> DemandResponsiveService:
    """Add a Rufbus service and recompute the active feed's levels, in one transaction."""
    from nahraum.region.models import DataSource, Municipality

    if area is None:
        m = Municipality.objects.filter(region=region, ags=municipality_ags or "").first()
        if m is None or not m.boundary:
            raise AccessError(
                f"municipality {municipality_ags!r}: not in region {region.slug!r} "
                "or without a boundary"
            )
        area = m.boundary
    geometry = _area_geometry(area)
    start, end = parse_window(hours)
    if end >= 24 * 3600:
        raise AccessError(f"hours {hours!r}: the last pick-up must lie before midnight")
    if max_wait_min <= 0:
        raise AccessError("maximum wait: must be at least one minute")
    with transaction.atomic():
        key = "rufbus-" + hashlib.sha256(f"{region.slug}:{line}:{name}".encode()).hexdigest()[:16]
        source, _ = DataSource.objects.update_or_create(
            key=key,
            defaults={
                "name": source_name[:300],
                "licence": licence or "not stated",
                "is_illustrative": illustrative,
                "note": note,
            },
        )
        service, _ = DemandResponsiveService.objects.update_or_create(
            region=region,
            name=name,
            line=line,
            defaults={
                "area": geometry,
                "weekdays": weekdays,
                "start": dt.time(start // 3600, start % 3600 // 60),
                "end": dt.time(end // 3600, end % 3600 // 60),
                "max_wait_min": max_wait_min,
                "speed_kmh": speed_kmh,
                "source": source,
            },
        )
        feed = active_feed(region)
        if feed is not None:
            compute_levels(feed)
    return service


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    """The value below which half of the weight lies (inf counts as the largest value)."""
    if len(values) == 0 or weights.sum() <= 0:
        return None
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    v = float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])
    return v if np.isfinite(v) else None


def compute_time_summaries(feed: Feed, type_keys: list[str] | None = None) -> int:
    """Median and 90th percentile of the transit travel time per district and facility type.

    Walking (for the comparison and for access, egress and transfers) uses the region's walk
    network where it is built. Returns the number of rows written (one transaction).
    """
    from nahraum.access import transit as engine
    from nahraum.analysis.services import load_inputs
    from nahraum.region.models import FacilityType

    region = feed.region
    inputs = load_inputs(region, modes=("walk",))
    walk_network = inputs.networks.get("walk") or _walk_network(region)
    keys = type_keys or sorted(set(inputs.facilities["type_key"]))
    cx = inputs.cells["x"].to_numpy(float)
    cy = inputs.cells["y"].to_numpy(float)
    result = compute_travel_times(feed, cx, cy, inputs.facilities, keys, walk_network=walk_network)
    walker = engine.Walker(walk_network, engine.TransitParams())
    types = {t.key: t for t in FacilityType.objects.filter(key__in=keys)}
    pop = inputs.cells["population"].to_numpy(float)
    district = inputs.cells["district_id"].to_numpy()
    rows = []
    for key in keys:
        f = inputs.facilities[inputs.facilities["type_key"] == key]
        walk, _ = walker.nearest(cx, cy, f["x"].to_numpy(float), f["y"].to_numpy(float))
        for d in np.unique(district[~np.isnan(district.astype(float))]):
            sel = district == d
            rows.append(
                TravelTimeSummary(
                    feed=feed,
                    district_id=int(d),
                    facility_type=types[key],
                    median_min=_minutes(weighted_median(result.median[key][sel], pop[sel])),
                    p90_min=_minutes(weighted_median(result.p90[key][sel], pop[sel])),
                    walk_min=_minutes(weighted_median(walk[sel], pop[sel])),
                    best_min=_minutes(weighted_median(result.best[key][sel], pop[sel])),
                    population=int(pop[sel].sum()),
                )
            )
    with transaction.atomic():
        TravelTimeSummary.objects.filter(feed=feed, facility_type__key__in=keys).delete()
        TravelTimeSummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)


def register() -> None:
    """Register the mode with the analysis (called from the app config)."""
    try:
        from nahraum.analysis.services import register_mode
    except ImportError:  # pragma: no cover - the analysis part is not installed
        return
    register_mode("transit", transit_times)


__all__ = [
    "GTFSError",
    "active_feed",
    "add_demand_responsive",
    "append_trips",
    "class_shares",
    "compute_levels",
    "compute_time_summaries",
    "import_feed",
    "parse_window",
    "parse_weekdays",
    "register",
    "transit_times",
]
