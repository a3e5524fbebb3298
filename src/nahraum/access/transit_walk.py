"""Walking for public transport: sparse stop/point links within a time limit, and the time to
the nearest of a set of points — on the street network, or straight line × detour without one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from ._heap import pop, push
from .graph import Network
from .snap import snap
from .transit_params import TransitParams

INF = np.inf


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
def _bounded_many(
    indptr, indices, w, seed_ptr, seed_node, seed_cost, seed_label, limit, target_of_node
):
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
            nt, size = _offer(
                dist,
                lab,
                touched,
                nt,
                hk,
                hn,
                size,
                seed_node[i],
                seed_cost[i],
                seed_label[i],
                limit,
            )
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
                nt, size = _offer(
                    dist, lab, touched, nt, hk, hn, size, indices[e], c + w[e], lab[u], limit
                )
        for i in range(nt):
            dist[touched[i]] = np.inf
    return (
        np.array(out_g, np.int64),
        np.array(out_node, np.int64),
        np.array(out_c, np.float64),
        np.array(out_l, np.int64),
    )


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

    def links(
        self, sx: np.ndarray, sy: np.ndarray, tx: np.ndarray, ty: np.ndarray, limit_s: float
    ) -> WalkLinks:
        """All (source, target, seconds) with walking time ≤ ``limit_s``."""
        if self.network is None:
            speed = self.params.walk_speed_ms / self.params.detour
            tree = cKDTree(np.column_stack([tx, ty]))
            pairs = tree.query_ball_point(np.column_stack([sx, sy]), r=limit_s * speed)
            src = np.repeat(np.arange(len(sx)), [len(p) for p in pairs])
            dst = (
                np.concatenate([np.asarray(p, np.int64) for p in pairs])
                if len(pairs)
                else np.zeros(0, np.int64)
            )
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
        g, node, c, _ = _bounded_many(
            r_indptr,
            r_indices.astype(np.int64),
            r_w,
            seed_ptr,
            tnode.astype(np.int64),
            tcost,
            tp.astype(np.int64),
            float(limit_s),
            node_mark,
        )
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

    def nearest(
        self, sx: np.ndarray, sy: np.ndarray, tx: np.ndarray, ty: np.ndarray, limit_s: float = INF
    ) -> tuple[np.ndarray, np.ndarray]:
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
            r_indptr,
            r_indices.astype(np.int64),
            r_w,
            np.array([0, len(tnode)], np.int64),
            tnode.astype(np.int64),
            tcost,
            tp.astype(np.int64),
            float(min(limit_s, 1e12)),
            mark,
        )
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
