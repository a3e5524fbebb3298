"""Isochrones: the area reachable from a point (or several) within given travel times.

The reachable part of the street network is exact: a Dijkstra from the point gives the time at
every node, and each edge whose tail is reached in time is kept up to the fraction its
remaining time allows (so an isochrone ends mid-street, not at the last junction). The area is
those street pieces buffered by ``buffer_m`` — the distance people may reasonably leave the
street to reach a door — and merged. This is what GOAT calls a "network" isochrone; a convex or
concave hull around reached nodes would claim fields and forests between roads as reachable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from . import _kernels as K
from ._errors import AccessError
from .network import ACCESS_SPEED_MS, Network
from .route import _check_points, _frac, _legs
from .snap import Snapped


def reach_times(network: Network, origin: Snapped, *, weight: str = "time",
                max_cost: float = np.inf) -> np.ndarray:
    """Cost from the origin point(s) to every node (inf where beyond ``max_cost``)."""
    _check_points(network, origin, "origin")
    if not origin.placed.any():
        raise AccessError(f"origin is not on the network (too far: {origin.too_far})")
    na, ca, _, nb, cb, _ = _legs(network, origin, weight, "leave")
    seed_node = np.concatenate([na, nb])
    keep = seed_node >= 0
    return K.single_source_all(
        network.indptr, network.indices, network.weights(weight), seed_node[keep],
        np.concatenate([ca, cb])[keep], float(max_cost),
    )


def isochrone(
    network: Network,
    origin: Snapped,
    cutoffs_s: Sequence[float],
    *,
    buffer_m: float = 50.0,
    weight: str = "time",
) -> list[shapely.Geometry]:
    """One area per cutoff (seconds, or metres with ``weight="distance"``), EPSG:25832.

    Each area is a Polygon (a MultiPolygon only if several origins lie far apart); an empty
    Polygon where even the access leg takes longer than the cutoff.
    """
    cutoffs = [float(c) for c in cutoffs_s]
    if not cutoffs or any(not (c >= 0) or not np.isfinite(c) for c in cutoffs):
        raise AccessError(f"cutoffs must be finite and ≥ 0, got {list(cutoffs_s)!r}")
    if not buffer_m > 0:
        raise AccessError(f"buffer_m must be > 0, got {buffer_m!r}")
    dist = reach_times(network, origin, weight=weight, max_cost=max(cutoffs))
    w = network.weights(weight)
    tail, head = network.tail, network.indices
    # the origin's own edges: from the point towards b (and towards a on two-way streets)
    valid, e, f = _frac(network, origin)
    tw = network.twins[e]
    px = network.x[tail[e]] + f * (network.x[head[e]] - network.x[tail[e]])
    py = network.y[tail[e]] + f * (network.y[head[e]] - network.y[tail[e]])
    start_cost = np.where(valid, np.nan_to_num(origin.access_m, nan=np.inf), np.inf)
    start_cost = start_cost / (1.0 if weight == "distance" else ACCESS_SPEED_MS)
    out: list[shapely.Geometry] = []
    reached_tail = dist[tail]
    for c in cutoffs:
        pieces = []
        ok = reached_tail < c
        if ok.any():
            ee = np.flatnonzero(ok)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(w[ee] > 0, (c - reached_tail[ee]) / w[ee], 1.0)
            r = np.clip(r, 0.0, 1.0)
            x0, y0 = network.x[tail[ee]], network.y[tail[ee]]
            x1 = x0 + r * (network.x[head[ee]] - x0)
            y1 = y0 + r * (network.y[head[ee]] - y0)
            pieces.append(np.stack([np.stack([x0, y0], 1), np.stack([x1, y1], 1)], 1))
        for towards_head in (True, False):
            okp = valid & (start_cost < c)
            if not towards_head:
                okp &= tw >= 0
            if not okp.any():
                continue
            idx = np.flatnonzero(okp)
            we = w[e[idx]] if towards_head else w[np.maximum(tw[idx], 0)]
            span = (1 - f[idx]) if towards_head else f[idx]
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(we > 0, (c - start_cost[idx]) / we, 1.0)
            r = np.clip(np.minimum(r, span), 0.0, 1.0)
            sign = 1.0 if towards_head else -1.0
            bx = network.x[head[e[idx]]] - network.x[tail[e[idx]]]
            by = network.y[head[e[idx]]] - network.y[tail[e[idx]]]
            x1 = px[idx] + sign * r * bx
            y1 = py[idx] + sign * r * by
            pieces.append(np.stack([np.stack([px[idx], py[idx]], 1), np.stack([x1, y1], 1)], 1))
        if not pieces:
            out.append(shapely.Polygon())
            continue
        segs = np.concatenate(pieces)
        lines = shapely.multilinestrings(shapely.linestrings(segs))
        area = shapely.buffer(lines, buffer_m, quad_segs=4)
        if isinstance(area, shapely.MultiPolygon) and len(area.geoms) == 1:
            area = area.geoms[0]
        out.append(area)
    return out
