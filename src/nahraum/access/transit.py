"""Travel times by bus and train: walking access, RAPTOR over a departure window, walking egress.

The question planners ask is "how long does it take from home to the nearest GP by bus?", for
every population cell and every kind of facility, at any minute of the morning (07:00–09:00 by
default); the answer is the median and the 90th percentile over the departure minutes, as in
Conveyal's r5 (a bus every 60 minutes gives a bad 90th percentile even if one departure fits).

How it is computed (exact for the journey model below, checked against a plain connection scan
on generated GTFS feeds in ``tests/access/test_transit_reference.py`` for every origin,
destination and minute, and against a time-expanded search in ``tests/access/test_transit.py``):

1. Trips become RAPTOR *patterns* (same stop sequence, no overtaking).
2. For every stop s, a range-RAPTOR (rRAPTOR, Delling et al. 2012) runs once per departure
   *event* at s in the horizon, latest first, keeping labels between runs. After each run the
   earliest arrival at a facility of each type (arrival at a stop + walking egress) is taken over
   the stops whose label changed, so the *profile* A_T(s, τ) — earliest arrival at type T when
   leaving s at τ or later — costs no more than the runs themselves. Each stop keeps three
   labels (see ``transit_raptor.stop_profiles``): arrival by a trip, arrival by any means, and
   the earliest boarding time, so a stop reached first on foot keeps its later trip arrival and
   the walk onward from it.
3. Every cell evaluates, per departure minute t, min(walk only, DRT direct,
   min over access stops s of A_T(s, t + access(c, s))) with a binary search in the profile.

Journey model: walk (≤ ``max_access_s``) or ride a demand-responsive service to a stop; ride
trips; walk (≤ ``max_egress_s``) or ride a demand-responsive service from a stop to the
facility. Walking the whole way is always allowed (a journey planner would suggest it too), so
transit times are never worse than walking.

- **A transfer** is leaving one trip and boarding another, either at the same stop (after the
  stop's minimum change time: ``TransitParams.min_change_s``, default 0 s, or what transfers.txt
  says) or after ONE walk from the stop where the ride ended to another stop (a street-network
  shortest path of at most ``max_transfer_s``). Staying on a trip is no transfer.
- **Walks do not chain**: a walk starts only where a ride ended, never where a walk ended. This
  loses nothing: the walking links are shortest paths on the street network, so the direct
  link A → C is no longer than a chain A → B → C (up to how stops are snapped onto streets);
  a chain longer than the limit is exactly what the limit forbids. (Without a network the links
  are straight lines × detour, which obey the triangle inequality too.) A walk arrival may be
  followed by the egress walk to the facility, as any arrival at a stop.
- **transfers.txt** (``nahraum.access.transit_transfers``), per pair of stops, a station's row
  standing for all its platforms (a platform's own row wins): type 0 (recommended) changes
  nothing; type 1 (timed) makes the change take 0 s; type 2 (minimum transfer time) is the
  minimum change time at one stop, and between two stops the walk takes max(walk,
  ``min_transfer_time``), the link existing even where the walk is longer than
  ``max_transfer_s``; type 3 forbids the change at that stop or the walk between that pair.
  Trip-to-trip and route-to-route rows are not modelled (reported in ``Feed.dropped``).
- **Waiting counts**: the result per departure minute is the time from leaving home at that
  minute to arriving, waiting at the stop included (Conveyal r5's method); the median and
  90th percentile are taken over all minutes of the window, so an hourly bus shows its wait.
  ``TransitResult.best`` is the fastest minute (the timed journey).
- **Days**: the day's timetable (``gtfs.timetable_for_day``) holds the trips of the service day,
  those of the day before that run past midnight (GTFS times ≥ 24:00, shifted by −24 h) and
  those of the day after (shifted by +24 h), so a window up to 47:59 plus ``max_time_s`` is
  served; trips of two days before or after are not included.

Several day types and departure windows (``travel_times_windows``): the walking parts (walker,
walking transfer links: ``prepare(walker=, transfer_links=)``; walking access, egress and the
walk-only times: ``walking_legs``) do not depend on the timetable and are computed once; each
day type's timetable runs ONE profile search over the union of its windows, with only the
events inside the windows (plus their reach), and each window is evaluated on its own minutes.

Demand-responsive services (Rufbus, e.g. Kalletal's line 737) have no timetable: an area, the
hours in which pick-ups happen and a maximum wait. We count the *maximum* wait (the planner's
safe assumption) plus a ride at ``speed_kmh`` along the straight line × ``detour``; rides
start and end inside the area (cell → stop, cell → facility, stop → facility); a service that
names its stops (GTFS-Flex location groups, ``DemandResponsive.stops``) serves only those.
Changing from one stop to another by Rufbus is not modelled.

Where the parts live: the model's parameters in ``transit_params``, walking in ``transit_walk``,
the patterns and departure events in ``transit_timetable``, the compiled profile search in
``transit_raptor``; this module prepares a timetable and answers queries (and re-exports the
parts' public names, so ``from nahraum.access.transit import Walker`` keeps working).

No Django here (see ``nahraum.transit`` for the glue).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from .errors import AccessError
from .graph import Network
from .gtfs import Timetable
from .transit_params import DemandResponsive, TransitParams
from .transit_raptor import evaluate_profiles, stop_profiles
from .transit_timetable import Patterns, build_patterns, departure_events
from .transit_transfers import apply_transfer_rules
from .transit_walk import Walker, WalkLinks

INF = np.inf

__all__ = [
    "DemandResponsive",
    "Patterns",
    "Prepared",
    "TransitParams",
    "TransitResult",
    "WalkLegs",
    "WalkLinks",
    "Walker",
    "build_patterns",
    "departure_events",
    "minute_statistics",
    "prepare",
    "travel_times",
    "travel_times_windows",
    "walking_legs",
]


@dataclass
class Prepared:
    """A day's timetable made ready for many queries (patterns, transfers, walking)."""

    patterns: Patterns
    stop_x: np.ndarray
    stop_y: np.ndarray
    transfers: WalkLinks
    walker: Walker
    params: TransitParams
    drt: tuple[DemandResponsive, ...]
    timings: dict = field(default_factory=dict)
    #: per stop, the minimum time between alighting and boarding there (inf: no change there)
    change_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: the street walks between stops within ``max_transfer_s`` before the transfers.txt rules
    #: (to pass to :func:`prepare` for another timetable of the same stops)
    walk_links: WalkLinks | None = None


def prepare(
    tt: Timetable,
    stop_x: np.ndarray,
    stop_y: np.ndarray,
    *,
    walk_network: Network | None = None,
    params: TransitParams | None = None,
    drt: Sequence[DemandResponsive] = (),
    walker: Walker | None = None,
    transfer_links: WalkLinks | None = None,
) -> Prepared:
    """Patterns, walking transfers and change times (done once per timetable and network).

    For several timetables of one feed (day types), pass the first result's ``walker`` and
    ``transfer_links`` (:attr:`Prepared.walk_links`, the street walks between stops before the
    transfers.txt rules) to the others: only the patterns depend on the day.
    """
    import time

    params = params or TransitParams()
    n = tt.n_stops
    sx = np.asarray(stop_x, float)
    sy = np.asarray(stop_y, float)
    if sx.ndim != 1 or len(sx) != n:
        raise AccessError(f"stop_x: expected {n} stop coordinates, got shape {sx.shape}")
    if sy.ndim != 1 or len(sy) != n:
        raise AccessError(f"stop_y: expected {n} stop coordinates, got shape {sy.shape}")
    if not (np.isfinite(sx).all() and np.isfinite(sy).all()):
        raise AccessError("stop_x/stop_y: coordinates must be finite")
    t0 = time.perf_counter()
    pat = build_patterns(tt)
    t1 = time.perf_counter()
    walker = walker or Walker(walk_network, params)
    if transfer_links is None:
        tr = walker.links(sx, sy, sx, sy, params.max_transfer_s)
        keep = tr.src != tr.dst
        transfer_links = WalkLinks(tr.src[keep], tr.dst[keep], tr.time_s[keep])
    links, change = apply_transfer_rules(
        transfer_links, tt.transfers, n, params, walker=walker, stop_x=sx, stop_y=sy
    )
    t2 = time.perf_counter()
    return Prepared(
        pat,
        sx,
        sy,
        links,
        walker,
        params,
        tuple(drt),
        {"patterns_s": t1 - t0, "transfers_s": t2 - t1},
        change,
        transfer_links,
    )


@dataclass(frozen=True)
class TransitResult:
    """Travel times (s) per origin and facility type over the departure minutes."""

    departures: np.ndarray  # [n_dep] seconds after midnight
    keys: tuple[str, ...]  # facility type keys, in the order of the last axis
    times: np.ndarray | None  # float32 [n_origins, n_dep, n_types] if kept
    median: dict[str, np.ndarray]
    p90: dict[str, np.ndarray]
    timings: dict
    #: per type, the facility (index into that type's arrays) reached at the median minute
    facility: dict[str, np.ndarray] = field(default_factory=dict)
    #: per type, the fastest minute of the window: the journey of someone who times their
    #: departure to the timetable. The median counts the wait for the next departure, so with
    #: an hourly bus it can equal the walk even where the bus is much faster when caught.
    best: dict[str, np.ndarray] = field(default_factory=dict)


def _csr(n: int, row: np.ndarray, *cols: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(row, kind="stable")
    ptr = np.searchsorted(row[order], np.arange(n + 1)).astype(np.int64)
    return (ptr, *(c[order] for c in cols))


@dataclass(frozen=True)
class WalkLegs:
    """The walking parts of a query, which do not depend on the timetable: walking egress from
    every stop and walking the whole way to the nearest facility of each type, and the walking
    access links cell → stop. Computed once (:func:`walking_legs`) and passed to every
    :func:`travel_times` / :func:`travel_times_windows` call for the same stops, cells,
    facilities and walking parameters (e.g. one per day type)."""

    keys: tuple[str, ...]
    n_origins: int
    n_stops: int
    egress: np.ndarray  # [n_stops, n_types] s
    egress_fac: np.ndarray
    walk_direct: np.ndarray  # [n_origins, n_types] s
    walk_direct_fac: np.ndarray
    access: WalkLinks  # origin → stop within max_access_s


def _points(name: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
        raise AccessError(f"{name}: x and y must be 1-D of one length, got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise AccessError(f"{name}: coordinates must be finite")
    return x, y


def _facilities(facilities) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if not isinstance(facilities, Mapping):
        raise AccessError("facilities: expected a mapping type key → (x, y)")
    out = {}
    for key, value in facilities.items():
        try:
            fx, fy = value
        except (TypeError, ValueError):
            raise AccessError(f"facilities[{key!r}]: expected a pair (x, y) of arrays") from None
        out[key] = _points(f"facilities[{key!r}]", fx, fy)
    return out


def walking_legs(
    prep: Prepared,
    origin_x: np.ndarray,
    origin_y: np.ndarray,
    facilities: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> WalkLegs:
    """Walking egress, walking the whole way and walking access (see :class:`WalkLegs`)."""
    params = prep.params
    ox, oy = _points("origin_x/origin_y", origin_x, origin_y)
    fac = _facilities(facilities)
    keys = tuple(fac)
    sx, sy = prep.stop_x, prep.stop_y
    walker = prep.walker
    n_s, n_o, n_t = len(sx), len(ox), len(keys)
    egress = np.full((n_s, n_t), INF)
    egress_fac = np.full((n_s, n_t), -1, np.int64)
    walk_direct = np.full((n_o, n_t), INF)
    walk_direct_fac = np.full((n_o, n_t), -1, np.int64)
    for i, key in enumerate(keys):
        fx, fy = fac[key]
        egress[:, i], egress_fac[:, i] = walker.nearest(sx, sy, fx, fy, params.max_egress_s)
        walk_direct[:, i], walk_direct_fac[:, i] = walker.nearest(ox, oy, fx, fy, params.max_time_s)
    acc = walker.links(ox, oy, sx, sy, params.max_access_s)
    return WalkLegs(keys, n_o, n_s, egress, egress_fac, walk_direct, walk_direct_fac, acc)


def travel_times(
    prep: Prepared,
    origin_x: np.ndarray,
    origin_y: np.ndarray,
    facilities: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    keep_minutes: bool = False,
    chunk: int = 4000,
    legs: WalkLegs | None = None,
) -> TransitResult:
    """Travel times by public transport from every origin to the nearest facility of each type.

    ``facilities`` maps a type key to (x, y) arrays in the stops' CRS. Returns median and 90th
    percentile over the departure minutes of ``prep.params.window`` (inf: not reachable within
    ``max_time_s``). ``legs``: the walking parts from :func:`walking_legs`, if already known.
    """
    window = {"window": tuple(prep.params.window)}
    return travel_times_windows(
        prep,
        origin_x,
        origin_y,
        facilities,
        window,
        keep_minutes=keep_minutes,
        chunk=chunk,
        legs=legs,
    )["window"]


def _check_windows(windows, step_s) -> dict[str, tuple[int, int]]:
    if not isinstance(windows, Mapping) or not windows:
        raise AccessError("windows: expected a non-empty mapping name → (start_s, end_s)")
    if not step_s > 0:
        raise AccessError(f"step_s: must be positive, got {step_s}")
    out = {}
    for name, w in windows.items():
        try:
            a, b = (int(v) for v in w)
        except (TypeError, ValueError):
            raise AccessError(f"windows[{name!r}]: expected (start_s, end_s), got {w!r}") from None
        if not 0 <= a < b <= 48 * 3600:
            raise AccessError(
                f"windows[{name!r}]: need 0 ≤ start < end ≤ 48:00 (seconds), got ({a}, {b})"
            )
        out[name] = (a, b)
    return out


def travel_times_windows(
    prep: Prepared,
    origin_x: np.ndarray,
    origin_y: np.ndarray,
    facilities: Mapping[str, tuple[np.ndarray, np.ndarray]],
    windows: Mapping[str, tuple[int, int]],
    *,
    keep_minutes: bool = False,
    chunk: int = 4000,
    legs: WalkLegs | None = None,
) -> dict[str, TransitResult]:
    """One :class:`TransitResult` per departure window (name → (start_s, end_s), minutes every
    ``params.step_s``) from ONE profile search over the union of the windows.

    The range-RAPTOR runs per stop over the departure events of all windows, latest first, so
    the labels of the evening window bound the midday runs; only events a window can use are
    run (those from its start to its last minute plus the longest access, and the first one
    after), none in the gaps between windows. Each window is then evaluated on its own minutes.
    For several day types, call this once per day type's :class:`Prepared` with the same
    ``legs`` (:func:`walking_legs`).
    """
    import time

    timings = dict(prep.timings)
    params = prep.params
    windows = _check_windows(windows, params.step_s)
    t0 = time.perf_counter()
    if legs is None:
        legs = walking_legs(prep, origin_x, origin_y, facilities)
        ox, oy = _points("origin_x/origin_y", origin_x, origin_y)
        fac = _facilities(facilities)
    else:
        ox, oy = _points("origin_x/origin_y", origin_x, origin_y)
        fac = _facilities(facilities)
        if legs.n_origins != len(ox) or legs.n_stops != len(prep.stop_x):
            raise AccessError(
                f"legs: made for {legs.n_origins} origins and {legs.n_stops} stops, "
                f"not {len(ox)} and {len(prep.stop_x)}"
            )
        if legs.keys != tuple(fac):
            raise AccessError(f"legs: made for the types {legs.keys}, not {tuple(fac)}")
    keys = legs.keys
    n_types = len(keys)
    n_o = len(ox)
    sx, sy = prep.stop_x, prep.stop_y
    n_s = len(sx)
    drt = prep.drt
    egress, egress_fac = legs.egress, legs.egress_fac
    walk_direct, walk_direct_fac = legs.walk_direct, legs.walk_direct_fac
    # demand-responsive: egress stop → facility and cell → facility inside the area
    n_k = len(drt)
    drt_h0 = np.array([d.start_s for d in drt], float)
    drt_h1 = np.array([d.end_s for d in drt], float)
    drt_egress = np.full((n_k, n_s, n_types), INF)
    drt_egress_fac = np.full((n_k, n_s, n_types), -1, np.int64)
    drt_direct = np.full((n_k, n_o, n_types), INF)
    drt_direct_fac = np.full((n_k, n_o, n_types), -1, np.int64)
    acc = legs.access
    acc_src, acc_dst, acc_t = [acc.src], [acc.dst], [acc.time_s]
    acc_kind = [np.full(len(acc.src), -1, np.int64)]
    for k, d in enumerate(drt):
        s_in = np.flatnonzero(d.serves_stops(sx, sy))
        o_in = np.flatnonzero(d.contains(ox, oy))
        for i, key in enumerate(keys):
            fx, fy = fac[key]
            f_in = np.flatnonzero(d.contains(fx, fy))
            if len(f_in) == 0:
                continue
            tree = cKDTree(np.column_stack([fx[f_in], fy[f_in]]))
            if len(s_in):
                dist, j = tree.query(np.column_stack([sx[s_in], sy[s_in]]))
                drt_egress[k, s_in, i] = d.max_wait_s + d.ride_s(dist)
                drt_egress_fac[k, s_in, i] = f_in[j]
            if len(o_in):
                dist, j = tree.query(np.column_stack([ox[o_in], oy[o_in]]))
                drt_direct[k, o_in, i] = d.max_wait_s + d.ride_s(dist)
                drt_direct_fac[k, o_in, i] = f_in[j]
        if len(s_in) and len(o_in):
            dx = ox[o_in][:, None] - sx[s_in][None, :]
            dy = oy[o_in][:, None] - sy[s_in][None, :]
            ride = d.max_wait_s + d.ride_s(np.hypot(dx, dy))
            oi, si = np.nonzero(ride <= params.max_time_s)
            acc_src.append(o_in[oi])
            acc_dst.append(s_in[si])
            acc_t.append(ride[oi, si])
            acc_kind.append(np.full(len(oi), k, np.int64))
    acc_ptr, acc_stop, acc_time, acc_k = _csr(
        n_o,
        np.concatenate(acc_src),
        np.concatenate(acc_dst).astype(np.int64),
        np.concatenate(acc_t).astype(float),
        np.concatenate(acc_kind),
    )
    t1 = time.perf_counter()
    timings["walking_s"] = t1 - t0
    # the departure events of every window: from its start to the latest time any origin can
    # reach a stop when leaving in it (plus the first event after), merged
    deps_of = {
        name: np.arange(a, b, params.step_s, dtype=np.int64) for name, (a, b) in windows.items()
    }
    parts_ptr = []
    for deps in deps_of.values():
        if not len(deps) or not len(acc_time):
            continue
        last = float(deps[-1])
        reach = (
            np.where(
                acc_k < 0, last, np.maximum(last, drt_h0[np.maximum(acc_k, 0)] if n_k else last)
            )
            + acc_time
        )
        hi = int(np.ceil(reach.max())) + 1
        parts_ptr.append(departure_events(prep.patterns, int(deps[0]), hi))
    ev_ptr, ev_time = _merge_events(parts_ptr, n_s)
    origins = np.unique(acc_stop).astype(np.int64)
    fp_ptr, fp_dst, fp_time = _csr(
        n_s,
        prep.transfers.src,
        prep.transfers.dst.astype(np.int64),
        prep.transfers.time_s.astype(float),
    )
    p = prep.patterns
    ev_f = ev_time.astype(np.float64)
    prof, prof_fac = stop_profiles(
        p.stop_ptr,
        p.stops,
        p.n_trips,
        p.time_off,
        p.arr.astype(np.float64),
        p.dep.astype(np.float64),
        p.sp_ptr,
        p.sp_pat,
        p.sp_pos,
        fp_ptr,
        fp_dst,
        fp_time,
        prep.change_s,
        ev_ptr,
        ev_f,
        egress,
        egress_fac,
        drt_egress,
        drt_egress_fac,
        drt_h0,
        drt_h1,
        float(params.max_time_s),
        origins,
    )
    t2 = time.perf_counter()
    timings["profiles_s"] = t2 - t1
    timings["profile_events"] = int(ev_ptr[origins + 1].sum() - ev_ptr[origins].sum())
    out = {}
    for name, deps in deps_of.items():
        t3 = time.perf_counter()
        median = {k: np.empty(n_o) for k in keys}
        p90 = {k: np.empty(n_o) for k in keys}
        facility = {k: np.full(n_o, -1, np.int64) for k in keys}
        best = {k: np.full(n_o, INF) for k in keys}
        kept = np.empty((n_o, len(deps), n_types), np.float32) if keep_minutes else None
        for a in range(0, n_o, chunk):
            b = min(n_o, a + chunk)
            sub_ptr = acc_ptr[a : b + 1] - acc_ptr[a]
            sl = slice(acc_ptr[a], acc_ptr[b])
            res, res_fac = evaluate_profiles(
                deps.astype(np.float64),
                sub_ptr,
                acc_stop[sl],
                acc_time[sl],
                acc_k[sl],
                drt_h0,
                drt_h1,
                walk_direct[a:b],
                walk_direct_fac[a:b],
                drt_direct[:, a:b],
                drt_direct_fac[:, a:b],
                ev_ptr,
                ev_f,
                prof,
                prof_fac,
                egress,
                egress_fac,
                drt_egress,
                drt_egress_fac,
                float(params.max_time_s),
            )
            if kept is not None:
                kept[a:b] = res
            if len(deps):
                # the facility used at the (lower) median minute stands for the cell's trips
                mid = np.argsort(res, axis=1, kind="stable")[:, (len(deps) - 1) // 2, :]
                chosen = np.take_along_axis(res_fac, mid[:, None, :], axis=1)[:, 0, :]
            for i, key in enumerate(keys):
                median[key][a:b], p90[key][a:b] = minute_statistics(res[:, :, i])
                if len(deps):
                    facility[key][a:b] = chosen[:, i]
                    best[key][a:b] = res[:, :, i].min(axis=1)
        tm = dict(timings, evaluate_s=time.perf_counter() - t3)
        out[name] = TransitResult(deps, keys, kept, median, p90, tm, facility, best)
    return out


def _merge_events(parts: list, n_stops: int) -> tuple[np.ndarray, np.ndarray]:
    """The union of several (ptr, times) event lists, per stop ascending without repeats."""
    if not parts:
        return np.zeros(n_stops + 1, np.int64), np.zeros(0, np.int64)
    if len(parts) == 1:
        return parts[0]
    stop = np.concatenate([np.repeat(np.arange(n_stops), np.diff(ptr)) for ptr, _ in parts])
    times = np.concatenate([t for _, t in parts]).astype(np.int64)
    key = np.unique(stop * np.int64(10**7) + times)
    stop, times = key // 10**7, key % 10**7
    return np.searchsorted(stop, np.arange(n_stops + 1)).astype(np.int64), times


def minute_statistics(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and 90th percentile (nearest rank, so inf stays inf) over axis 1."""
    if times.shape[1] == 0:
        n = times.shape[0]
        return np.full(n, INF), np.full(n, INF)
    t = np.sort(np.asarray(times, np.float64), axis=1)
    n = t.shape[1]
    lo, hi = (n - 1) // 2, n // 2
    median = np.where(np.isinf(t[:, hi]), INF, (t[:, lo] + t[:, hi]) / 2)
    rank = int(np.ceil(0.9 * n)) - 1
    return median, t[:, rank]
