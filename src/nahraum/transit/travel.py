"""Travel times by public transport: the provider of the analysis mode "transit", engine runs
for a feed (with planned lines added by scenarios), and the stored summaries per district.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from nahraum.access import AccessError
from nahraum.access.gtfs import Timetable, timetable_for_day
from nahraum.access.projection import to_utm
from nahraum.region.cachever import bump_after_commit

from .drt import drt_engine, drt_for_day
from .models import Feed, TravelTimeSummary
from .timetable import active_feed, parsed_feed, region_walk_network


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
        walk_network=inputs.networks.get("walk") or region_walk_network(region),
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
    """Engine run for a feed: cells to facilities (DataFrame with type_key, x, y), in metres of
    the region's planar CRS (``feed.region.crs``).

    ``extra_lines`` (see :func:`append_trips`) are added to a copy of the day's timetable.
    """
    from nahraum.access import transit as engine

    parsed = parsed_feed(feed)
    params = engine.TransitParams(window=(feed.window_start, feed.window_end))
    # the trips a journey leaving in the window can use (incl. the next day's after 24:00)
    tt = timetable_for_day(
        parsed,
        feed.service_date,
        start_s=feed.window_start,
        end_s=feed.window_end + int(params.max_time_s),
    )
    sx, sy = to_utm(parsed.stop_lon, parsed.stop_lat, feed.region.crs)
    if extra_lines:
        tt, sx, sy = append_trips(tt, sx, sy, extra_lines, first_route=len(parsed.route_id))
    drt = drt_engine(drt_for_day(feed.region, feed.service_date), feed.region.crs)
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
        trip_day=np.concatenate([tt.trip_day, np.zeros(n_new, np.int8)]),
        transfers=tt.transfers,  # the feed's stops keep their positions
    )
    # the feed's own trips keep their separate arrival and departure times
    extended.arr[: len(tt.arr)] = tt.arr
    extended.dep[: len(tt.dep)] = tt.dep
    return extended, np.concatenate(new_x), np.concatenate(new_y)


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
    walk_network = inputs.networks.get("walk") or region_walk_network(region)
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
        bump_after_commit()  # bulk writes send no signal: the cached transit pages are stale now
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
