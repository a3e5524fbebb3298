"""ÖV-Güteklassen (public-transport quality classes) after the Swiss ARE method, 2022 edition.

Source: Bundesamt für Raumentwicklung ARE, "ÖV-Güteklassen. Berechnungsmethodik ARE",
Bern 2022 (Grundlagenbericht; the method used in the Swiss Sachplan Verkehr and widely adopted by
German Nahverkehrspläne and Mobilitätsatlanten). The tables below are kept as configuration data,
exactly as in nahraum's design notes (shared/DESIGN.md), so planners can see and change them.

Step 1 gives every stop a *category* (I–VII) from its service group (rail / tram / bus) and its
mean interval (Kursintervall) on a weekday between 06:00 and 20:00; step 2 gives every place a
*class* (A–F) from the categories of the stops within 1,000 m, the best class winning.

Choices where the method leaves room (documented, so they can be argued with):

* Departures of a line are counted once per direction: a line's departures at a stop are divided
  by the number of its directions that depart there (a through stop served both ways counts
  half of its departures, a terminus all of them), as ARE counts "Abfahrten pro Richtung".
* Platforms of one station (GTFS parent_station) are counted together, as one stop.
* The service group of a stop is its best one (rail before tram before bus).
* Demand-responsive buses are group C (as the table says); an area service without a timetable
  counts as one departure per maximum wait during its hours (see :func:`drt_departures`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SOURCE = (
    "Bundesamt für Raumentwicklung ARE (2022): ÖV-Güteklassen. Berechnungsmethodik ARE. "
    "Bern. Tables as in nahraum shared/DESIGN.md."
)

#: Weekday time window of the method, seconds after midnight (06:00–20:00).
WINDOW_S: tuple[int, int] = (6 * 3600, 20 * 3600)

#: Upper bounds (minutes, inclusive) of the interval columns of step 1.
INTERVAL_BOUNDS_MIN: tuple[float, ...] = (5, 10, 20, 40, 60, 120)

#: Step 1: stop category (1 = I … 7 = VII) by service group and interval column.
CATEGORY_TABLE: dict[str, tuple[int, ...]] = {
    "A": (1, 1, 2, 3, 4, 5),  # rail: S-/U-Bahn, train
    "B": (1, 2, 3, 4, 5, 6),  # tram
    "C": (2, 3, 4, 5, 6, 7),  # bus, demand-responsive bus
}
GROUP_LABELS = {"A": "rail", "B": "tram", "C": "bus"}

#: Upper bounds (metres, inclusive) of the distance columns of step 2.
DISTANCE_BOUNDS_M: tuple[float, ...] = (300, 500, 750, 1000)

#: Step 2: class by category (row I…VII) and distance column; None = no class.
CLASS_TABLE: dict[int, tuple[str | None, ...]] = {
    1: ("A", "A", "B", "C"),
    2: ("A", "B", "C", "D"),
    3: ("B", "C", "D", "E"),
    4: ("C", "D", "E", "F"),
    5: ("D", "E", "F", None),
    6: ("E", "F", None, None),
    7: ("F", None, None, None),
}
CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII"}


def service_group(route_type: int) -> str:
    """ARE service group of a GTFS route type (basic and extended types).

    Rail, S-/U-Bahn and monorail are A; tram (incl. cable tram) is B; bus, trolleybus, coach,
    demand-responsive bus and everything else (ferries, lifts) is C — the conservative choice.
    """
    t = int(route_type)
    if t in (1, 2, 12) or 100 <= t < 200 or 400 <= t < 500:
        return "A"
    if t in (0, 5) or 900 <= t < 1000:
        return "B"
    return "C"


def interval_column(interval_min: float) -> int | None:
    """Index of the interval column (0 = ≤5 min …), None beyond 120 min (no category)."""
    for i, bound in enumerate(INTERVAL_BOUNDS_MIN):
        if interval_min <= bound:
            return i
    return None


def stop_category(
    group: str, departures: float, window_s: int = WINDOW_S[1] - WINDOW_S[0]
) -> int | None:
    """Category (1–7) of a stop from its group and departures (per direction) in the window."""
    if departures <= 0:
        return None
    if group not in CATEGORY_TABLE:
        raise ValueError(f"unknown service group {group!r}; known: {', '.join(CATEGORY_TABLE)}")
    column = interval_column(window_s / 60.0 / departures)
    return None if column is None else CATEGORY_TABLE[group][column]


def quality_class(category: int, distance_m: float) -> str | None:
    """Class A–F of a place at ``distance_m`` from a stop of ``category``; None = none."""
    for i, bound in enumerate(DISTANCE_BOUNDS_M):
        if distance_m <= bound:
            return CLASS_TABLE[category][i]
    return None


def drt_departures(
    start_s: int, end_s: int, max_wait_s: float, window: tuple[int, int] = WINDOW_S
) -> float:
    """Departures an area service offers in the window: one per maximum wait while it runs."""
    overlap = max(0, min(end_s, window[1]) - max(start_s, window[0]))
    return overlap / max_wait_s if max_wait_s > 0 else 0.0


@dataclass(frozen=True)
class StopLevels:
    """Step 1 for every stop group (station or lone stop)."""

    group_of_stop: np.ndarray  # [n_stops] index of the stop group each stop belongs to
    departures: np.ndarray  # [n_groups] departures per direction in the window
    service_group: np.ndarray  # [n_groups] "A"/"B"/"C" or "" if not served
    interval_min: np.ndarray  # [n_groups] mean interval, inf if not served
    category: np.ndarray  # [n_groups] 1–7, 0 if none


def stop_levels(
    stop_parent: np.ndarray,
    trip_route: np.ndarray,
    trip_direction: np.ndarray,
    route_type: np.ndarray,
    dep_stop: np.ndarray,
    dep_trip: np.ndarray,
    dep_time: np.ndarray,
    *,
    window: tuple[int, int] = WINDOW_S,
    extra_departures: np.ndarray | None = None,
) -> StopLevels:
    """Categories of all stops from departure events (stop, trip, time) of one weekday.

    ``extra_departures`` [n_stops] adds departures of services without a timetable (area-based
    demand-responsive buses, group C).
    """
    n_stops = len(stop_parent)
    root = np.where(stop_parent >= 0, stop_parent, np.arange(n_stops))
    groups, group_of_stop = np.unique(root, return_inverse=True)
    n_groups = len(groups)
    inside = (dep_time >= window[0]) & (dep_time < window[1])
    g = group_of_stop[dep_stop[inside]]
    route = trip_route[dep_trip[inside]]
    direction = trip_direction[dep_trip[inside]]
    departures = np.zeros(n_groups)
    best = np.full(n_groups, 3)  # 0 A, 1 B, 2 C, 3 none
    if len(g):
        n_routes = int(route.max()) + 1
        key = g.astype(np.int64) * n_routes + route
        # departures per (group, route) divided by the directions of that route seen there
        uniq, counts = np.unique(key, return_counts=True)
        dir_key = np.unique(key * 3 + (direction + 1))
        n_dirs = np.bincount(np.searchsorted(uniq, dir_key // 3), minlength=len(uniq))
        np.add.at(departures, uniq // n_routes, counts / np.maximum(n_dirs, 1))
        rank = np.array([{"A": 0, "B": 1, "C": 2}[service_group(t)] for t in route_type])
        np.minimum.at(best, g, rank[route])
    if extra_departures is not None:
        extra = np.bincount(group_of_stop, weights=extra_departures, minlength=n_groups)
        departures += extra
        best = np.where(extra > 0, np.minimum(best, 2), best)
    window_s = window[1] - window[0]
    with np.errstate(divide="ignore"):
        interval = np.where(departures > 0, window_s / 60.0 / np.maximum(departures, 1e-12), np.inf)
    letters = np.array(["A", "B", "C", ""])[best]
    category = np.array(
        [
            (stop_category(letters[i], departures[i], window_s) or 0) if letters[i] else 0
            for i in range(n_groups)
        ],
        dtype=np.int8,
    )
    return StopLevels(group_of_stop, departures, letters, interval, category)


def place_classes(distance_m: np.ndarray, stop_category_of_stop: np.ndarray) -> np.ndarray:
    """Class per place from a distance matrix place × stop (inf where beyond reach).

    ``distance_m`` is dense [n_places, n_stops] or a scipy sparse matrix of *finite* distances
    (missing = beyond reach). Returns an array of "A"…"F" or "" (no class); the best class wins.
    """
    import scipy.sparse as sp

    n_places = distance_m.shape[0]
    best = np.full(n_places, len(CLASSES), dtype=np.int64)  # index into CLASSES; 6 = none
    class_rank = {c: i for i, c in enumerate(CLASSES)}
    # lookup [category 0..7, column 0..3] -> class rank
    lut = np.full((8, len(DISTANCE_BOUNDS_M) + 1), len(CLASSES), dtype=np.int64)
    for cat, row in CLASS_TABLE.items():
        for j, letter in enumerate(row):
            if letter is not None:
                lut[cat, j] = class_rank[letter]
    if sp.issparse(distance_m):
        coo = sp.coo_array(distance_m)
        rows, cols, dist = coo.row, coo.col, coo.data
    else:
        dense = np.asarray(distance_m, dtype=float)
        rows, cols = np.nonzero(np.isfinite(dense))
        dist = dense[rows, cols]
    column = np.searchsorted(np.asarray(DISTANCE_BOUNDS_M), dist, side="left")
    rank = lut[stop_category_of_stop[cols].astype(np.int64), column]
    np.minimum.at(best, rows, rank)
    return np.array([*CLASSES, ""])[best]
