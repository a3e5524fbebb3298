"""GTFS timetables read into arrays: validation with named errors, a report of what was dropped.

A German feed (e.g. the DELFI/NRW feed) has tens of millions of ``stop_times`` rows; the engine
needs them as flat integer arrays anyway (RAPTOR scans trips by position, not by id), so the feed
is parsed once into numpy arrays and kept that way (see :meth:`Feed.to_bytes`). Ids survive only
in the stop/route/trip/service id arrays, for naming things in reports and pages.

Errors stop the import and name the file, the row (line in the file, header = line 1) and the
field; things that GTFS tolerates but that we cannot use (entrances, trips without a calendar,
trips with fewer than two timed stops, …) are dropped and *reported* in :attr:`Feed.dropped`.

Where the parts live: fields, parsers and errors in ``_gtfs_fields``, the per-file readers and
:func:`read_feed` in ``gtfs_read``, :class:`Feed` and its service days in ``gtfs_feed``; this
module turns a feed into one day's :class:`Timetable` and re-exports the parts' public names.

No Django here: the Django app (``nahraum.transit``) stores the arrays and the summary rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ._gtfs_fields import REQUIRED_COLUMNS, REQUIRED_FILES, WEEKDAYS, Dropped, GTFSError, parse_time
from .errors import AccessError
from .gtfs_feed import Feed, active_services, default_service_date
from .gtfs_read import read_feed

__all__ = [
    "REQUIRED_COLUMNS",
    "REQUIRED_FILES",
    "WEEKDAYS",
    "Dropped",
    "Feed",
    "GTFSError",
    "Timetable",
    "active_services",
    "default_service_date",
    "parse_time",
    "read_feed",
    "TransferRules",
    "timetable_for_day",
    "transfer_rules",
]


@dataclass(frozen=True)
class TransferRules:
    """transfers.txt rules per pair of platforms (stations expanded), for the journey engine
    (see :mod:`.transit_transfers` for what each type does)."""

    from_stop: np.ndarray  # int64 stop position
    to_stop: np.ndarray
    kind: np.ndarray  # transfer_type 0–3
    min_s: np.ndarray  # min_transfer_time in s (-1: not given)


def transfer_rules(feed: Feed) -> TransferRules:
    """The feed's transfers.txt rows at platform level.

    A row naming a station applies to all its platforms (a row from a station to itself: every
    change within the station, the same platform included). Where rows overlap, the more
    specific one wins (platform over station; GTFS leaves this to the consumer), then the
    later row.
    """
    parent = np.asarray(feed.stop_parent, np.int64)
    station = np.asarray(feed.stop_location_type) == 1
    children: dict[int, list[int]] = {}
    for s in np.flatnonzero((parent >= 0) & ~station).tolist():
        children.setdefault(int(parent[s]), []).append(s)
    best: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    rows = zip(
        feed.tr_from.tolist(),
        feed.tr_to.tolist(),
        feed.tr_type.tolist(),
        feed.tr_min.tolist(),
        strict=True,
    )
    for r, (a, b, kind, mn) in enumerate(rows):
        sa = children.get(a, []) if station[a] else [a]
        sb = children.get(b, []) if station[b] else [b]
        spec = int(not station[a]) + int(not station[b])
        for x in sa:
            for y in sb:
                old = best.get((x, y))
                if old is None or (spec, r) >= (old[0], old[1]):
                    best[(x, y)] = (spec, r, kind, mn)
    keys = sorted(best)
    return TransferRules(
        np.array([k[0] for k in keys], np.int64),
        np.array([k[1] for k in keys], np.int64),
        np.array([best[k][2] for k in keys], np.int64),
        np.array([best[k][3] for k in keys], np.int64),
    )


@dataclass(frozen=True)
class Timetable:
    """The trips running on one day, as flat arrays (times in seconds after that day's midnight).

    Frequency-based trips are expanded into single trips. Trips of the previous service day that
    run past midnight (GTFS times ≥ 24:00) are included shifted by −24 h, and trips of the next
    service day shifted by +24 h (a window up to 47:59 plus the longest journey sees them);
    ``trip_day`` says which service day each trip belongs to (−1, 0, +1), so that counts "per
    service day" can leave the neighbours' trips out.
    """

    trip_indptr: np.ndarray  # int64 [n_trips+1]
    stop: np.ndarray  # int32 stop index per stop time
    arr: np.ndarray  # int32 seconds
    dep: np.ndarray
    trip_route: np.ndarray  # route index (into the feed's routes) per trip
    trip_direction: np.ndarray
    trip_source: np.ndarray  # feed trip index the trip was made from
    n_stops: int
    day: dt.date
    #: int8 per trip: the service day it belongs to relative to ``day`` (−1, 0 or +1);
    #: None (the default, for hand-made timetables) means all trips are of the day itself
    trip_day: np.ndarray | None = None
    #: transfers.txt rules of the feed (None: none)
    transfers: TransferRules | None = None

    def __post_init__(self) -> None:
        if self.trip_day is None:
            object.__setattr__(self, "trip_day", np.zeros(self.n_trips, np.int8))
        elif len(self.trip_day) != self.n_trips:
            raise AccessError(f"trip_day: expected {self.n_trips} values, got {len(self.trip_day)}")

    @property
    def n_trips(self) -> int:
        return len(self.trip_indptr) - 1


def timetable_for_day(
    feed: Feed, day: dt.date, *, start_s: int = 0, end_s: int = 48 * 3600
) -> Timetable:
    """All trips under way between ``start_s`` and ``end_s`` (seconds after ``day``'s midnight):
    trips of ``day``, of the day before (shifted by −24 h: those after midnight) and of the day
    after (shifted by +24 h), each marked in ``Timetable.trip_day``.

    Callers should pass the end they need (last departure + longest journey): with the default
    48:00 every trip of the next day is included and the timetable roughly doubles.

    Frequency-based trips start every ``headway_secs`` from ``start_time`` (before ``end_time``)
    with the template trip's running times; ``exact_times = 0`` is read the same way, since a
    planner's question ("how often?") is answered by the headway, not by the exact minute.
    """
    if end_s < start_s:
        raise AccessError(f"end_s: {end_s} is before start_s {start_s}")
    stops, arrs, deps, src, days = [], [], [], [], []
    freq_trips = set(feed.freq_trip.tolist())

    def add(t: int, arr: np.ndarray, dep: np.ndarray, rel: int) -> None:
        if arr[-1] < start_s or dep[0] > end_s:
            return
        a, b = feed.st_indptr[t], feed.st_indptr[t + 1]
        stops.append(feed.st_stop[a:b])
        arrs.append(arr)
        deps.append(dep)
        src.append(t)
        days.append(rel)

    for rel in (0, -1, 1):
        shift = rel * 86400
        if rel > 0 and end_s < shift:
            continue  # no trip of that day can be under way in [start_s, end_s]
        active = active_services(feed, day + dt.timedelta(days=rel))
        trips = np.flatnonzero((feed.trip_service >= 0) & active[np.maximum(feed.trip_service, 0)])
        for t in trips.tolist():
            a, b = feed.st_indptr[t], feed.st_indptr[t + 1]
            arr = feed.st_arr[a:b].astype(np.int64)
            dep = feed.st_dep[a:b].astype(np.int64)
            if t in freq_trips:
                rows = np.flatnonzero(feed.freq_trip == t)
                base = dep[0]
                for r in rows.tolist():
                    first = int(feed.freq_start[r])
                    while first < feed.freq_end[r]:
                        add(t, arr - base + first + shift, dep - base + first + shift, rel)
                        first += int(feed.freq_headway[r])
            else:
                add(t, arr + shift, dep + shift, rel)
    lengths = np.array([len(s) for s in stops], dtype=np.int64)
    src_arr = np.array(src, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int32)
    return Timetable(
        trip_indptr=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        stop=np.concatenate(stops).astype(np.int32) if stops else empty,
        arr=np.concatenate(arrs).astype(np.int32) if arrs else empty,
        dep=np.concatenate(deps).astype(np.int32) if deps else empty,
        trip_route=feed.trip_route[src_arr].astype(np.int32) if src else empty,
        trip_direction=feed.trip_direction[src_arr].astype(np.int8)
        if src
        else empty.astype(np.int8),
        trip_source=src_arr,
        n_stops=feed.n_stops,
        day=day,
        trip_day=np.array(days, np.int8),
        transfers=transfer_rules(feed) if len(feed.tr_from) else None,
    )
