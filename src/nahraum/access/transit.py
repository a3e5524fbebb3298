"""Travel times by bus and train: walking access, RAPTOR over a departure window, walking egress.

The question planners ask is "how long does it take from home to the nearest GP by bus?", for
every population cell and every kind of facility, at any minute of the morning (07:00–09:00 by
default); the answer is the median and the 90th percentile over the departure minutes, as in
Conveyal's r5 (a bus every 60 minutes gives a bad 90th percentile even if one departure fits).

How it is computed (exact for the journey model below, checked against a brute-force
time-expanded search in ``tests/access/test_transit.py``):

1. Trips of the service day become RAPTOR *patterns* (same stop sequence, no overtaking).
2. For every stop s, a range-RAPTOR (rRAPTOR, Delling et al. 2012) runs once per departure
   *event* at s in the horizon, latest first, keeping labels between runs. After each run the
   earliest arrival at a facility of each type (arrival at a stop + walking egress) is taken over
   the stops whose label changed, so the *profile* A_T(s, τ) — earliest arrival at type T when
   leaving s at τ or later — costs no more than the runs themselves.
3. Every cell evaluates, per departure minute t, min(walk only, DRT direct,
   min over access stops s of A_T(s, t + access(c, s))) with a binary search in the profile.

Journey model: walk (≤ ``max_access_s``) or ride a demand-responsive service to a stop; ride
trips, changing between trips at a stop or with one walk (≤ ``max_transfer_s``) between stops;
walk (≤ ``max_egress_s``) or ride a demand-responsive service from the last stop to the
facility. Walking the whole way is always allowed (a journey planner would suggest it too), so
transit times are never worse than walking.

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
    "WalkLinks",
    "Walker",
    "build_patterns",
    "departure_events",
    "minute_statistics",
    "prepare",
    "travel_times",
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


def travel_times(
    prep: Prepared,
    origin_x: np.ndarray,
    origin_y: np.ndarray,
    facilities: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    keep_minutes: bool = False,
    chunk: int = 4000,
) -> TransitResult:
    """Travel times by public transport from every origin to the nearest facility of each type.

    ``facilities`` maps a type key to (x, y) arrays in the stops' CRS. Returns median and 90th
    percentile over the departure minutes of ``prep.params.window`` (inf: not reachable within
    ``max_time_s``).
    """
    import time

    timings = dict(prep.timings)
    params = prep.params
    keys = tuple(facilities)
    n_types = len(keys)
    ox = np.asarray(origin_x, float)
    oy = np.asarray(origin_y, float)
    n_o = len(ox)
    sx, sy = prep.stop_x, prep.stop_y
    n_s = len(sx)
    drt = prep.drt
    deps = params.departures()
    t0 = time.perf_counter()
    walker = prep.walker
    # walking egress stop → nearest facility of each type, and walking the whole way
    egress = np.full((n_s, n_types), INF)
    egress_fac = np.full((n_s, n_types), -1, np.int64)
    walk_direct = np.full((n_o, n_types), INF)
    walk_direct_fac = np.full((n_o, n_types), -1, np.int64)
    for i, key in enumerate(keys):
        fx, fy = (np.asarray(a, float) for a in facilities[key])
        egress[:, i], egress_fac[:, i] = walker.nearest(sx, sy, fx, fy, params.max_egress_s)
        walk_direct[:, i], walk_direct_fac[:, i] = walker.nearest(ox, oy, fx, fy, params.max_time_s)
    # demand-responsive: egress stop → facility and cell → facility inside the area
    n_k = len(drt)
    drt_h0 = np.array([d.start_s for d in drt], float)
    drt_h1 = np.array([d.end_s for d in drt], float)
    drt_egress = np.full((n_k, n_s, n_types), INF)
    drt_egress_fac = np.full((n_k, n_s, n_types), -1, np.int64)
    drt_direct = np.full((n_k, n_o, n_types), INF)
    drt_direct_fac = np.full((n_k, n_o, n_types), -1, np.int64)
    acc = walker.links(ox, oy, sx, sy, params.max_access_s)
    acc_src, acc_dst, acc_t = [acc.src], [acc.dst], [acc.time_s]
    acc_kind = [np.full(len(acc.src), -1, np.int64)]
    for k, d in enumerate(drt):
        s_in = np.flatnonzero(d.serves_stops(sx, sy))
        o_in = np.flatnonzero(d.contains(ox, oy))
        for i, key in enumerate(keys):
            fx, fy = (np.asarray(a, float) for a in facilities[key])
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
    # profiles at the stops some origin can reach
    # the latest time any origin can reach a stop: the horizon of the stop profiles
    hi = 0
    if len(deps) and len(acc_time):
        last = float(deps[-1])
        reach = (
            np.where(
                acc_k < 0, last, np.maximum(last, drt_h0[np.maximum(acc_k, 0)] if n_k else last)
            )
            + acc_time
        )
        hi = int(np.ceil(reach.max())) + 1
    ev_ptr, ev_time = departure_events(prep.patterns, int(deps[0]) if len(deps) else 0, hi)
    origins = np.unique(acc_stop).astype(np.int64)
    fp_ptr, fp_dst, fp_time = _csr(
        n_s,
        prep.transfers.src,
        prep.transfers.dst.astype(np.int64),
        prep.transfers.time_s.astype(float),
    )
    p = prep.patterns
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
        ev_time.astype(np.float64),
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
            ev_time.astype(np.float64),
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
    timings["evaluate_s"] = time.perf_counter() - t2
    return TransitResult(deps, keys, kept, median, p90, timings, facility, best)


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
