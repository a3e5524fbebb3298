"""Queries on a network: nearest (k nearest), cumulative opportunities, gravity, OD matrices.

How points enter a search
-------------------------
A snapped point lies on edge ``e = a→b`` at fraction ``f`` of its length. From the point one
*leaves* to ``b`` along ``e`` (cost ``(1-f)·w[e]``) and, on a two-way street, to ``a`` along the
twin (``f·w[twin]``); one *arrives* at it from ``a`` (``f·w[e]``) or from ``b`` through the twin.
The access leg (point ↔ street, walked) is added to both. Two points on the same street may also
reach each other along it without passing a node (*direct pairs*).

Searches therefore never need a modified graph: a search *from* a set of points starts at their
leave (or, on the reverse graph, arrive) nodes with those costs as initial labels, and results for
the other set are read off at their two nodes. Which side searches is chosen per query:

* ``nearest``: one multi-source Dijkstra from all destinations on the reverse graph (every node
  learns its cheapest destination, or its k cheapest distinct ones), then a vectorised read-off
  for all origins — no loop over origins at all.
* ``count_within`` / ``gravity`` / ``od_matrix``: one bounded, targeted Dijkstra per point of the
  smaller side, in compiled code, split over the available cores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from ._points import access_cost, check_points, frac, legs, other_weight, tails
from ._threads import pool, threads
from .errors import AccessError
from .graph import ACCESS_SPEED_MS, Network
from .snap import Snapped

DECAYS = {"cumulative": 0, "exponential": 1, "gaussian": 2, "power": 3, "linear": 4}


@dataclass(frozen=True, eq=False)
class Nearest:
    """k nearest destinations per origin (columns sorted by cost)."""

    time_s: np.ndarray  # [n_origins, k] incl. access legs, inf where none within the cap
    distance_m: np.ndarray  # [n_origins, k] along the same (cheapest) route
    index: np.ndarray  # [n_origins, k] destination index, -1 where none


# -- point pairs ----------------------------------------------------------------------------


def _direct_pairs(network: Network, src: Snapped, dst: Snapped, weight: str):
    """Pairs of points on the same street, reachable along it: (i_src, j_dst, cost, cost2)."""
    res = []
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    vd, ed, fd = frac(network, dst)
    ind = np.flatnonzero(vd & (fd > 0) & (fd < 1))
    if ind.size == 0:
        return empty
    vs, es, fs = frac(network, src)
    ins = np.flatnonzero(vs & (fs > 0) & (fs < 1))
    if ins.size == 0:
        return empty
    tws, twd = network.twins[es], network.twins[ed]
    cs = np.where((tws >= 0) & (tws < es), tws, es)
    cd = np.where((twd >= 0) & (twd < ed), twd, ed)
    ps = np.where(cs == es, fs, 1 - fs)
    pd = np.where(cd == ed, fd, 1 - fd)
    order = ind[np.argsort(cd[ind], kind="stable")]
    cd_sorted = cd[order]
    lo = np.searchsorted(cd_sorted, cs[ins], "left")
    hi = np.searchsorted(cd_sorted, cs[ins], "right")
    cnt = hi - lo
    total = int(cnt.sum())
    if total == 0:
        return empty
    i_src = np.repeat(ins, cnt)
    start = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    j_dst = order[np.arange(total) + start]
    c = cs[i_src]
    twc = network.twins[c]
    fwd = pd[j_dst] >= ps[i_src]
    ok = fwd | (twc >= 0)
    for wname in (weight, other_weight(weight)):
        w = network.weights(wname)
        along = np.where(
            fwd, (pd[j_dst] - ps[i_src]) * w[c], (ps[i_src] - pd[j_dst]) * w[np.maximum(twc, 0)]
        )
        res.append(access_cost(src, wname)[i_src] + access_cost(dst, wname)[j_dst] + along)
    return i_src[ok], j_dst[ok], res[0][ok], res[1][ok]


def _group(keys: np.ndarray, n: int, *cols: np.ndarray):
    """CSR grouping of rows by ``keys`` in 0..n-1: (ptr, *cols sorted by key)."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return (ptr, *(np.ascontiguousarray(c[order]) for c in cols))


def _bound(value: float | None, what: str) -> float:
    if value is None:
        return np.inf
    value = float(value)
    if not value >= 0:
        raise AccessError(f"{what} must be ≥ 0, got {value!r}")
    return value


def _graph(network: Network, weight: str, reverse: bool):
    if reverse:
        ptr, idx, _ = network.reverse
        return (
            ptr,
            idx,
            network.reverse_weights(weight),
            network.reverse_weights(other_weight(weight)),
        )
    return (
        network.indptr,
        network.indices,
        network.weights(weight),
        network.weights(other_weight(weight)),
    )


# -- queries --------------------------------------------------------------------------------


def nearest(
    network: Network,
    origins: Snapped,
    destinations: Snapped,
    *,
    k: int = 1,
    max_time_s: float | None = None,
    max_distance_m: float | None = None,
    weight: str = "time",
) -> Nearest:
    """The ``k`` cheapest destinations of every origin (by ``weight``, default time).

    One multi-source search from all destinations over the reverse graph; cost includes both
    access legs. Caps: ``max_time_s`` when weight is time, ``max_distance_m`` when distance.
    """
    check_points(network, origins, "origins")
    check_points(network, destinations, "destinations")
    if int(k) != k or k < 1:
        raise AccessError(f"k must be a positive integer, got {k!r}")
    k = int(k)
    other_weight(weight)
    if weight == "time" and max_distance_m is not None:
        raise AccessError("max_distance_m caps distance-weighted searches; use max_time_s")
    if weight == "distance" and max_time_s is not None:
        raise AccessError("max_time_s caps time-weighted searches; use max_distance_m")
    bound = _bound(max_time_s if weight == "time" else max_distance_m, "the cap")
    ptr, idx, w, w2 = _graph(network, weight, reverse=True)
    na, ca, ca2, nb, cb, cb2 = legs(network, destinations, weight, "arrive")
    labels = np.arange(len(destinations), dtype=np.int64)
    seed_node = np.concatenate([na, nb])
    keep = seed_node >= 0
    seed_args = (
        seed_node[keep],
        np.concatenate([ca, cb])[keep],
        np.concatenate([ca2, cb2])[keep],
        np.concatenate([labels, labels])[keep],
    )
    # where time is distance times a constant, the secondary unit follows from the primary
    tpm = network.time_per_metre
    track2 = not (k == 1 and tpm is not None)
    if k == 1:
        n = network.n_nodes
        dist, dist2, lab = np.empty(n), np.empty(n if track2 else 1), np.empty(n, np.int64)
        K.multi_source(ptr, idx, w, w2, *seed_args, bound, track2, dist, dist2, lab)
        dist, dist2, lab = dist[:, None], dist2[:, None], lab[:, None]
    else:
        dist, dist2, lab = K.multi_source_k(ptr, idx, w, w2, *seed_args, k, bound)
    i_o, j_d, dc, dc2 = _direct_pairs(network, origins, destinations, weight)
    n_o = len(origins)
    if i_o.size:
        dptr, dlab, dcost, dcost2 = _group(i_o, n_o, j_d, dc, dc2)
    else:
        dptr, dlab, dcost, dcost2 = np.zeros(n_o + 1, np.int64), j_d, dc, dc2
    c, c2, lab_o = np.empty((n_o, k)), np.empty((n_o, k)), np.empty((n_o, k), np.int64)
    other = other_weight(weight)
    K.nearest_read_off(
        k,
        tails(network, origins),
        network.indices,
        network.twins,
        network.weights(weight),
        network.weights(other),
        origins.edge,
        origins.offset_m,
        origins.access_m,
        network.length_m,
        1.0 / ACCESS_SPEED_MS if weight == "time" else 1.0,
        1.0 / ACCESS_SPEED_MS if other == "time" else 1.0,
        dist,
        dist2,
        lab,
        dptr,
        dlab,
        dcost,
        dcost2,
        bound,
        0 if track2 else (1 if weight == "time" else 2),
        float(tpm or 1.0),
        ACCESS_SPEED_MS,
        destinations.access_m,
        c,
        c2,
        lab_o,
    )
    if weight == "time":
        return Nearest(time_s=c, distance_m=c2, index=lab_o)
    return Nearest(time_s=c2, distance_m=c, index=lab_o)


def _per_source(
    network, origins, destinations, weight, bound, mode_kind, decay, beta, weights, from_origins
):
    """Run the per-source kernel; ``from_origins`` picks the searching side."""
    if from_origins:
        src, snk = origins, destinations
        seeds = legs(network, src, weight, "leave")
        atts = legs(network, snk, weight, "arrive")
        i_s, j_k, dc, _ = _direct_pairs(network, origins, destinations, weight)
    else:
        src, snk = destinations, origins
        seeds = legs(network, src, weight, "arrive")
        atts = legs(network, snk, weight, "leave")
        j_k, i_s, dc, _ = _direct_pairs(network, origins, destinations, weight)
    ptr, idx, w, _ = _graph(network, weight, reverse=not from_origins)
    n_src, n_snk = len(src), len(snk)
    # seeds: per source point up to two (node, cost), contiguous per source
    sn = np.stack([seeds[0], seeds[3]], axis=1)
    sc = np.stack([seeds[1], seeds[4]], axis=1)
    ok = sn >= 0
    src_ptr = np.zeros(n_src + 1, dtype=np.int64)
    np.cumsum(ok.sum(axis=1), out=src_ptr[1:])
    seed_node, seed_cost = sn[ok], sc[ok]
    an = np.concatenate([atts[0], atts[3]])
    ac = np.concatenate([atts[1], atts[4]])
    asink = np.concatenate([np.arange(n_snk), np.arange(n_snk)])
    ok = an >= 0
    att_ptr, att_sink, att_cost = _group(an[ok], network.n_nodes, asink[ok], ac[ok])
    dptr, dsink, dcost = _group(i_s, n_src, j_k, dc)
    if mode_kind == "od":
        mode, out_od = 0, np.full((n_src, n_snk), np.inf)
    else:
        mode, out_od = (2 if from_origins else 1), np.zeros((1, 1))
    n_needed = int(np.count_nonzero(np.diff(att_ptr)))
    wts = np.ascontiguousarray(weights, dtype=np.float64)
    out_src = np.zeros(n_src)
    chunks = _chunks(network, w, n_src, bound)
    accs = [np.zeros(n_snk if mode == 1 else 1) for _ in chunks]

    def work(i: int) -> None:
        lo, hi = chunks[i]
        K.per_source(
            ptr,
            idx,
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
            n_snk,
            bound,
            mode,
            decay,
            beta,
            wts,
            lo,
            hi,
            n_needed,
            out_od,
            accs[i],
            out_src,
        )

    if len(chunks) == 1:
        work(0)
    else:
        list(pool().map(work, range(len(chunks))))
    per_sink = accs[0] if len(accs) == 1 else np.sum(accs, axis=0)
    per_src = out_src
    if mode == 0:
        return out_od if from_origins else np.ascontiguousarray(out_od.T)
    return per_src if from_origins else per_sink


def _chunks(network: Network, w: np.ndarray, n_src: int, bound: float) -> list[tuple[int, int]]:
    """Split the sources over threads when the work is worth it (≳ 2 ms of searching).

    The work is estimated as sources × nodes one search settles: all nodes for unbounded
    searches, else about 3 (bound / mean edge cost)² — the area of a ball on a street grid."""
    n_threads = threads()
    if n_threads == 1 or n_src < 2 * n_threads:
        return [(0, n_src)]
    if np.isfinite(bound):
        mean = float(w.mean()) if w.size else 1.0
        reach = min(network.n_nodes, 3.0 * (bound / max(mean, 1e-9)) ** 2)
    else:
        reach = network.n_nodes
    if n_src * reach < 2e5:
        return [(0, n_src)]
    cuts = np.linspace(0, n_src, n_threads + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def _accumulate(network, origins, destinations, weight, bound, decay, beta, weights):
    n_d = len(destinations)
    if weights is None:
        weights = np.ones(n_d)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_d,):
        raise AccessError(
            f"weights must have one value per destination ({n_d}), got {weights.shape}"
        )
    if not np.isfinite(weights).all():
        raise AccessError("weights must be finite")
    n_src_o = int(origins.placed.sum())
    n_src_d = int(destinations.placed.sum())
    from_origins = n_src_o < n_src_d
    res = _per_source(
        network, origins, destinations, weight, bound, "acc", decay, beta, weights, from_origins
    )
    res = np.asarray(res, dtype=np.float64)
    res[~origins.placed] = np.nan
    return res


def count_within(
    network: Network,
    origins: Snapped,
    destinations: Snapped,
    *,
    max_time_s: float | None = None,
    max_distance_m: float | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Cumulative opportunities: per origin the number (or summed ``weights``) of destinations
    within ``max_time_s`` (time) or ``max_distance_m`` (distance). NaN for unplaced origins."""
    check_points(network, origins, "origins")
    check_points(network, destinations, "destinations")
    if (max_time_s is None) == (max_distance_m is None):
        raise AccessError("count_within needs exactly one of max_time_s or max_distance_m")
    weight = "time" if max_time_s is not None else "distance"
    bound = _bound(max_time_s if weight == "time" else max_distance_m, "the threshold")
    return _accumulate(network, origins, destinations, weight, bound, 0, 0.0, weights)


def gravity(
    network: Network,
    origins: Snapped,
    destinations: Snapped,
    *,
    decay: str = "exponential",
    beta: float | None = None,
    max_time_s: float = 3600.0,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Gravity accessibility Σ_d weight_d · f(t_od) over destinations within ``max_time_s``.

    Decay functions (t in seconds), as offered by GOAT and pandana:
    ``exponential`` exp(-β t); ``gaussian`` exp(-β t²); ``power`` max(t, 1)^-β;
    ``linear`` 1 - t / max_time_s (pandana's linear decay); ``cumulative`` 1 (a plain count).
    """
    check_points(network, origins, "origins")
    check_points(network, destinations, "destinations")
    if decay not in DECAYS:
        raise AccessError(f"unknown decay {decay!r}; known: {', '.join(DECAYS)}")
    if decay in ("exponential", "gaussian", "power"):
        if beta is None or not np.isfinite(beta) or beta <= 0:
            raise AccessError(f"decay {decay!r} needs a positive beta, got {beta!r}")
    bound = _bound(max_time_s, "max_time_s")
    if decay == "linear" and not np.isfinite(bound):
        raise AccessError("linear decay needs a finite max_time_s")
    return _accumulate(
        network, origins, destinations, "time", bound, DECAYS[decay], float(beta or 0.0), weights
    )


def od_matrix(
    network: Network,
    origins: Snapped,
    destinations: Snapped,
    *,
    weight: str = "time",
    max_cost: float | None = None,
) -> np.ndarray:
    """Origin–destination costs [n_origins, n_destinations] (inf where unreachable or beyond
    ``max_cost``), searching from whichever side has fewer points."""
    check_points(network, origins, "origins")
    check_points(network, destinations, "destinations")
    other_weight(weight)
    bound = _bound(max_cost, "max_cost")
    from_origins = int(origins.placed.sum()) <= int(destinations.placed.sum())
    return _per_source(
        network, origins, destinations, weight, bound, "od", 0, 0.0, np.ones(1), from_origins
    )
