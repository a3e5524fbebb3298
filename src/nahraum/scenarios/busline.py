"""A new bus line of a scenario as timetabled trips (and what it does to the ÖV-Güteklassen).

A planner enters stops, a headway and service hours; the line has no timetable yet. This module
writes one, the way a transport planner's first draft would look:

* **Running time between two stops** = car time on the region's car network between the two
  stops (each snapped to its nearest node) × the line's ``car_time_factor`` (default
  :data:`~nahraum.scenarios.models.BUS_CAR_TIME_FACTOR` = 1.3, see there), rounded *up* to
  whole minutes (at least one) as in a printed timetable. Without a car network: the straight
  line × 1.3 (detour) at :data:`STRAIGHT_CAR_KMH` instead of the car time — the same fallback
  as the demand-responsive mode.
* **Departures** at the first stop every ``headway_min`` minutes from the first departure up
  to and including the last; with both directions the same departures from the last stop,
  the stops in reverse order with the same running times.
* A stop is a new stop: changing to an existing line means walking to its stop (up to the
  engine's transfer limit), as between any two stops of the feed.

The trips are handed to the "transit" mode as plain data on the scenario's *copy* of the inputs
(``inputs.transit_extra_lines``, read by :func:`nahraum.transit.services.transit_times`, which
adds them to a copy of the day's timetable): the stored feed never changes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nahraum.access.indicators import DETOUR_FACTOR
from nahraum.access.projection import to_utm

from .drt import STRAIGHT_CAR_KMH


def _seconds(t) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def car_seconds(x: np.ndarray, y: np.ndarray, car_network: Any = None) -> np.ndarray:
    """Car time (s) from each stop to the next: on the car network if given, else straight."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if car_network is not None:
        from nahraum.access.route import od_matrix
        from nahraum.access.snap import snap

        nodes = snap(car_network, x, y)
        od = np.asarray(od_matrix(car_network, nodes, nodes), dtype=float)
        hops = od[np.arange(len(x) - 1), np.arange(1, len(x))]
        if np.all(np.isfinite(hops)):
            return hops
    d = np.hypot(np.diff(x), np.diff(y))
    return d * DETOUR_FACTOR / (STRAIGHT_CAR_KMH / 3.6)


def hop_seconds(car_s: np.ndarray, factor: float) -> np.ndarray:
    """Running times of the bus: car time × factor, rounded up to whole minutes (≥ 1 min)."""
    return np.array([max(1, math.ceil(c * factor / 60.0 - 1e-9)) * 60 for c in car_s], np.int64)


def departures(first_s: int, last_s: int, headway_min: int) -> list[int]:
    """Every ``headway_min`` minutes from ``first_s`` up to and including ``last_s``."""
    return list(range(first_s, last_s + 1, headway_min * 60))


def line_trips(line, car_network: Any = None) -> dict:
    """The line's stops (metres in the region's planar CRS) and trips, in the form
    ``append_trips`` takes."""
    lon = np.array([float(s["lon"]) for s in line.stops])
    lat = np.array([float(s["lat"]) for s in line.stops])
    x, y = to_utm(lon, lat, line.scenario.region.crs)
    x, y = np.asarray(x, float), np.asarray(y, float)
    car = car_seconds(x, y, car_network)
    hops = hop_seconds(car, line.car_time_factor)
    offsets = np.concatenate([[0], np.cumsum(hops)])
    back_offsets = np.concatenate([[0], np.cumsum(hops[::-1])])
    n = len(x)
    trips = []
    starts = departures(
        _seconds(line.first_departure), _seconds(line.last_departure), line.headway_min
    )
    for t0 in starts:
        trips.append({"stops": list(range(n)), "times": (t0 + offsets).tolist(), "direction": 0})
        if line.both_directions:
            trips.append(
                {
                    "stops": list(range(n - 1, -1, -1)),
                    "times": (t0 + back_offsets).tolist(),
                    "direction": 1,
                }
            )
    return {
        "name": line.name,
        "stop_x": x.tolist(),
        "stop_y": y.tolist(),
        "stop_lon": lon.tolist(),
        "stop_lat": lat.tolist(),
        "stop_names": [str(s.get("name") or "") for s in line.stops],
        "trips": trips,
        "hop_s": hops.tolist(),
        "car_s": [round(float(c), 1) for c in car],
        "run_min": float(offsets[-1] / 60.0),
        "departures_per_direction": len(starts),
        "car_network": car_network is not None,
    }


def levels_with_lines(feed, lines: list[dict], cell_x: np.ndarray, cell_y: np.ndarray) -> dict:
    """ÖV-Güteklassen of the cells with the planned lines added to the feed's service day.

    Same method as :func:`nahraum.transit.services.compute_levels` (ARE 2022: departures
    06–20 per direction → stop category; distance → class), but computed on a copy and not
    stored; distances are straight lines (the ARE method's own measure). Returns the classes
    of the cells and the level of every planned stop.
    """
    import scipy.sparse as sp
    from scipy.spatial import cKDTree

    from nahraum.access import oev_classes as oev
    from nahraum.access.gtfs import timetable_for_day
    from nahraum.transit.services import (
        CLASS_REACH_M,
        append_trips,
        departure_events,
        drt_engine,
        drt_for_day,
        parsed_feed,
    )

    parsed = parsed_feed(feed)
    tt = timetable_for_day(parsed, feed.service_date)
    sx, sy = to_utm(parsed.stop_lon, parsed.stop_lat, feed.region.crs)
    tt, sx, sy = append_trips(
        tt, np.asarray(sx, float), np.asarray(sy, float), lines, first_route=len(parsed.route_id)
    )
    n_new = tt.n_stops - parsed.n_stops
    stop_parent = np.concatenate([parsed.stop_parent, np.full(n_new, -1)])
    location_type = np.concatenate([parsed.stop_location_type, np.zeros(n_new, int)])
    route_type = np.concatenate([parsed.route_type, np.full(len(lines), 3)])  # 3 = bus
    extra = np.zeros(tt.n_stops)
    for d in drt_engine(drt_for_day(feed.region, feed.service_date)):
        inside = d.contains(sx, sy) & (location_type == 0)
        extra[inside] += oev.drt_departures(d.start_s, d.end_s, d.max_wait_s)
    dep_stop, dep_trip, dep_time = departure_events(tt)
    levels = oev.stop_levels(
        stop_parent,
        tt.trip_route,
        tt.trip_direction,
        route_type,
        dep_stop,
        dep_trip,
        dep_time,
        extra_departures=extra,
    )
    category = levels.category[levels.group_of_stop]
    served = np.flatnonzero(category > 0)
    cells = np.column_stack([cell_x, cell_y])
    classes = np.full(len(cell_x), "", dtype=object)
    if len(served) and len(cells):
        pairs = cKDTree(np.column_stack([sx[served], sy[served]])).query_ball_point(
            cells, r=CLASS_REACH_M
        )
        rows = np.repeat(np.arange(len(cells)), [len(p) for p in pairs])
        cols = np.concatenate([np.asarray(p, np.int64) for p in pairs])
        d = np.hypot(cells[rows, 0] - sx[served][cols], cells[rows, 1] - sy[served][cols])
        matrix = sp.coo_array(
            (np.maximum(d, 1e-6), (rows, served[cols])), shape=(len(cells), tt.n_stops)
        )
        classes = oev.place_classes(matrix, category)
    new = range(parsed.n_stops, tt.n_stops)
    names = [n for line in lines for n in line["stop_names"]]
    return {
        "classes": [str(c) for c in classes],
        "new_stops": [
            {
                "name": names[i - parsed.n_stops],
                "departures_window": round(float(levels.departures[levels.group_of_stop[i]]), 2),
                "category": int(category[i]) or None,
            }
            for i in new
        ],
    }
