"""Numba kernels: Dijkstra variants over CSR arrays.

All kernels use a lazy 4-ary heap (a node may sit in the heap more than once; an entry is stale
when its key exceeds the node's cost, and skipped when popped — a node is pushed only on a
strict improvement, so exactly one entry per node carries its final cost). Each edge is relaxed
once, when its tail is settled, so the heap never holds more than ``n_edges + n_seeds`` entries
and can be allocated once.

Points on edges enter as *seeds* (node, cost: where a search starts) and *attachments* (node,
cost: where a search's result is read off for a sink point); see ``route.py``. Compiled with
``cache=True``: the first call in a fresh environment compiles (a few seconds, reported
separately by the benchmark), later processes load the machine code from ``__pycache__``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import pop, push

INF = np.inf


@njit(cache=True)
def multi_source(
    indptr,
    indices,
    w,
    w2,
    seed_node,
    seed_cost,
    seed_cost2,
    seed_label,
    bound,
    track2,
    dist,
    dist2,
    lab,
):
    """One Dijkstra from many seeds at once: for every node the cheapest seed (its label),
    the cost, and the secondary cost (e.g. metres when the primary is seconds) along that path.
    Without ``track2`` the secondary cost is not kept (the caller derives it). The outputs
    ``dist``, ``dist2``, ``lab`` are allocated by the caller (see ``csr_fill`` on why)."""
    dist[:] = INF
    dist2[:] = INF
    lab[:] = -1
    cap = indices.shape[0] + seed_node.shape[0] + 1
    hk = np.empty(cap, np.float64)
    hn = np.empty(cap, np.int32)
    size = 0
    for i in range(seed_node.shape[0]):
        nd = seed_node[i]
        c = seed_cost[i]
        if c <= bound and c < dist[nd]:
            dist[nd] = c
            if track2:
                dist2[nd] = seed_cost2[i]
            lab[nd] = seed_label[i]
            size = push(hk, hn, size, c, nd)
    while size > 0:
        d, u, size = pop(hk, hn, size)
        if d > dist[u]:
            continue
        lu = lab[u]
        du2 = dist2[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + w[e]
            if nd < dist[v] and nd <= bound:
                dist[v] = nd
                if track2:  # loop-invariant: the compiler moves it out of the loop
                    dist2[v] = du2 + w2[e]
                lab[v] = lu
                size = push(hk, hn, size, nd, v)
    return dist, dist2, lab


@njit(cache=True, inline="always")
def _grown(a, used, size):
    """A larger copy of ``a`` (``size`` entries) keeping its first ``used``."""
    b = np.empty(size, a.dtype)
    b[:used] = a[:used]
    return b


@njit(cache=True, inline="always")
def _has_label(lab, node, count, label):
    """Whether ``label`` is among the first ``count`` labels kept at ``node``."""
    for j in range(count):
        if lab[node, j] == label:
            return True
    return False


@njit(cache=True)
def multi_source_k(indptr, indices, w, w2, seed_node, seed_cost, seed_cost2, seed_label, k, bound):
    """Like :func:`multi_source`, but every node keeps its ``k`` cheapest *distinct* seeds.

    A node may be settled up to k times, once per label; the first time a label is popped at a
    node is that label's shortest cost there (the usual Dijkstra argument, per label)."""
    n = indptr.shape[0] - 1
    dist = np.full((n, k), INF)
    dist2 = np.full((n, k), INF)
    lab = np.full((n, k), -1, np.int64)
    cnt = np.zeros(n, np.int64)
    cap = indices.shape[0] + seed_node.shape[0] + 1
    hk = np.empty(cap, np.float64)
    hn = np.empty(cap, np.int64)  # entry id into the side arrays below
    el = np.empty(cap, np.int64)
    en = np.empty(cap, np.int64)
    e2 = np.empty(cap, np.float64)
    # entries are appended to side arrays (en: node, el: label, e2: secondary cost); the heap
    # orders entry ids by cost. Free ids are recycled through a stack.
    free = np.empty(cap, np.int64)
    nfree = 0
    nent = 0
    size = 0
    for i in range(seed_node.shape[0]):
        c = seed_cost[i]
        if c <= bound:
            if nent == hk.shape[0]:
                break
            en[nent] = seed_node[i]
            el[nent] = seed_label[i]
            e2[nent] = seed_cost2[i]
            size = push(hk, hn, size, c, nent)
            nent += 1
    while size > 0:
        d, ent, size = pop(hk, hn, size)
        u = en[ent]
        lu = el[ent]
        du2 = e2[ent]
        free[nfree] = ent
        nfree += 1
        cu = cnt[u]
        if cu >= k or _has_label(lab, u, cu, lu):
            continue
        dist[u, cu] = d
        dist2[u, cu] = du2
        lab[u, cu] = lu
        cnt[u] = cu + 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + w[e]
            cv = cnt[v]
            if nd > bound or cv >= k or _has_label(lab, v, cv, lu):
                continue
            if nfree > 0:
                nfree -= 1
                slot = free[nfree]
            else:
                if nent == en.shape[0]:
                    grow = en.shape[0] * 2
                    hk = _grown(hk, size, grow)
                    hn = _grown(hn, size, grow)
                    en = _grown(en, nent, grow)
                    el = _grown(el, nent, grow)
                    e2 = _grown(e2, nent, grow)
                    free = _grown(free, nfree, grow)
                slot = nent
                nent += 1
            en[slot] = v
            el[slot] = lu
            e2[slot] = du2 + w2[e]
            size = push(hk, hn, size, nd, slot)
    return dist, dist2, lab


@njit(cache=True, inline="always")
def _decay(b, decay, beta, bound):
    if decay == 0:  # cumulative (step)
        return 1.0
    if decay == 1:  # exponential
        return np.exp(-beta * b)
    if decay == 2:  # gaussian
        return np.exp(-beta * b * b)
    if decay == 3:  # power (inverse), costs below 1 count as 1
        return max(b, 1.0) ** (-beta)
    return max(0.0, 1.0 - b / bound)  # linear to zero at the bound


@njit(cache=True, nogil=True)
def per_source(
    indptr,
    indices,
    w,
    src_ptr,
    seed_node,
    seed_cost,
    att_ptr,
    att_sink,
    att_cost,
    dptr,
    dsink,
    dcost,
    n_sinks,
    bound,
    mode,
    decay,
    beta,
    weights,
    lo,
    hi,
    n_needed,
    out_od,
    acc,
    out_src,
):
    """One bounded, targeted Dijkstra per source point ``lo <= s < hi``.

    mode 0: write every sink's cost into ``out_od[source, sink]``;
    mode 1: add ``weights[source] * decay(cost)`` to ``acc[sink]``;
    mode 2: add ``weights[sink] * decay(cost)`` to ``out_src[source]``.
    A search stops at ``bound`` or once all ``n_needed`` nodes carrying a sink are settled.
    Releases the GIL, so that chunks of sources run on Python threads side by side (plain
    threads rather than numba's OpenMP pool, whose spinning workers hurt on a busy machine)."""
    n = indptr.shape[0] - 1
    max_seeds = 0
    for s in range(lo, hi):
        if src_ptr[s + 1] - src_ptr[s] > max_seeds:
            max_seeds = src_ptr[s + 1] - src_ptr[s]
    cap = indices.shape[0] + max_seeds + 1
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    best = np.full(n_sinks, INF)
    stouched = np.empty(n_sinks, np.int64)
    hk = np.empty(cap, np.float64)
    hn = np.empty(cap, np.int32)
    # unbounded searches touch most nodes: resetting everything is cheaper than tracking
    track = bound < INF
    for s in range(lo, hi):
        nt = 0
        ns = 0
        size = 0
        for i in range(src_ptr[s], src_ptr[s + 1]):
            nd = seed_node[i]
            cst = seed_cost[i]
            if cst <= bound and cst < dist[nd]:
                if track and dist[nd] == INF:
                    touched[nt] = nd
                    nt += 1
                dist[nd] = cst
                size = push(hk, hn, size, cst, nd)
        for i in range(dptr[s], dptr[s + 1]):
            j = dsink[i]
            cst = dcost[i]
            if cst < best[j]:
                if best[j] == INF:
                    stouched[ns] = j
                    ns += 1
                best[j] = cst
        settled_needed = 0
        while size > 0:
            d, u, size = pop(hk, hn, size)
            if d > dist[u]:
                continue
            a0 = att_ptr[u]
            a1 = att_ptr[u + 1]
            if a1 > a0:
                for i in range(a0, a1):
                    j = att_sink[i]
                    cst = d + att_cost[i]
                    if cst < best[j]:
                        if best[j] == INF:
                            stouched[ns] = j
                            ns += 1
                        best[j] = cst
                settled_needed += 1
                if settled_needed == n_needed:
                    break
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + w[e]
                if nd < dist[v] and nd <= bound:
                    if track and dist[v] == INF:
                        touched[nt] = v
                        nt += 1
                    dist[v] = nd
                    size = push(hk, hn, size, nd, v)
        for t in range(ns):
            j = stouched[t]
            b = best[j]
            if b <= bound:
                if mode == 0:
                    out_od[s, j] = b
                elif mode == 1:
                    acc[j] += weights[s] * _decay(b, decay, beta, bound)
                else:
                    out_src[s] += weights[j] * _decay(b, decay, beta, bound)
            best[j] = INF
        if track:
            for t in range(nt):
                dist[touched[t]] = INF
        else:
            dist[:] = INF


def single_source_all(indptr, indices, w, seed_node, seed_cost, bound):
    """Plain Dijkstra from a few seeds: the cost to every node (``inf`` beyond ``bound``);
    :func:`multi_source` without labels or a secondary cost."""
    n = indptr.shape[0] - 1
    dist = np.empty(n)
    seed_node = np.asarray(seed_node, np.int64)
    seed_cost = np.asarray(seed_cost, np.float64)
    multi_source(
        indptr,
        indices,
        w,
        w,
        seed_node,
        seed_cost,
        seed_cost,
        np.zeros(seed_node.shape[0], np.int64),
        float(bound),
        False,
        dist,
        np.empty(n),
        np.empty(n, np.int64),
    )
    return dist


@njit(cache=True)
def csr_degrees(n, u, v, oneway):
    """``indptr`` of the directed CSR of streets (u→v, and v→u unless one-way)."""
    m = u.shape[0]
    deg = np.zeros(n + 1, np.int64)
    for i in range(m):
        deg[u[i] + 1] += 1
        if not oneway[i]:
            deg[v[i] + 1] += 1
    for i in range(n):
        deg[i + 1] += deg[i]
    return deg


@njit(cache=True)
def csr_fill(indptr, u, v, length, time, oneway, indices, out_len, out_time, twin):
    """Scatter streets into CSR arrays allocated by the caller (numpy allocates large arrays
    on transparent huge pages; first-touch page faults otherwise cost as much as the scatter).
    Street i gives u→v and, unless one-way, v→u; both know each other (``twin``)."""
    n = indptr.shape[0] - 1
    fill = indptr[:n].copy()
    for i in range(u.shape[0]):
        a = u[i]
        b = v[i]
        e = fill[a]
        fill[a] = e + 1
        indices[e] = b
        out_len[e] = length[i]
        out_time[e] = time[i]
        if oneway[i]:
            twin[e] = -1
        else:
            f = fill[b]
            fill[b] = f + 1
            indices[f] = a
            out_len[f] = length[i]
            out_time[f] = time[i]
            twin[e] = f
            twin[f] = e


@njit(cache=True, inline="always")
def _on_edge(le, offset, access, acc_rate, acc_rate2):
    """A point's place on its edge: (fraction from the tail clipped to [0, 1], access metres,
    access cost in the primary and the secondary unit); NaN offsets and access count as 0."""
    f = offset / le if le > 0 else 0.0
    if not f >= 0.0:  # also NaN
        f = 0.0
    elif f > 1.0:
        f = 1.0
    acc = access
    if not acc >= 0.0:
        acc = 0.0
    return f, acc, acc * acc_rate, acc * acc_rate2


@njit(cache=True)
def legs(
    ptail,
    head,
    twin,
    w,
    w2,
    edge,
    offset,
    access,
    length,
    acc_rate,
    acc_rate2,
    leave,
    na,
    ca,
    ca2,
    nb,
    cb,
    cb2,
):
    """Per point the two legs between the point and its edge's end nodes (see ``_points.legs``),
    in one pass without numpy temporaries. ``ptail``: each point's edge's tail node.
    Node -1: no such leg."""
    n = edge.shape[0]
    na[:] = -1
    nb[:] = -1
    ca[:] = INF
    cb[:] = INF
    ca2[:] = INF
    cb2[:] = INF
    for i in range(n):
        e = edge[i]
        if e < 0:
            continue
        f, _, a1, a2 = _on_edge(length[e], offset[i], access[i], acc_rate, acc_rate2)
        t = twin[e]
        a = ptail[i]
        b = head[e]
        if leave:
            if f < 1.0 and (f == 0.0 or t >= 0):
                na[i] = a
                if f == 0.0:
                    ca[i] = a1
                    ca2[i] = a2
                else:
                    ca[i] = a1 + f * w[t]
                    ca2[i] = a2 + f * w2[t]
            if f > 0.0:
                nb[i] = b
                ca_ = 1.0 - f
                cb[i] = a1 + ca_ * w[e]
                cb2[i] = a2 + ca_ * w2[e]
        else:
            if f < 1.0:
                na[i] = a
                ca[i] = a1 + f * w[e]
                ca2[i] = a2 + f * w2[e]
            if f > 0.0 and (f == 1.0 or t >= 0):
                nb[i] = b
                if f == 1.0:
                    cb[i] = a1
                    cb2[i] = a2
                else:
                    cb[i] = a1 + (1.0 - f) * w[t]
                    cb2[i] = a2 + (1.0 - f) * w2[t]


@njit(cache=True)
def nearest_read_off(
    k,
    ptail,
    head,
    twin,
    w,
    w2,
    edge,
    offset,
    access,
    length,
    acc_rate,
    acc_rate2,
    dist,
    dist2,
    lab,
    dptr,
    dlab,
    dcost,
    dcost2,
    bound,
    conv,
    tpm,
    access_speed,
    dest_access,
    out_c,
    out_c2,
    out_l,
):
    """For every origin point: its leave legs (as in :func:`legs`) joined with the k labels at
    both end nodes and its same-street pairs, the k cheapest distinct within ``bound``.

    ``conv`` 0: ``dist2`` holds the secondary cost; 1 (primary time) or 2 (primary distance):
    the secondary is derived from the primary at ``tpm`` seconds per metre, the access legs
    (origin's and destination's, walked at ``access_speed``) converted separately."""
    n_o = edge.shape[0]
    kk = dist.shape[1]
    out_c[:] = INF
    out_c2[:] = INF
    out_l[:] = -1
    maxd = 0
    for o in range(n_o):
        if dptr[o + 1] - dptr[o] > maxd:
            maxd = dptr[o + 1] - dptr[o]
    cc = np.empty(2 * kk + maxd, np.float64)
    cc2 = np.empty(2 * kk + maxd, np.float64)
    cl = np.empty(2 * kk + maxd, np.int64)
    for o in range(n_o):
        e = edge[o]
        if e < 0:
            continue
        f, acc, a1, a2 = _on_edge(length[e], offset[o], access[o], acc_rate, acc_rate2)
        t = twin[e]
        nc = 0
        for side in range(2):
            if side == 0:  # to the tail, along the twin (or being on it)
                if not (f < 1.0 and (f == 0.0 or t >= 0)):
                    continue
                nd = ptail[o]
                if f == 0.0:
                    c0 = a1
                    c02 = a2
                else:
                    c0 = a1 + f * w[t]
                    c02 = a2 + f * w2[t]
            else:  # to the head, along the edge
                if not f > 0.0:
                    continue
                nd = head[e]
                c0 = a1 + (1.0 - f) * w[e]
                c02 = a2 + (1.0 - f) * w2[e]
            for j in range(kk):
                lj = lab[nd, j]
                if lj < 0:
                    break
                cc[nc] = dist[nd, j] + c0
                cc2[nc] = (dist2[nd, j] + c02) if conv == 0 else 0.0
                cl[nc] = lj
                nc += 1
        for i in range(dptr[o], dptr[o + 1]):
            cc[nc] = dcost[i]
            cc2[nc] = dcost2[i]
            cl[nc] = dlab[i]
            nc += 1
        for r in range(k):
            bi = -1
            bc = INF
            for q in range(nc):
                if cc[q] < bc:
                    taken = False
                    for s in range(r):
                        if out_l[o, s] == cl[q]:
                            taken = True
                            break
                    if not taken:
                        bc = cc[q]
                        bi = q
            if bi < 0 or bc > bound:
                break
            lb = cl[bi]
            out_c[o, r] = bc
            out_l[o, r] = lb
            if conv == 0:
                out_c2[o, r] = cc2[bi]
            else:
                ad = dest_access[lb]
                if not ad >= 0.0:
                    ad = 0.0
                metres = acc + ad
                walk = metres / access_speed
                if conv == 1:
                    out_c2[o, r] = (bc - walk) / tpm + metres
                else:
                    out_c2[o, r] = (bc - metres) * tpm + walk
