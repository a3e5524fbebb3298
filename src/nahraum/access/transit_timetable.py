"""A day's timetable as RAPTOR patterns (trips with the same stops in the same order, no
overtaking) and the departure events per stop that the profile search runs over."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .gtfs import Timetable


@dataclass(frozen=True)
class Patterns:
    """Trips grouped into RAPTOR routes: same stops in the same order, no overtaking."""

    stop_ptr: np.ndarray  # [P+1] into stops
    stops: np.ndarray  # stop index per pattern position
    n_trips: np.ndarray  # [P]
    time_off: np.ndarray  # [P] offset into arr/dep (trip-major: off + k*m + j)
    arr: np.ndarray
    dep: np.ndarray
    sp_ptr: np.ndarray  # stop → (pattern, position) CSR
    sp_pat: np.ndarray
    sp_pos: np.ndarray
    n_stops: int


def build_patterns(tt: Timetable) -> Patterns:
    """Group the day's trips into patterns; a trip that would overtake starts a new pattern."""
    first_dep = tt.dep[tt.trip_indptr[:-1]] if tt.n_trips else np.zeros(0, np.int32)
    order = np.argsort(first_dep, kind="stable")
    groups: dict[bytes, list[list[int]]] = {}
    for t in order.tolist():
        a, b = tt.trip_indptr[t], tt.trip_indptr[t + 1]
        key = tt.stop[a:b].tobytes()
        subs = groups.setdefault(key, [])
        for sub in subs:
            last = sub[-1]
            la, lb = tt.trip_indptr[last], tt.trip_indptr[last + 1]
            if np.all(tt.dep[a:b] >= tt.dep[la:lb]) and np.all(tt.arr[a:b] >= tt.arr[la:lb]):
                sub.append(t)
                break
        else:
            subs.append([t])
    stop_ptr, stops, n_trips, time_off, arrs, deps = [0], [], [], [], [], []
    off = 0
    for subs in groups.values():
        for sub in subs:
            a, b = tt.trip_indptr[sub[0]], tt.trip_indptr[sub[0] + 1]
            m = b - a
            stops.append(tt.stop[a:b])
            stop_ptr.append(stop_ptr[-1] + m)
            n_trips.append(len(sub))
            time_off.append(off)
            for t in sub:
                ta, tb = tt.trip_indptr[t], tt.trip_indptr[t + 1]
                arrs.append(tt.arr[ta:tb])
                deps.append(tt.dep[ta:tb])
            off += m * len(sub)
    stops_a = np.concatenate(stops).astype(np.int64) if stops else np.zeros(0, np.int64)
    stop_ptr_a = np.array(stop_ptr, np.int64)
    pat_of_pos = np.repeat(np.arange(len(n_trips)), np.diff(stop_ptr_a))
    pos = (
        np.arange(len(stops_a)) - stop_ptr_a[pat_of_pos] if len(stops_a) else np.zeros(0, np.int64)
    )
    o = np.argsort(stops_a, kind="stable")
    sp_ptr = np.searchsorted(stops_a[o], np.arange(tt.n_stops + 1)).astype(np.int64)

    def cat(xs):
        return np.concatenate(xs).astype(np.int64) if xs else np.zeros(0, np.int64)

    return Patterns(
        stop_ptr_a,
        stops_a,
        np.array(n_trips, np.int64),
        np.array(time_off, np.int64),
        cat(arrs),
        cat(deps),
        sp_ptr,
        pat_of_pos[o].astype(np.int64),
        pos[o].astype(np.int64),
        tt.n_stops,
    )


def departure_events(p: Patterns, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per stop the distinct departure times in [lo, hi] plus the first one after ``hi``.

    Returns (ptr [n_stops+1], times): stop s's events are times[ptr[s]:ptr[s+1]], ascending.
    """
    st, tm = [], []
    for q in range(len(p.n_trips)):
        a, b = p.stop_ptr[q], p.stop_ptr[q + 1]
        m, k = b - a, p.n_trips[q]
        if m < 2:
            continue
        d = p.dep[p.time_off[q] : p.time_off[q] + m * k].reshape(k, m)[:, :-1]
        st.append(np.broadcast_to(p.stops[a : b - 1], d.shape).ravel())
        tm.append(d.ravel())
    if not st:
        return np.zeros(p.n_stops + 1, np.int64), np.zeros(0, np.int64)
    s = np.concatenate(st)
    t = np.concatenate(tm).astype(np.int64)
    keep = t >= lo
    s, t = s[keep], t[keep]
    key = np.unique(s * (10**7) + t)
    s, t = key // 10**7, key % 10**7
    # keep events ≤ hi and, per stop, the first one after hi
    after = t > hi
    first_after = after & np.concatenate([[True], (s[1:] != s[:-1]) | ~after[:-1]])
    keep = ~after | first_after
    s, t = s[keep], t[keep]
    ptr = np.searchsorted(s, np.arange(p.n_stops + 1)).astype(np.int64)
    return ptr, t
