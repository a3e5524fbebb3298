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
start and end inside the area (cell → stop, cell → facility, stop → facility). Changing from
one stop to another by Rufbus is not modelled.

No Django here (see ``nahraum.transit`` for the glue).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange
from scipy.spatial import cKDTree

from ._heap import pop, push
from .errors import AccessError
from .gtfs import Timetable
from .network import ACCESS_SPEED_MS, Network
from .snap import snap

INF = np.inf

__all__ = [
    "DemandResponsive",
    "TransitParams",
    "TransitResult",
    "WalkLinks",
    "build_patterns",
    "prepare",
    "travel_times",
]


@dataclass(frozen=True)
class TransitParams:
    """Parameters of the journey model (defaults: typical German planning practice)."""

    window: tuple[int, int] = (7 * 3600, 9 * 3600)  # departure minutes [start, end)
    step_s: int = 60
    max_access_s: float = 900.0     # 15 min on foot to the first stop (≈ 1.25 km at 5 km/h)
    max_egress_s: float = 900.0
    max_transfer_s: float = 300.0   # one walk of up to 5 min between stops when changing
    max_time_s: float = 3 * 3600.0  # longer journeys count as unreachable (inf)
    walk_speed_ms: float = ACCESS_SPEED_MS   # used without a street network and for access legs
    detour: float = 1.3             # straight line → street distance without a network
    max_snap_m: float = 500.0

    def departures(self) -> np.ndarray:
        return np.arange(self.window[0], self.window[1], self.step_s, dtype=np.int64)


@dataclass(frozen=True)
class DemandResponsive:
    """An area-based demand-responsive service (Rufbus / On-Demand-Verkehr)."""

    name: str
    area: object                   # shapely (Multi)Polygon in EPSG:25832
    start_s: int                   # first pick-up, seconds after midnight
    end_s: int                     # last pick-up
    max_wait_s: float
    speed_kmh: float = 30.0
    detour: float = 1.3

    def ride_s(self, dx: np.ndarray) -> np.ndarray:
        return np.asarray(dx) * self.detour / (self.speed_kmh / 3.6)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        import shapely

        return shapely.contains_xy(self.area, np.asarray(x, float), np.asarray(y, float))


# ------------------------------------------------------------------------------------------
# walking: sparse links within a time limit, and time to the nearest of a set of points


@dataclass(frozen=True)
class WalkLinks:
    """Sparse walking times from sources to targets (only pairs within the limit)."""

    src: np.ndarray
    dst: np.ndarray
    time_s: np.ndarray


@njit(cache=True, inline="always")
def _offer(dist, lab, touched, nt, hk, hn, size, node, cost, label, limit):
    """Offer ``node`` a path of ``cost`` starting at seed ``label``: taken if cheaper (and within
    ``limit``), or if as cheap from a smaller label — the node is not settled yet then, its key
    lying above the cost of the node it is reached from (bar zero-length edges). Returns the
    new counts of touched nodes and heap entries."""
    if cost <= limit and cost < dist[node]:
        if dist[node] == np.inf:
            touched[nt] = node
            nt += 1
        dist[node] = cost
        lab[node] = label
        size = push(hk, hn, size, cost, node)
    elif cost == dist[node] and label < lab[node]:
        lab[node] = label
    return nt, size


@njit(cache=True)
def _bounded_many(indptr, indices, w, seed_ptr, seed_node, seed_cost, seed_label, limit,
                  target_of_node):
    """One bounded Dijkstra per seed group; returns (group, node, cost, label) for every reached
    node marked in ``target_of_node`` (≥ 0); the label is that of the seed the path starts at,
    the smallest label where several seeds tie (so the answer does not hang on the heap's
    order of equal keys; ties across a zero-length edge may keep either)."""
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    lab = np.full(n, -1, np.int64)
    out_l = []
    touched = np.empty(n, np.int64)
    out_g = []
    out_node = []
    out_c = []
    cap = indices.shape[0] + seed_node.shape[0] + 1
    hk = np.empty(cap, np.float64)
    hn = np.empty(cap, np.int64)
    for g in range(seed_ptr.shape[0] - 1):
        size = 0
        nt = 0
        for i in range(seed_ptr[g], seed_ptr[g + 1]):
            nt, size = _offer(dist, lab, touched, nt, hk, hn, size, seed_node[i], seed_cost[i],
                              seed_label[i], limit)
        while size > 0:
            c, u, size = pop(hk, hn, size)
            if c > dist[u]:
                continue
            if target_of_node[u] >= 0:
                out_g.append(g)
                out_node.append(u)
                out_c.append(c)
                out_l.append(lab[u])
            for e in range(indptr[u], indptr[u + 1]):
                nt, size = _offer(dist, lab, touched, nt, hk, hn, size, indices[e], c + w[e],
                                  lab[u], limit)
        for i in range(nt):
            dist[touched[i]] = np.inf
    return (np.array(out_g, np.int64), np.array(out_node, np.int64), np.array(out_c, np.float64),
            np.array(out_l, np.int64))


class Walker:
    """Walking on the street network (or, without one, straight line × detour)."""

    def __init__(self, network: Network | None, params: TransitParams) -> None:
        self.network = network
        self.params = params

    def _seeds(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point up to two (node, seconds) seeds: both ends of its snapped edge."""
        net = self.network
        s = snap(net, x, y, max_distance_m=self.params.max_snap_m)
        pts, nodes, costs = [], [], []
        ok = np.flatnonzero(s.edge >= 0)
        e = s.edge[ok]
        length = np.maximum(net.length_m[e], 1e-9)
        frac = np.clip(s.offset_m[ok] / length, 0.0, 1.0)
        access = s.access_m[ok] / self.params.walk_speed_ms
        t = net.time_s[e]
        tail = net.tail[e]
        head = net.indices[e].astype(np.int64)
        pts += [ok, ok]
        nodes += [head, tail]
        costs += [access + (1 - frac) * t, access + frac * t]
        p = np.concatenate(pts)
        order = np.argsort(p, kind="stable")
        return p[order], np.concatenate(nodes)[order], np.concatenate(costs)[order]

    def links(self, sx: np.ndarray, sy: np.ndarray, tx: np.ndarray, ty: np.ndarray,
              limit_s: float) -> WalkLinks:
        """All (source, target, seconds) with walking time ≤ ``limit_s``."""
        if self.network is None:
            speed = self.params.walk_speed_ms / self.params.detour
            tree = cKDTree(np.column_stack([tx, ty]))
            pairs = tree.query_ball_point(np.column_stack([sx, sy]), r=limit_s * speed)
            src = np.repeat(np.arange(len(sx)), [len(p) for p in pairs])
            dst = np.concatenate([np.asarray(p, np.int64) for p in pairs]) if len(pairs) else \
                np.zeros(0, np.int64)
            t = np.hypot(sx[src] - tx[dst], sy[src] - ty[dst]) / speed
            keep = t <= limit_s
            return WalkLinks(src[keep], dst[keep], t[keep])
        net = self.network
        # Search backwards from every target (reverse graph): cost of source node → target.
        r_indptr, r_indices, _ = net.reverse
        r_w = net.reverse_weights("time")
        tp, tnode, tcost = self._seeds(tx, ty)
        seed_ptr = np.searchsorted(tp, np.arange(len(tx) + 1))
        sp, snode, scost = self._seeds(sx, sy)
        node_mark = np.full(net.n_nodes, -1, np.int64)
        node_mark[snode] = 1
        g, node, c, _ = _bounded_many(r_indptr, r_indices.astype(np.int64), r_w, seed_ptr,
                                      tnode.astype(np.int64), tcost, tp.astype(np.int64),
                                      float(limit_s), node_mark)
        # node → the source points seeded there
        order = np.argsort(snode, kind="stable")
        sn, spt, sc = snode[order], sp[order], scost[order]
        lo = np.searchsorted(sn, node, "left")
        hi = np.searchsorted(sn, node, "right")
        reps = hi - lo
        rows = np.repeat(np.arange(len(node)), reps)
        starts = np.cumsum(reps) - reps
        idx = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(starts - lo, reps)
        total = c[rows] + sc[idx]
        src, dst = spt[idx], g[rows]
        keep = total <= limit_s
        src, dst, total = src[keep], dst[keep], total[keep]
        # a pair may come through two seeds: keep the cheaper
        key = src * (len(tx) + 1) + dst
        order = np.lexsort((total, key))
        key, src, dst, total = key[order], src[order], dst[order], total[order]
        first = np.ones(len(key), bool)
        first[1:] = key[1:] != key[:-1]
        return WalkLinks(src[first], dst[first], total[first])

    def nearest(self, sx: np.ndarray, sy: np.ndarray, tx: np.ndarray, ty: np.ndarray,
                limit_s: float = INF) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from every source to its nearest target, and that target's index
        (inf and -1 if none within the limit)."""
        out = np.full(len(sx), INF)
        idx = np.full(len(sx), -1, np.int64)
        if len(tx) == 0 or len(sx) == 0:
            return out, idx
        if self.network is None:
            speed = self.params.walk_speed_ms / self.params.detour
            d, i = cKDTree(np.column_stack([tx, ty])).query(np.column_stack([sx, sy]))
            t = d / speed
            ok = t <= limit_s
            return np.where(ok, t, INF), np.where(ok, i, -1).astype(np.int64)
        net = self.network
        r_indptr, r_indices, _ = net.reverse
        r_w = net.reverse_weights("time")
        tp, tnode, tcost = self._seeds(tx, ty)
        sp, snode, scost = self._seeds(sx, sy)
        mark = np.ones(net.n_nodes, np.int64)
        g, node, c, lab = _bounded_many(
            r_indptr, r_indices.astype(np.int64), r_w, np.array([0, len(tnode)], np.int64),
            tnode.astype(np.int64), tcost, tp.astype(np.int64), float(min(limit_s, 1e12)), mark)
        dist = np.full(net.n_nodes, INF)
        label = np.full(net.n_nodes, -1, np.int64)
        dist[node] = c
        label[node] = lab
        total = dist[snode] + scost
        order = np.lexsort((label[snode], total, sp))  # ties: the smallest target index
        first = np.ones(len(order), bool)
        first[1:] = sp[order][1:] != sp[order][:-1]
        best = order[first]
        out[sp[best]] = total[best]
        idx[sp[best]] = label[snode[best]]
        ok = out <= limit_s
        return np.where(ok, out, INF), np.where(ok, idx, -1)


# ------------------------------------------------------------------------------------------
# RAPTOR patterns


@dataclass(frozen=True)
class Patterns:
    """Trips grouped into RAPTOR routes: same stops in the same order, no overtaking."""

    stop_ptr: np.ndarray    # [P+1] into stops
    stops: np.ndarray       # stop index per pattern position
    n_trips: np.ndarray     # [P]
    time_off: np.ndarray    # [P] offset into arr/dep (trip-major: off + k*m + j)
    arr: np.ndarray
    dep: np.ndarray
    sp_ptr: np.ndarray      # stop → (pattern, position) CSR
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
            if (np.all(tt.dep[a:b] >= tt.dep[la:lb]) and np.all(tt.arr[a:b] >= tt.arr[la:lb])):
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
    pos = np.arange(len(stops_a)) - stop_ptr_a[pat_of_pos] if len(stops_a) else np.zeros(0, np.int64)
    o = np.argsort(stops_a, kind="stable")
    sp_ptr = np.searchsorted(stops_a[o], np.arange(tt.n_stops + 1)).astype(np.int64)
    def cat(xs):
        return (np.concatenate(xs).astype(np.int64) if xs else np.zeros(0, np.int64))
    return Patterns(stop_ptr_a, stops_a, np.array(n_trips, np.int64),
                    np.array(time_off, np.int64), cat(arrs), cat(deps), sp_ptr,
                    pat_of_pos[o].astype(np.int64), pos[o].astype(np.int64), tt.n_stops)


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
        d = p.dep[p.time_off[q]:p.time_off[q] + m * k].reshape(k, m)[:, :-1]
        st.append(np.broadcast_to(p.stops[a:b - 1], d.shape).ravel())
        tm.append(d.ravel())
    if not st:
        return np.zeros(p.n_stops + 1, np.int64), np.zeros(0, np.int64)
    s = np.concatenate(st)
    t = np.concatenate(tm).astype(np.int64)
    keep = t >= lo
    s, t = s[keep], t[keep]
    key = np.unique(s * (10 ** 7) + t)
    s, t = key // 10 ** 7, key % 10 ** 7
    # keep events ≤ hi and, per stop, the first one after hi
    after = t > hi
    first_after = after & np.concatenate([[True], (s[1:] != s[:-1]) | ~after[:-1]])
    keep = ~after | first_after
    s, t = s[keep], t[keep]
    ptr = np.searchsorted(s, np.arange(p.n_stops + 1)).astype(np.int64)
    return ptr, t


# ------------------------------------------------------------------------------------------
# the profile search


@njit(cache=True, inline="always")
def _egress_value(x, p, ty, egress, egress_fac, drt_egress, drt_egress_fac, drt_h0, drt_h1):
    best = x + egress[p, ty]
    fac = egress_fac[p, ty]
    for k in range(drt_h0.shape[0]):
        y = max(x, drt_h0[k])
        if y <= drt_h1[k]:
            v = y + drt_egress[k, p, ty]
            if v < best:
                best = v
                fac = drt_egress_fac[k, p, ty]
    return best, fac


@njit(cache=True, inline="always")
def _add(flag, items, n, s):
    """Add stop ``s`` to the set kept as a flag per stop plus a list ``items[:n]`` (so that it
    can be walked and cleared in O(size)) unless it is in already; returns the new size."""
    if not flag[s]:
        flag[s] = True
        items[n] = s
        n += 1
    return n


@njit(cache=True, parallel=True)
def _profiles(stop_ptr, stops, n_trips, time_off, arr, dep, sp_ptr, sp_pat, sp_pos,
              fp_ptr, fp_dst, fp_time, ev_ptr, ev_time, egress, egress_fac, drt_egress,
              drt_egress_fac, drt_h0, drt_h1, max_time, origins):
    """For every origin stop and its events: earliest arrival at each facility type."""
    n_stops = sp_ptr.shape[0] - 1
    n_types = egress.shape[1]
    n_pat = n_trips.shape[0]
    out = np.full((ev_time.shape[0], n_types), np.inf)
    out_fac = np.full((ev_time.shape[0], n_types), -1, np.int64)
    for oi in prange(origins.shape[0]):
        s0 = origins[oi]
        if ev_ptr[s0 + 1] == ev_ptr[s0]:
            continue
        label = np.full(n_stops, np.inf)
        marked = np.zeros(n_stops, np.bool_)
        by_trip = np.zeros(n_stops, np.bool_)
        changed = np.zeros(n_stops, np.bool_)
        changed_list = np.empty(n_stops, np.int64)
        queue = np.full(n_pat, -1, np.int64)
        qlist = np.empty(n_pat, np.int64)
        mlist = np.empty(n_stops, np.int64)
        tlist = np.empty(n_stops, np.int64)
        current = np.full(n_types, np.inf)
        current_fac = np.full(n_types, -1, np.int64)
        for ev in range(ev_ptr[s0 + 1] - 1, ev_ptr[s0] - 1, -1):
            tau = ev_time[ev]
            bound = tau + max_time
            nchanged = 0
            if tau < label[s0]:
                label[s0] = tau
                nchanged = _add(changed, changed_list, nchanged, s0)
            nm = _add(marked, mlist, 0, s0)
            while nm > 0:
                # collect patterns through marked stops, from their earliest marked position
                nq = 0
                for i in range(nm):
                    s = mlist[i]
                    marked[s] = False
                    for e in range(sp_ptr[s], sp_ptr[s + 1]):
                        q = sp_pat[e]
                        pos = sp_pos[e]
                        if queue[q] < 0:
                            qlist[nq] = q
                            nq += 1
                            queue[q] = pos
                        elif pos < queue[q]:
                            queue[q] = pos
                nt = 0
                for qi in range(nq):
                    q = qlist[qi]
                    j0 = queue[q]
                    queue[q] = -1
                    a = stop_ptr[q]
                    m = stop_ptr[q + 1] - a
                    k = n_trips[q]
                    off = time_off[q]
                    trip = -1
                    for j in range(j0, m):
                        s = stops[a + j]
                        if trip >= 0:
                            t_arr = arr[off + trip * m + j]
                            if t_arr < label[s] and t_arr <= bound:
                                label[s] = t_arr
                                nt = _add(by_trip, tlist, nt, s)
                                nchanged = _add(changed, changed_list, nchanged, s)
                        if j < m - 1 and label[s] < np.inf:
                            if trip < 0 or dep[off + trip * m + j] > label[s]:
                                # earliest trip departing at j no earlier than label[s]
                                hi = k if trip < 0 else trip
                                lo = 0
                                while lo < hi:
                                    mid = (lo + hi) >> 1
                                    if dep[off + mid * m + j] >= label[s]:
                                        hi = mid
                                    else:
                                        lo = mid + 1
                                if lo < k and (trip < 0 or lo < trip):
                                    trip = lo
                nm = 0
                for i in range(nt):
                    s = tlist[i]
                    by_trip[s] = False
                    nm = _add(marked, mlist, nm, s)
                # one walk from each stop reached by a trip in this round
                for i in range(nt):
                    s = tlist[i]
                    for e in range(fp_ptr[s], fp_ptr[s + 1]):
                        d = fp_dst[e]
                        t = label[s] + fp_time[e]
                        if t < label[d] and t <= bound:
                            label[d] = t
                            nchanged = _add(changed, changed_list, nchanged, d)
                            nm = _add(marked, mlist, nm, d)
            for i in range(nchanged):
                s = changed_list[i]
                changed[s] = False
                for ty in range(n_types):
                    v, f = _egress_value(label[s], s, ty, egress, egress_fac, drt_egress,
                                         drt_egress_fac, drt_h0, drt_h1)
                    if v < current[ty]:
                        current[ty] = v
                        current_fac[ty] = f
            for ty in range(n_types):
                out[ev, ty] = current[ty]
                out_fac[ev, ty] = current_fac[ty]
    return out, out_fac


@njit(cache=True, parallel=True)
def _evaluate(deps, acc_ptr, acc_stop, acc_time, acc_kind, drt_h0, drt_h1, walk_direct,
              walk_direct_fac, drt_direct, drt_direct_fac, ev_ptr, ev_time, prof, prof_fac,
              egress, egress_fac, drt_egress, drt_egress_fac, max_time):
    """Per cell, departure minute and type: the earliest arrival, as a travel time (s)."""
    n_cells = acc_ptr.shape[0] - 1
    n_dep = deps.shape[0]
    n_types = walk_direct.shape[1]
    out = np.full((n_cells, n_dep, n_types), np.inf, np.float32)
    out_fac = np.full((n_cells, n_dep, n_types), -1, np.int32)
    for c in prange(n_cells):
        best = np.empty(n_types)
        best_fac = np.empty(n_types, np.int64)
        for di in range(n_dep):
            t = deps[di]
            for ty in range(n_types):
                best[ty] = t + walk_direct[c, ty]
                best_fac[ty] = walk_direct_fac[c, ty]
            for k in range(drt_h0.shape[0]):
                y = max(t, drt_h0[k])
                if y <= drt_h1[k]:
                    for ty in range(n_types):
                        v = y + drt_direct[k, c, ty]
                        if v < best[ty]:
                            best[ty] = v
                            best_fac[ty] = drt_direct_fac[k, c, ty]
            for e in range(acc_ptr[c], acc_ptr[c + 1]):
                s = acc_stop[e]
                kind = acc_kind[e]
                if kind < 0:
                    x = t + acc_time[e]
                else:
                    y = max(t, drt_h0[kind])
                    if y > drt_h1[kind]:
                        continue
                    x = y + acc_time[e]
                # leave the stop on foot or by Rufbus at once (a stop without departures is
                # still a place the Rufbus picks people up)
                for ty in range(n_types):
                    v, f = _egress_value(x, s, ty, egress, egress_fac, drt_egress,
                                         drt_egress_fac, drt_h0, drt_h1)
                    if v < best[ty]:
                        best[ty] = v
                        best_fac[ty] = f
                lo = ev_ptr[s]
                hi = ev_ptr[s + 1]
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if ev_time[mid] >= x:
                        hi = mid
                    else:
                        lo = mid + 1
                if lo < ev_ptr[s + 1]:
                    for ty in range(n_types):
                        v = prof[lo, ty]
                        if v < best[ty]:
                            best[ty] = v
                            best_fac[ty] = prof_fac[lo, ty]
            for ty in range(n_types):
                d = best[ty] - t
                if d <= max_time:
                    out[c, di, ty] = d
                    out_fac[c, di, ty] = best_fac[ty]
    return out, out_fac


# ------------------------------------------------------------------------------------------
# public entry points


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


def prepare(tt: Timetable, stop_x: np.ndarray, stop_y: np.ndarray, *,
            walk_network: Network | None = None, params: TransitParams | None = None,
            drt: Sequence[DemandResponsive] = ()) -> Prepared:
    """Patterns and walking transfers between stops (done once per timetable and network)."""
    import time

    params = params or TransitParams()
    if len(stop_x) != tt.n_stops or len(stop_y) != tt.n_stops:
        raise AccessError(f"stop coordinates: expected {tt.n_stops} stops, got {len(stop_x)}")
    t0 = time.perf_counter()
    pat = build_patterns(tt)
    t1 = time.perf_counter()
    walker = Walker(walk_network, params)
    tr = walker.links(stop_x, stop_y, stop_x, stop_y, params.max_transfer_s)
    keep = tr.src != tr.dst
    tr = WalkLinks(tr.src[keep], tr.dst[keep], tr.time_s[keep])
    t2 = time.perf_counter()
    return Prepared(pat, np.asarray(stop_x, float), np.asarray(stop_y, float), tr, walker, params,
                    tuple(drt), {"patterns_s": t1 - t0, "transfers_s": t2 - t1})


@dataclass(frozen=True)
class TransitResult:
    """Travel times (s) per origin and facility type over the departure minutes."""

    departures: np.ndarray                 # [n_dep] seconds after midnight
    keys: tuple[str, ...]                  # facility type keys, in the order of the last axis
    times: np.ndarray | None               # float32 [n_origins, n_dep, n_types] if kept
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


def travel_times(prep: Prepared, origin_x: np.ndarray, origin_y: np.ndarray,
                 facilities: Mapping[str, tuple[np.ndarray, np.ndarray]], *,
                 keep_minutes: bool = False, chunk: int = 4000) -> TransitResult:
    """Travel times by public transport from every origin to the nearest facility of each type.

    ``facilities`` maps a type key to (x, y) arrays in EPSG:25832. Returns median and 90th
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
        walk_direct[:, i], walk_direct_fac[:, i] = walker.nearest(ox, oy, fx, fy,
                                                                  params.max_time_s)
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
        s_in = np.flatnonzero(d.contains(sx, sy))
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
        n_o, np.concatenate(acc_src), np.concatenate(acc_dst).astype(np.int64),
        np.concatenate(acc_t).astype(float), np.concatenate(acc_kind))
    t1 = time.perf_counter()
    timings["walking_s"] = t1 - t0
    # profiles at the stops some origin can reach
    # the latest time any origin can reach a stop: the horizon of the stop profiles
    hi = 0
    if len(deps) and len(acc_time):
        last = float(deps[-1])
        reach = np.where(acc_k < 0, last, np.maximum(last, drt_h0[np.maximum(acc_k, 0)]
                                                         if n_k else last)) + acc_time
        hi = int(np.ceil(reach.max())) + 1
    ev_ptr, ev_time = departure_events(prep.patterns, int(deps[0]) if len(deps) else 0, hi)
    origins = np.unique(acc_stop).astype(np.int64)
    fp_ptr, fp_dst, fp_time = _csr(n_s, prep.transfers.src, prep.transfers.dst.astype(np.int64),
                                   prep.transfers.time_s.astype(float))
    p = prep.patterns
    prof, prof_fac = _profiles(
        p.stop_ptr, p.stops, p.n_trips, p.time_off, p.arr.astype(np.float64),
        p.dep.astype(np.float64), p.sp_ptr, p.sp_pat, p.sp_pos, fp_ptr, fp_dst, fp_time, ev_ptr,
        ev_time.astype(np.float64), egress, egress_fac, drt_egress, drt_egress_fac, drt_h0,
        drt_h1, float(params.max_time_s), origins)
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
        sub_ptr = acc_ptr[a:b + 1] - acc_ptr[a]
        sl = slice(acc_ptr[a], acc_ptr[b])
        res, res_fac = _evaluate(
            deps.astype(np.float64), sub_ptr, acc_stop[sl], acc_time[sl], acc_k[sl], drt_h0,
            drt_h1, walk_direct[a:b], walk_direct_fac[a:b], drt_direct[:, a:b],
            drt_direct_fac[:, a:b], ev_ptr, ev_time.astype(np.float64), prof, prof_fac, egress,
            egress_fac, drt_egress, drt_egress_fac, float(params.max_time_s))
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
