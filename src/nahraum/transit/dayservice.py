"""Computing the day types of a feed: departures, the last trip back from the Kernstadt and
travel times per Ortsteil × day type × window, stored in :class:`DayTypeService` and
:class:`DayTypeTime` (one transaction per feed, so a page never shows half a run).

Counting and the last trip back read the feed's own trips of each date (GTFS service day: the
previous day's trips after midnight belong to the previous day), so a Sunday "without service"
means no trip of the Sunday calls at the Ortsteil. The last trip back is a *direct* trip: it
calls at a stop of the Kernstadt and later at a stop of the Ortsteil; a connection with a change
is not looked for (planners ask for "the last bus home", and a direct trip is what they can
check in the timetable book).

Travel times use the engine: per date one :func:`engine.prepare` (patterns and walking transfers)
and per window one :func:`engine.travel_times` on the same preparation with another window, so
4 day types × 3 windows cost 4 preparations and 12 profile runs; the destinations (the Kernstadt
of every municipality and the nearest facility of the chosen types) share each run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nahraum.access.gtfs import Feed as ParsedFeed
from nahraum.access.gtfs import active_services, timetable_for_day
from nahraum.access.projection import to_utm
from nahraum.region.cachever import bump_after_commit

from . import daytypes
from .drt import drt_engine, drt_for_day
from .models import DayTypeService, DayTypeTime, Feed, Stop
from .timetable import parsed_feed, region_walk_network
from .travel import weighted_median

#: Facility types whose travel time is computed per day type (setting TRANSIT_DAY_TYPE_TARGETS).
DEFAULT_TARGETS = ("gp",)
CORE = "core"


@dataclasses.dataclass(frozen=True)
class DayTrips:
    """The trips of one service day (its own, not the previous day's after midnight)."""

    indptr: np.ndarray  # int64 [n_trips + 1]
    stop: np.ndarray  # int64 per stop time
    dep: np.ndarray  # int64 seconds after the day's midnight (may pass 24:00)


def service_day_trips(parsed: ParsedFeed, day: dt.date) -> DayTrips:
    """The trips whose service runs on ``day``, frequency trips expanded (as in the timetable)."""
    active = active_services(parsed, day)
    trips = np.flatnonzero((parsed.trip_service >= 0) & active[np.maximum(parsed.trip_service, 0)])
    freq = set(parsed.freq_trip.tolist())
    stops, deps = [], []
    for t in trips.tolist():
        a, b = parsed.st_indptr[t], parsed.st_indptr[t + 1]
        dep = parsed.st_dep[a:b].astype(np.int64)
        if t in freq:
            for r in np.flatnonzero(parsed.freq_trip == t).tolist():
                first = int(parsed.freq_start[r])
                while first < parsed.freq_end[r]:
                    stops.append(parsed.st_stop[a:b])
                    deps.append(dep - dep[0] + first)
                    first += int(parsed.freq_headway[r])
        else:
            stops.append(parsed.st_stop[a:b])
            deps.append(dep)
    lengths = np.array([len(s) for s in stops], np.int64)
    return DayTrips(
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        np.concatenate(stops).astype(np.int64) if stops else np.zeros(0, np.int64),
        np.concatenate(deps) if deps else np.zeros(0, np.int64),
    )


def departures_by_district(trips: DayTrips, stop_district: np.ndarray, n: int) -> np.ndarray:
    """Departures (stop times but a trip's last) at the stops of each of ``n`` districts."""
    last = np.zeros(len(trips.stop), bool)
    last[trips.indptr[1:] - 1] = True
    d = stop_district[trips.stop[~last]]
    return np.bincount(d[d >= 0], minlength=n)[:n]


def last_back(
    trips: DayTrips, core_stop: np.ndarray, stop_district: np.ndarray, n: int
) -> np.ndarray:
    """Per district, the latest departure at a ``core_stop`` of a trip that calls at a stop of
    the district afterwards; -1 where there is none.

    Vectorised over all stop times: the running maximum of the core departures within a trip
    (trips kept apart by adding trip × a large offset), shifted by one stop so that the core
    stop lies strictly before the district's stop.
    """
    out = np.full(n, -1, np.int64)
    m = len(trips.stop)
    if m == 0:
        return out
    trip = np.repeat(np.arange(len(trips.indptr) - 1), np.diff(trips.indptr))
    big = np.int64(10**7)  # more than any time of a service day (< 48 h = 172,800 s)
    val = np.where(core_stop[trips.stop], trips.dep, -1) + 1  # 0: no core stop yet
    running = np.maximum.accumulate(val + trip * big) - trip * big
    before = np.zeros(m, np.int64)
    before[1:] = running[:-1]
    before[trips.indptr[:-1]] = 0  # the first stop of a trip has nothing before it
    d = stop_district[trips.stop]
    ok = (d >= 0) & (before > 0)
    np.maximum.at(out, d[ok], before[ok] - 1)
    return out


def _district_stops(feed: Feed, districts: list) -> np.ndarray:
    """Stop position → index into ``districts`` (-1: in none), by the districts' boundaries."""
    import shapely
    from shapely.geometry import shape

    stops = list(
        Stop.objects.filter(feed=feed, is_station=False).values_list("position", "lon", "lat")
    )
    n_stops = Stop.objects.filter(feed=feed).count()
    out = np.full(n_stops, -1, np.int64)
    if not stops:
        return out
    pos = np.array([s[0] for s in stops])
    lon = np.array([s[1] for s in stops])
    lat = np.array([s[2] for s in stops])
    for i, d in enumerate(districts):
        if d.boundary:
            inside = shapely.contains_xy(shape(d.boundary), lon, lat)
            out[pos[inside & (out[pos] < 0)]] = i
    return out


def _targets(keys: list[str] | None) -> list[str]:
    from nahraum.region.models import FacilityType

    wanted = keys or list(getattr(settings, "TRANSIT_DAY_TYPE_TARGETS", None) or DEFAULT_TARGETS)
    known = set(FacilityType.objects.filter(key__in=wanted).values_list("key", flat=True))
    return [k for k in wanted if k in known]


def compute_day_types(
    feed: Feed,
    *,
    type_keys: list[str] | None = None,
    progress: Callable[[float, float, str], Any] | None = None,
) -> dict[str, Any]:
    """Departures, the last trip back and travel times for every day type × window; stored.

    Returns what ``Feed.day_types`` records (dates, windows, Land, sources, counts, timings).
    """
    import time

    from nahraum.access import transit as engine
    from nahraum.analysis.services import load_inputs
    from nahraum.region.models import District

    region = feed.region
    parsed = parsed_feed(feed)
    land = daytypes.region_land(region)
    years = range(feed.valid_from.year, feed.valid_to.year + 1)
    holidays_ = daytypes.public_holidays(land, years)
    school = daytypes.school_holidays(region, land)
    dates = daytypes.choose_dates(
        feed.valid_from, feed.valid_to, feed.service_date, holidays_, school
    )
    windows = daytypes.feed_windows(feed)
    districts = list(District.objects.filter(municipality__region=region).order_by("pk"))
    index = {d.pk: i for i, d in enumerate(districts)}
    n = len(districts)
    stop_district = _district_stops(feed, districts)
    # the Kernstadt of each municipality; a municipality without one looks to every core
    all_core = np.isin(stop_district, [i for i, d in enumerate(districts) if d.kind == "core"])
    core_of: dict[int, np.ndarray] = {}
    for d in districts:
        if d.municipality_id not in core_of:
            own = [i for i, e in enumerate(districts) if e.kind == "core"]
            own = [i for i in own if districts[i].municipality_id == d.municipality_id]
            core_of[d.municipality_id] = np.isin(stop_district, own) if own else all_core

    # --- departures and the last trip back, per day type ---------------------------------
    service_rows = []
    for kind, day in dates.items():
        if day is None:
            continue
        trips = service_day_trips(parsed, day)
        deps = departures_by_district(trips, stop_district, n)
        back = np.full(n, -1, np.int64)
        for muni, core_stop in core_of.items():
            lb = last_back(trips, core_stop, stop_district, n)
            mine = np.array([d.municipality_id == muni and d.kind != "core" for d in districts])
            back[mine] = lb[mine]
        for i, d in enumerate(districts):
            service_rows.append(
                DayTypeService(
                    feed=feed,
                    district=d,
                    day_type=kind,
                    service_date=day,
                    departures=int(deps[i]),
                    last_back_s=int(back[i]) if back[i] >= 0 else None,
                    stops=int((stop_district == i).sum()),
                )
            )

    # --- travel times: one preparation per date, one profile run per window ------------------
    inputs = load_inputs(region, modes=("walk",))
    walk_network = inputs.networks.get("walk") or region_walk_network(region)
    cells = inputs.cells
    cx = cells["x"].to_numpy(float)
    cy = cells["y"].to_numpy(float)
    pop = cells["population"].to_numpy(float)
    cell_district = np.array(
        [index.get(int(v), -1) if v == v and v is not None else -1 for v in cells["district_id"]]
    )
    keys = _targets(type_keys)
    facilities: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key in keys:
        rows = inputs.facilities[inputs.facilities["type_key"] == key]
        facilities[key] = (rows["x"].to_numpy(float), rows["y"].to_numpy(float))
    core_keys: dict[int, str] = {}
    cores = [d for d in districts if d.kind == "core"]
    if cores:
        all_x, all_y = to_utm(
            np.array([d.centre_lon for d in cores]),
            np.array([d.centre_lat for d in cores]),
            feed.region.crs,
        )
        facilities[f"{CORE}:*"] = (all_x, all_y)
        for muni in {d.municipality_id for d in districts}:
            own = [k for k, d in enumerate(cores) if d.municipality_id == muni]
            if own:
                facilities[f"{CORE}:{muni}"] = (all_x[own], all_y[own])
                core_keys[muni] = f"{CORE}:{muni}"
            else:
                core_keys[muni] = f"{CORE}:*"
    sx, sy = to_utm(parsed.stop_lon, parsed.stop_lat, feed.region.crs)
    time_rows: list[DayTypeTime] = []
    todo = [(k, d) for k, d in dates.items() if d is not None]
    steps = max(1, len(todo) * len(windows))
    done = 0
    timings: dict[str, float] = {"prepare_s": 0.0, "travel_times_s": 0.0}
    engine_calls = {"prepare": 0, "travel_times": 0}
    for kind, day in todo:
        if not facilities or not len(cx):
            break
        tt = timetable_for_day(parsed, day)
        drt = drt_engine(drt_for_day(region, day))
        t0 = time.perf_counter()
        prep = engine.prepare(tt, sx, sy, walk_network=walk_network, drt=drt)
        timings["prepare_s"] += time.perf_counter() - t0
        engine_calls["prepare"] += 1
        for wkey, window in windows.items():
            if progress:
                label = f"{daytypes.DAY_TYPES[kind]}, {day:%d.%m.%Y}, "
                progress(done, steps, label + str(daytypes.WINDOW_LABELS.get(wkey, wkey)))
            params = dataclasses.replace(prep.params, window=tuple(window))
            t0 = time.perf_counter()
            result = engine.travel_times(
                dataclasses.replace(prep, params=params), cx, cy, facilities
            )
            timings["travel_times_s"] += time.perf_counter() - t0
            engine_calls["travel_times"] += 1
            done += 1
            time_rows += _time_rows(
                feed,
                districts,
                cell_district,
                pop,
                result,
                kind,
                day,
                wkey,
                window,
                keys,
                core_keys,
            )
    with transaction.atomic():
        DayTypeService.objects.filter(feed=feed).delete()
        DayTypeTime.objects.filter(feed=feed).delete()
        DayTypeService.objects.bulk_create(service_rows, batch_size=2000)
        DayTypeTime.objects.bulk_create(time_rows, batch_size=2000)
        feed.day_types = {
            "computed": timezone.now().isoformat(timespec="seconds"),
            "dates": {k: (d.isoformat() if d else None) for k, d in dates.items()},
            "windows": {k: list(v) for k, v in windows.items()},
            "land": land,
            "school_holidays_source": school.source if school else None,
            "public_holidays_source": f"holidays (DE-{land})" if land else "holidays (DE)",
            "targets": keys,
            "has_core": bool(cores),
            "rows": {"service": len(service_rows), "times": len(time_rows)},
            "engine_calls": engine_calls,
            "timings": {k: round(v, 2) for k, v in timings.items()},
        }
        feed.save(update_fields=["day_types"])
        bump_after_commit()
    if progress:
        progress(steps, steps, "")
    return feed.day_types


def _time_rows(
    feed, districts, cell_district, pop, result, kind, day, wkey, window, keys, core_keys
) -> list[DayTypeTime]:
    rows = []
    for i, d in enumerate(districts):
        sel = cell_district == i
        if not sel.any():
            continue
        targets = [(k, k) for k in keys]
        if d.municipality_id in core_keys and d.kind != "core":
            targets.append((CORE, core_keys[d.municipality_id]))
        for target, key in targets:
            med = weighted_median(result.median[key][sel], pop[sel])
            best = weighted_median(result.best[key][sel], pop[sel])
            rows.append(
                DayTypeTime(
                    feed=feed,
                    district=d,
                    day_type=kind,
                    service_date=day,
                    window=wkey,
                    window_start=int(window[0]),
                    window_end=int(window[1]),
                    target=target,
                    median_min=None if med is None else round(med / 60.0, 2),
                    best_min=None if best is None else round(best / 60.0, 2),
                    population=int(pop[sel].sum()),
                )
            )
    return rows
