"""The compiled profile search: range-RAPTOR per stop over its departure events
(:func:`stop_profiles`), then per cell and departure minute the best of walking, demand-responsive
rides and the stop profiles (:func:`evaluate_profiles`). See :mod:`.transit` for the method."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


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
def stop_profiles(
    stop_ptr,
    stops,
    n_trips,
    time_off,
    arr,
    dep,
    sp_ptr,
    sp_pat,
    sp_pos,
    fp_ptr,
    fp_dst,
    fp_time,
    change_s,
    ev_ptr,
    ev_time,
    egress,
    egress_fac,
    drt_egress,
    drt_egress_fac,
    drt_h0,
    drt_h1,
    max_time,
    origins,
):
    """For every origin stop and its events: earliest arrival at each facility type.

    Three labels per stop, kept between the runs of one origin (range-RAPTOR, latest departure
    first: a label reached when leaving later is reachable when leaving earlier, by waiting):

    - ``l_trip``: earliest arrival by a trip (walks start only from here, and only from stops
      whose ``l_trip`` improved in this round, so a walk never follows a walk);
    - ``l_arr``: earliest arrival by any means (trip, one walk after a trip, the origin itself):
      what the egress is taken from;
    - ``l_board``: earliest time a trip may be boarded there: the origin's departure, a trip
      arrival plus the stop's minimum change time ``change_s`` (inf: no change there), or a walk
      arrival (a walk's time already includes any minimum transfer time of its pair).

    A stop reached first on foot therefore keeps its later trip arrival and the walk onward
    from it (issue 13 item 2a), and two stops improved in one round cannot chain walks (2b).
    """
    n_stops = sp_ptr.shape[0] - 1
    n_types = egress.shape[1]
    n_pat = n_trips.shape[0]
    out = np.full((ev_time.shape[0], n_types), np.inf)
    out_fac = np.full((ev_time.shape[0], n_types), -1, np.int64)
    for oi in prange(origins.shape[0]):
        s0 = origins[oi]
        if ev_ptr[s0 + 1] == ev_ptr[s0]:
            continue
        l_trip = np.full(n_stops, np.inf)
        l_arr = np.full(n_stops, np.inf)
        l_board = np.full(n_stops, np.inf)
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
            if tau < l_arr[s0]:
                l_arr[s0] = tau
                nchanged = _add(changed, changed_list, nchanged, s0)
            nm = 0
            if tau < l_board[s0]:
                l_board[s0] = tau
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
                nm = 0
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
                            if t_arr < l_trip[s] and t_arr <= bound:
                                l_trip[s] = t_arr
                                nt = _add(by_trip, tlist, nt, s)
                                if t_arr < l_arr[s]:
                                    l_arr[s] = t_arr
                                    nchanged = _add(changed, changed_list, nchanged, s)
                                t_b = t_arr + change_s[s]
                                if t_b < l_board[s]:
                                    l_board[s] = t_b
                                    nm = _add(marked, mlist, nm, s)
                        b = l_board[s]
                        if j < m - 1 and b < np.inf:
                            if trip < 0 or dep[off + trip * m + j] > b:
                                # earliest trip departing at j no earlier than b
                                hi = k if trip < 0 else trip
                                lo = 0
                                while lo < hi:
                                    mid = (lo + hi) >> 1
                                    if dep[off + mid * m + j] >= b:
                                        hi = mid
                                    else:
                                        lo = mid + 1
                                if lo < k and (trip < 0 or lo < trip):
                                    trip = lo
                # one walk from each stop whose trip arrival improved in this round
                for i in range(nt):
                    s = tlist[i]
                    by_trip[s] = False
                    for e in range(fp_ptr[s], fp_ptr[s + 1]):
                        d = fp_dst[e]
                        t = l_trip[s] + fp_time[e]
                        if t > bound:
                            continue
                        if t < l_arr[d]:
                            l_arr[d] = t
                            nchanged = _add(changed, changed_list, nchanged, d)
                        if t < l_board[d]:
                            l_board[d] = t
                            nm = _add(marked, mlist, nm, d)
            for i in range(nchanged):
                s = changed_list[i]
                changed[s] = False
                for ty in range(n_types):
                    v, f = _egress_value(
                        l_arr[s],
                        s,
                        ty,
                        egress,
                        egress_fac,
                        drt_egress,
                        drt_egress_fac,
                        drt_h0,
                        drt_h1,
                    )
                    if v < current[ty]:
                        current[ty] = v
                        current_fac[ty] = f
            for ty in range(n_types):
                out[ev, ty] = current[ty]
                out_fac[ev, ty] = current_fac[ty]
    return out, out_fac


@njit(cache=True, parallel=True)
def evaluate_profiles(
    deps,
    acc_ptr,
    acc_stop,
    acc_time,
    acc_kind,
    drt_h0,
    drt_h1,
    walk_direct,
    walk_direct_fac,
    drt_direct,
    drt_direct_fac,
    ev_ptr,
    ev_time,
    prof,
    prof_fac,
    egress,
    egress_fac,
    drt_egress,
    drt_egress_fac,
    max_time,
):
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
                    v, f = _egress_value(
                        x, s, ty, egress, egress_fac, drt_egress, drt_egress_fac, drt_h0, drt_h1
                    )
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
