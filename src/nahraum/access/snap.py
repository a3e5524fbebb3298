"""Placing points (population cells, facilities) on the nearest street *edge*.

Snapping to the nearest node would move a point on a long village road up to half the road's
length; snapping to the edge keeps the place where the point meets the street (its offset from
the edge's tail) and the straight access leg from the point to the street, which queries count
at walking speed whatever the mode (you walk to your car or bike).

Points farther than ``max_distance_m`` from every street are not placed; their ids are listed in
``Snapped.too_far`` so that callers can name them, and queries give them no result (inf / -1 /
NaN), never a silently wrong one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from .errors import AccessError
from .graph import Network, check_network, node_indices


@dataclass(frozen=True, eq=False)
class Snapped:
    """Points placed on a network's edges (arrays of one entry per input point)."""

    edge: np.ndarray  # int64 edge index (CSR order), -1 where too far
    offset_m: np.ndarray  # metres along the edge from its tail node
    access_m: np.ndarray  # straight distance point → edge (nan where too far)
    too_far: list  # ids (or indices) of the points farther than max_distance_m
    #: tail node of each point's edge (-1 where too far); saves queries a lookup
    tail: np.ndarray | None = field(default=None, repr=False)
    #: the checksum of the network the points were placed on (None: unknown, not checked);
    #: edge indices mean nothing on another network, even one with as many edges
    network: str | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.edge.shape[0])

    @property
    def placed(self) -> np.ndarray:
        """Boolean mask of the points that lie on the network."""
        return self.edge >= 0

    def subset(self, mask_or_index: np.ndarray) -> Snapped:
        """The snapped points selected by a boolean mask or an index array."""
        sel = np.asarray(mask_or_index)
        idx = np.flatnonzero(sel) if sel.dtype == bool else sel
        tail = None if self.tail is None else self.tail[idx]
        return Snapped(
            self.edge[idx], self.offset_m[idx], self.access_m[idx], [], tail, self.network
        )


def _edge_tree(network: Network) -> tuple[shapely.STRtree, np.ndarray]:
    """An STRtree over one directed edge per street (the twin with the smaller index)."""
    cache = network.__dict__.setdefault("_snap_cache", {})
    if "tree" not in cache:
        tw = network.twins
        e = np.arange(network.n_edges)
        canon = np.flatnonzero((tw < 0) | (e < tw))
        a = network.tail[canon]
        b = network.indices[canon]
        coords = np.empty((canon.shape[0], 2, 2))
        coords[:, 0, 0] = network.x[a]
        coords[:, 0, 1] = network.y[a]
        coords[:, 1, 0] = network.x[b]
        coords[:, 1, 1] = network.y[b]
        lines = shapely.linestrings(coords)
        cache["tree"] = (shapely.STRtree(lines), canon)
    return cache["tree"]


def snap(
    network: Network,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_distance_m: float = 500.0,
    ids: Sequence | np.ndarray | None = None,
) -> Snapped:
    """Snap each point (x, y in the network's CRS) to its nearest edge within ``max_distance_m``."""
    check_network(network, "snap")
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    y = np.atleast_1d(np.asarray(y, dtype=np.float64))
    if x.shape != y.shape or x.ndim != 1:
        raise AccessError(f"x and y must be 1-d arrays of equal length, got {x.shape}, {y.shape}")
    if ids is not None and len(ids) != x.shape[0]:
        raise AccessError(f"ids has {len(ids)} entries for {x.shape[0]} points")
    if not (max_distance_m > 0):
        raise AccessError(f"max_distance_m must be > 0, got {max_distance_m!r}")
    n = x.shape[0]
    edge = np.full(n, -1, dtype=np.int64)
    tail = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    access = np.full(n, np.nan)
    finite = np.isfinite(x) & np.isfinite(y)
    if network.n_edges and finite.any():
        tree, canon = _edge_tree(network)
        pts = shapely.points(x[finite], y[finite])
        (qi, ti), dist = tree.query_nearest(
            pts, max_distance=max_distance_m, return_distance=True, all_matches=False
        )
        rows = np.flatnonzero(finite)[qi]
        e = canon[ti]
        a = network.tail[e]
        b = network.indices[e]
        ax, ay = network.x[a], network.y[a]
        dx, dy = network.x[b] - ax, network.y[b] - ay
        seg2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = ((x[rows] - ax) * dx + (y[rows] - ay) * dy) / seg2
        t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
        edge[rows] = e
        tail[rows] = a
        offset[rows] = t * network.length_m[e]
        access[rows] = dist
    far = np.flatnonzero(edge < 0)
    too_far = [ids[i] for i in far] if ids is not None else far.tolist()
    return Snapped(
        edge=edge,
        offset_m=offset,
        access_m=access,
        too_far=too_far,
        tail=tail,
        network=network.checksum,
    )


def snap_nodes(network: Network, nodes: np.ndarray) -> Snapped:
    """Points lying exactly on network nodes (no access leg): for node-based questions.

    A node is placed at the start of one of its outgoing edges; a dead end of one-way streets
    (no outgoing edge) at the end (fraction 1) of an incoming edge of positive length, so that
    queries see it as the node itself, reached by every incoming edge. On a zero-length edge
    the fraction is undefined (the engine reads it as 0, the tail), which would put the node
    at the edge's other end and hide every other way in.
    """
    check_network(network, "snap_nodes")
    nodes = node_indices(nodes, network.n_nodes, "snap_nodes: nodes")
    start = network.indptr[nodes]
    has_out = network.indptr[nodes + 1] > start
    edge = np.where(has_out, start, -1).astype(np.int64)
    offset = np.zeros(nodes.shape[0])
    if not has_out.all():
        # a node without outgoing edges: place it at the end of an incoming edge, the longest
        rptr, _, rev_eid = network.reverse
        lone = np.flatnonzero(~has_out)
        for i in lone:
            inc = rev_eid[rptr[nodes[i]] : rptr[nodes[i] + 1]]
            if inc.size:
                edge[i] = inc[np.argmax(network.length_m[inc])]
        placed = edge[lone] >= 0
        offset[lone] = np.where(placed, network.length_m[np.maximum(edge[lone], 0)], np.nan)
    tail = np.where(has_out, nodes, -1)
    if not has_out.all():
        lone = np.flatnonzero(~has_out & (edge >= 0))
        tail[lone] = network.tail[edge[lone]]
    access = np.where(edge >= 0, 0.0, np.nan)
    too_far = np.flatnonzero(edge < 0).tolist()
    return Snapped(
        edge=edge,
        offset_m=offset,
        access_m=access,
        too_far=too_far,
        tail=tail,
        network=network.checksum,
    )
