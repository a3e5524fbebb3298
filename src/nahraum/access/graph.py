"""Street networks as compact arrays: one directed graph per mode.

A :class:`Network` is a CSR adjacency (``indptr``/``indices``) over nodes with planar coordinates
in metres (its ``crs``, a UTM zone; see :func:`.projection.utm_crs`), and per-edge length and
travel time. Every edge is a straight segment between its
two nodes (OSM ways are not simplified), so that snapping a point to an edge is exact geometry
and an offset along an edge is a plain fraction of its length.

Two-way streets are two directed edges that know each other (``twin``): queries use this to let a
point on a street be left or reached in both directions, and to walk along an edge between two
points on it without passing a node. One-way streets (cars, bikes) have ``twin == -1``.

Networks come from :func:`network_from_edges` (grids, tests, benchmarks) or
:func:`.osm.build_networks` (OpenStreetMap, PBF or XML, cached on disk with
:func:`save_network` / :func:`load_network`).
"""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse

from .errors import AccessError, check_mode
from .projection import DEFAULT_CRS

#: Default travel speeds in km/h. Walking 5 km/h (1.39 m/s) is the default of GOAT and of most
#: German walkability studies; cycling 15 km/h is GOAT's and a cautious everyday speed for
#: ordinary (non-electric) bikes. Car speeds depend on the road, see ``osm.CAR_SPEEDS_KMH``.
WALK_SPEED_KMH = 5.0
BIKE_SPEED_KMH = 15.0
DEFAULT_CAR_SPEED_KMH = 50.0
MODE_SPEEDS_KMH = {"walk": WALK_SPEED_KMH, "bike": BIKE_SPEED_KMH, "car": DEFAULT_CAR_SPEED_KMH}
#: Access legs (point → street) are always walked.
ACCESS_SPEED_MS = WALK_SPEED_KMH / 3.6


@dataclass(frozen=True, eq=False)
class Network:
    """One mode's directed street graph (see the module docstring for the layout)."""

    mode: str
    x: np.ndarray
    y: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    checksum: str
    #: for each edge the opposite edge of the same street (v→u), -1 on one-way streets
    twin: np.ndarray | None = field(default=None, repr=False)
    #: OSM node ids where the network came from OpenStreetMap (else None)
    node_id: np.ndarray | None = field(default=None, repr=False)
    #: the CRS of ``x``/``y`` (and of every point given to queries on this network)
    crs: str = DEFAULT_CRS

    def __post_init__(self) -> None:
        """Freeze the arrays: a network is shared by caches, threads and every query on it, so
        a caller's in-place change (``net.time_s *= 2``, sorting a CSR's indices) must raise
        instead of silently corrupting every later result."""
        for name in _ARRAY_FIELDS:
            a = getattr(self, name)
            if a is not None:
                _freeze(a)

    # -- sizes and derived arrays (computed once, kept on the instance) -----------------------
    @property
    def n_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.indices.shape[0])

    @cached_property
    def tail(self) -> np.ndarray:
        """Tail node of every edge (CSR order)."""
        return _freeze(np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr)))

    @cached_property
    def twins(self) -> np.ndarray:
        """``twin`` if known, else found by matching (v, u) pairs (the first such edge)."""
        if self.twin is not None:
            return self.twin
        return _freeze(_match_twins(self.tail, self.indices.astype(np.int64), self.n_nodes))

    @cached_property
    def time_per_metre(self) -> float | None:
        """Seconds per metre if every edge has the same speed (walk, bike, grids), else None."""
        pos = self.length_m > 0
        if not np.array_equal(self.time_s[~pos], np.zeros(int((~pos).sum()))):
            return None
        if not pos.any():
            return None
        rate = self.time_s[pos] / self.length_m[pos]
        lo, hi = float(rate.min()), float(rate.max())
        return lo if hi - lo <= 1e-12 * hi else None

    def weights(self, weight: str) -> np.ndarray:
        """Edge costs for ``weight`` "time" (s) or "distance" (m)."""
        if weight == "time":
            return self.time_s
        if weight == "distance":
            return self.length_m
        raise AccessError(f"unknown weight {weight!r}; known: time, distance")

    @cached_property
    def symmetric(self) -> bool:
        """True if every edge has a twin of equal length and time (then reverse graph = graph)."""
        tw = self.twins
        if (tw < 0).any():
            return False
        return bool(
            np.array_equal(self.length_m[tw], self.length_m)
            and np.array_equal(self.time_s[tw], self.time_s)
        )

    @cached_property
    def reverse(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reverse CSR: (indptr, indices, edge id in forward order) of incoming edges per node."""
        if self.symmetric:
            # the reverse of edge e (u→v) is its twin (v→u), stored under v with the same cost
            return self.indptr, self.indices, self.twins
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.n_nodes)
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return (
            _freeze(indptr),
            _freeze(self.tail[order].astype(self.indices.dtype)),
            _freeze(order.astype(np.int64)),
        )

    def reverse_weights(self, weight: str) -> np.ndarray:
        """Edge costs in the order of :attr:`reverse`."""
        w = self.weights(weight)
        if self.symmetric:
            return w
        return _cached_take(self, "_rev_" + weight, w, self.reverse[2])

    def csr(self, weight: str = "time") -> scipy.sparse.csr_array:
        """The graph as a scipy CSR array (parallel edges: the cheaper one), e.g. for csgraph.

        The matrix owns copies of the arrays: callers scale its data or sort its indices in
        place (scipy does both), which must not reach the network."""
        w = self.weights(weight)
        a = scipy.sparse.csr_array(
            (w.copy(), self.indices.copy(), self.indptr.copy()),
            shape=(self.n_nodes, self.n_nodes),
        )
        return _min_duplicates(a)

    def __getstate__(self) -> dict:
        """Pickle (process pools, Dask) the arrays only; derived caches are rebuilt on demand."""
        keep = {f for f in self.__dataclass_fields__} | {"symmetric", "time_per_metre"}
        return {k: v for k, v in self.__dict__.items() if k in keep}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return (
            f"Network(mode={self.mode!r}, nodes={self.n_nodes}, edges={self.n_edges}, "
            f"checksum={self.checksum[:12]!r})"
        )


_ARRAY_FIELDS = ("x", "y", "indptr", "indices", "length_m", "time_s", "twin", "node_id")


def _freeze(a: np.ndarray) -> np.ndarray:
    """Mark ``a`` read-only (in place) and return it."""
    a.flags.writeable = False
    return a


def _cached_take(net: Network, key: str, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
    cache = net.__dict__.setdefault("_take_cache", {})
    if key not in cache:
        cache[key] = _freeze(np.ascontiguousarray(w[idx]))
    return cache[key]


def _min_duplicates(a: scipy.sparse.csr_array) -> scipy.sparse.csr_array:
    """csr_array sums duplicate entries; shortest paths want the minimum instead."""
    coo = a.tocoo()
    n = a.shape[0]
    key = coo.row.astype(np.int64) * n + coo.col
    order = np.lexsort((coo.data, key))
    key_s = key[order]
    first = np.ones(key_s.shape[0], dtype=bool)
    first[1:] = key_s[1:] != key_s[:-1]
    if first.all():
        return a
    sel = order[first]
    return scipy.sparse.csr_array((coo.data[sel], (coo.row[sel], coo.col[sel])), shape=a.shape)


def _match_twins(tail: np.ndarray, head: np.ndarray, n: int) -> np.ndarray:
    fwd = tail * n + head
    bwd = head * n + tail
    order = np.argsort(fwd, kind="stable")
    pos = np.searchsorted(fwd[order], bwd)
    pos = np.minimum(pos, len(order) - 1)
    found = fwd[order][pos] == bwd if len(order) else np.zeros(0, dtype=bool)
    twin = np.where(found, order[pos] if len(order) else pos, -1).astype(np.int64)
    return twin


def _fast_checksum(*arrays: np.ndarray) -> str:
    """A cheap content checksum (crc32 per array + shapes) for networks built from arrays.

    Networks read from files carry the file's sha256 instead; this one only needs to tell two
    in-memory networks apart for caching, and must not cost more than the queries themselves.
    """
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(zlib.crc32(a.view(np.uint8)).to_bytes(4, "little"))
    return h.hexdigest()


def check_network(network: Network, where: str) -> None:
    """Refuse a network without edges by name (queries on one would fail deep in numpy)."""
    if not isinstance(network, Network):
        raise AccessError(f"{where}: network must be a Network, got {type(network).__name__}")
    if network.n_edges == 0:
        raise AccessError(f"{where}: the network has no edges ({network!r})")


def _count(a: np.ndarray) -> str:
    """ "3 values" / "shape (2, 2)": how many values an argument had, for messages."""
    return f"{a.shape[0]} values" if a.ndim == 1 else f"shape {a.shape}"


def node_indices(nodes: object, n_nodes: int, what: str) -> np.ndarray:
    """``nodes`` as int64 node indices of a network with ``n_nodes`` nodes, else AccessError.

    Floats are refused even when whole (1.0): a node index computed in floating point is
    usually a bug upstream (a coordinate or a cost passed by mistake); bools likewise.
    """
    a = np.asarray(nodes)
    if a.ndim > 1:
        raise AccessError(f"{what} must be a 1-d array of node indices, got shape {a.shape}")
    a = np.atleast_1d(a)
    if a.size and (a.dtype == bool or not np.issubdtype(a.dtype, np.integer)):
        raise AccessError(f"{what} must be integer node indices, got dtype {a.dtype}")
    a = a.astype(np.int64, copy=False)
    if a.size and (a.min() < 0 or a.max() >= n_nodes):
        bad = int(np.flatnonzero((a < 0) | (a >= n_nodes))[0])
        raise AccessError(f"{what}[{bad}] = {int(a[bad])}: node indices lie in 0..{n_nodes - 1}")
    return a


def network_from_edges(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length_m: np.ndarray,
    *,
    mode: str = "walk",
    speed_kmh: float | np.ndarray | None = None,
    time_s: np.ndarray | None = None,
    oneway: np.ndarray | bool | None = None,
    checksum: str | None = None,
    node_id: np.ndarray | None = None,
    crs: str = DEFAULT_CRS,
) -> Network:
    """Build a :class:`Network` from street segments.

    Each segment ``u[i]–v[i]`` becomes the directed edge u→v and, unless ``oneway[i]``, also
    v→u (its twin). Travel time is ``time_s`` if given, else length over ``speed_kmh`` (a scalar
    or one per segment; default the mode's speed). Self-loops are dropped: they never shorten a
    path and a point snapped to one could not leave it.
    """
    check_mode(mode)
    where = "network_from_edges"
    # copies: the network freezes its arrays and must not freeze (or share) the caller's
    x = np.array(x, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    if y.shape != x.shape or x.ndim != 1:
        raise AccessError(
            f"{where}: x and y must be 1-d arrays of equal length, got {x.shape} and {y.shape}"
        )
    n = x.shape[0]
    if n == 0:
        raise AccessError(f"{where}: the network has no nodes (x and y are empty)")
    u = node_indices(u, n, f"{where}: u")
    v = node_indices(v, n, f"{where}: v")
    m = u.shape[0]
    length = np.asarray(length_m, dtype=np.float64)
    if v.shape != (m,) or length.shape != (m,):
        raise AccessError(
            f"{where}: u, v and length_m must have equal length, "
            f"got {u.shape}, {v.shape}, {length.shape}"
        )
    if not np.isfinite(length).all() or (length < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(length) | (length < 0))[0])
        raise AccessError(
            f"{where}: length_m[{bad}] = {length[bad]!r}: lengths must be finite and ≥ 0"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise AccessError(f"{where}: node coordinates (x, y) must be finite")
    if time_s is not None:
        time = np.asarray(time_s, dtype=np.float64)
        if time.shape != (m,):
            raise AccessError(f"{where}: time_s has {_count(time)}, expected {m}")
        if not np.isfinite(time).all() or (time < 0).any():
            raise AccessError(f"{where}: time_s must be finite and ≥ 0")
    else:
        speed = np.asarray(
            MODE_SPEEDS_KMH[mode] if speed_kmh is None else speed_kmh, dtype=np.float64
        )
        if speed.ndim != 0 and speed.shape != (m,):
            raise AccessError(f"{where}: speed_kmh has {_count(speed)}, expected 1 or {m}")
        if (speed <= 0).any() or not np.isfinite(speed).all():
            raise AccessError(f"{where}: speed_kmh must be > 0, got {speed_kmh!r}")
        time = length / (speed / 3.6)
    if oneway is None:
        ow = np.zeros(m, dtype=bool)
    else:
        ow_in = np.asarray(oneway)
        if ow_in.ndim != 0 and ow_in.shape != (m,):
            raise AccessError(f"{where}: oneway has {_count(ow_in)}, expected 1 or {m}")
        ow = np.broadcast_to(ow_in.astype(bool), (m,))
    if node_id is not None:
        node_id = np.array(node_id)
        if node_id.shape != (n,):
            raise AccessError(f"{where}: node_id has {_count(node_id)}, expected {n}")
    if checksum is None:
        checksum = _fast_checksum(x, y, u, v, length, time, ow)

    keep = u != v
    if not keep.all():
        u, v, length, time, ow = u[keep], v[keep], length[keep], time[keep], ow[keep]
    if u.shape[0] == 0:
        raise AccessError(f"{where}: the network has no edges (self-loops are dropped)")
    if n >= 2**31 - 1:
        raise AccessError(f"{n} nodes are more than this engine indexes (2³¹ - 1)")
    from ._kernels import csr_degrees, csr_fill

    u = np.ascontiguousarray(u, dtype=np.int64)
    v = np.ascontiguousarray(v, dtype=np.int64)
    ow = np.ascontiguousarray(ow)
    indptr = csr_degrees(n, u, v, ow)
    m_dir = int(indptr[n])
    indices = np.empty(m_dir, dtype=np.int32)
    lengths = np.empty(m_dir)
    times = np.empty(m_dir)
    twin = np.empty(m_dir, dtype=np.int64)
    csr_fill(
        indptr,
        u,
        v,
        np.ascontiguousarray(length),
        np.ascontiguousarray(time),
        ow,
        indices,
        lengths,
        times,
        twin,
    )
    net = Network(
        mode=mode,
        x=x,
        y=y,
        indptr=indptr,
        indices=indices,
        length_m=lengths,
        time_s=times,
        checksum=checksum,
        twin=twin,
        node_id=node_id,
        crs=crs,
    )
    if not ow.any():
        # every street both ways with the same length and time: the reverse graph is the graph
        net.__dict__["symmetric"] = True
    if time_s is None and speed.ndim == 0:
        net.__dict__["time_per_metre"] = 3.6 / float(speed)
    return net


_CACHE_FIELDS = _ARRAY_FIELDS


def save_network(net: Network, path: Path) -> None:
    """Store a network as an ``.npz`` file (the cache :func:`build_networks` keeps)."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        mode=net.mode,
        checksum=net.checksum,
        crs=net.crs,
        **{f: getattr(net, f) for f in _CACHE_FIELDS},
    )
    os.replace(tmp, path)


def load_network(path: Path) -> Network:
    """A network stored by :func:`save_network`."""
    with np.load(path, allow_pickle=False) as z:
        crs = str(z["crs"]) if "crs" in z.files else DEFAULT_CRS  # caches from before the field
        return Network(
            mode=str(z["mode"]),
            checksum=str(z["checksum"]),
            crs=crs,
            **{f: z[f] for f in _CACHE_FIELDS},
        )
