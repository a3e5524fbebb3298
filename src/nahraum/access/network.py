"""Street networks as compact arrays: one directed graph per mode.

A :class:`Network` is a CSR adjacency (``indptr``/``indices``) over nodes with planar coordinates
in EPSG:25832, and per-edge length and travel time. Every edge is a straight segment between its
two nodes (OSM ways are not simplified), so that snapping a point to an edge is exact geometry
and an offset along an edge is a plain fraction of its length.

Two-way streets are two directed edges that know each other (``twin``): queries use this to let a
point on a street be left or reached in both directions, and to walk along an edge between two
points on it without passing a node. One-way streets (cars, bikes) have ``twin == -1``.

Networks come from :func:`network_from_edges` (grids, tests, benchmarks) or
:func:`build_networks` (OpenStreetMap, PBF or XML, cached on disk).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse

from .errors import AccessError, NoRoadsError, OSMReadError, check_mode
from .projection import haversine_m, to_utm

#: Default travel speeds in km/h. Walking 5 km/h (1.39 m/s) is the default of GOAT and of most
#: German walkability studies; cycling 15 km/h is GOAT's and a cautious everyday speed for
#: ordinary (non-electric) bikes. Car speeds depend on the road, see ``CAR_SPEEDS_KMH``.
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
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    @cached_property
    def twins(self) -> np.ndarray:
        """``twin`` if known, else found by matching (v, u) pairs (the first such edge)."""
        if self.twin is not None:
            return self.twin
        return _match_twins(self.tail, self.indices.astype(np.int64), self.n_nodes)

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
        return indptr, self.tail[order].astype(self.indices.dtype), order.astype(np.int64)

    def reverse_weights(self, weight: str) -> np.ndarray:
        """Edge costs in the order of :attr:`reverse`."""
        w = self.weights(weight)
        if self.symmetric:
            return w
        return _cached_take(self, "_rev_" + weight, w, self.reverse[2])

    def csr(self, weight: str = "time") -> scipy.sparse.csr_array:
        """The graph as a scipy CSR array (parallel edges: the cheaper one), e.g. for csgraph."""
        w = self.weights(weight)
        a = scipy.sparse.csr_array(
            (w, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes)
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


def _cached_take(net: Network, key: str, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
    cache = net.__dict__.setdefault("_take_cache", {})
    if key not in cache:
        cache[key] = np.ascontiguousarray(w[idx])
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
    return scipy.sparse.csr_array(
        (coo.data[sel], (coo.row[sel], coo.col[sel])), shape=a.shape
    )


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
) -> Network:
    """Build a :class:`Network` from street segments.

    Each segment ``u[i]–v[i]`` becomes the directed edge u→v and, unless ``oneway[i]``, also
    v→u (its twin). Travel time is ``time_s`` if given, else length over ``speed_kmh`` (a scalar
    or one per segment; default the mode's speed). Self-loops are dropped: they never shorten a
    path and a point snapped to one could not leave it.
    """
    check_mode(mode)
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    u = np.asarray(u)
    v = np.asarray(v)
    length = np.asarray(length_m, dtype=np.float64)
    n = x.shape[0]
    m = u.shape[0]
    if y.shape != x.shape or x.ndim != 1:
        raise AccessError(f"x and y must be 1-d arrays of equal length, got {x.shape} and {y.shape}")
    if v.shape != (m,) or length.shape != (m,):
        raise AccessError(
            f"u, v and length_m must have equal length, got {u.shape}, {v.shape}, {length.shape}"
        )
    if m and (u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n):
        raise AccessError(f"edge endpoints must be node indices in 0..{n - 1}")
    if not np.isfinite(length).all() or (length < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(length) | (length < 0))[0])
        raise AccessError(f"length_m[{bad}] = {length[bad]!r}: lengths must be finite and ≥ 0")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise AccessError("node coordinates must be finite")
    if time_s is not None:
        time = np.asarray(time_s, dtype=np.float64)
        if time.shape != (m,):
            raise AccessError(f"time_s must have one value per edge ({m}), got {time.shape}")
        if not np.isfinite(time).all() or (time < 0).any():
            raise AccessError("time_s must be finite and ≥ 0")
    else:
        speed = np.asarray(
            MODE_SPEEDS_KMH[mode] if speed_kmh is None else speed_kmh, dtype=np.float64
        )
        if (speed <= 0).any() or not np.isfinite(speed).all():
            raise AccessError(f"speed_kmh must be > 0, got {speed_kmh!r}")
        time = length / (speed / 3.6)
    if oneway is None:
        ow = np.zeros(m, dtype=bool)
    else:
        ow = np.broadcast_to(np.asarray(oneway, dtype=bool), (m,))
    if checksum is None:
        checksum = _fast_checksum(x, y, u, v, length, time, ow)

    keep = u != v
    if not keep.all():
        u, v, length, time, ow = u[keep], v[keep], length[keep], time[keep], ow[keep]
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
    csr_fill(indptr, u, v, np.ascontiguousarray(length), np.ascontiguousarray(time), ow,
             indices, lengths, times, twin)
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
    )
    if not ow.any():
        # every street both ways with the same length and time: the reverse graph is the graph
        net.__dict__["symmetric"] = True
    if time_s is None and speed.ndim == 0:
        net.__dict__["time_per_metre"] = 3.6 / float(speed)
    return net


# =============================================================================================
# OpenStreetMap
# =============================================================================================
#
# Reader: pyosmium (libosmium's Python binding). It reads PBF and XML alike, streams ways with
# their node locations attached (``with_locations``) in C++, is maintained by the OSM core
# developers, and needs no GDAL or Java. pyrosm also reads PBF but only PBF, and loads whole
# GeoDataFrames; for a one-pass build of three graphs pyosmium's stream is leaner.

#: Road classes (``highway=*``) each mode may use unless access tags forbid it.
WALK_HIGHWAYS = frozenset(
    "trunk trunk_link primary primary_link secondary secondary_link tertiary tertiary_link "
    "unclassified residential living_street service road track footway path pedestrian steps "
    "cycleway bridleway corridor".split()
)
BIKE_HIGHWAYS = frozenset(
    "trunk trunk_link primary primary_link secondary secondary_link tertiary tertiary_link "
    "unclassified residential living_street service road track path cycleway".split()
)
CAR_HIGHWAYS = frozenset(
    "motorway motorway_link trunk trunk_link primary primary_link secondary secondary_link "
    "tertiary tertiary_link unclassified residential living_street service road".split()
)
#: Road classes a mode may use only where a tag explicitly allows it (e.g. bicycle=yes on a
#: footway — in Germany footways are closed to bikes unless signed).
CONDITIONAL_HIGHWAYS = {
    "walk": frozenset(),
    "bike": frozenset({"footway", "pedestrian", "steps", "bridleway", "corridor"}),
    "car": frozenset({"track"}),
}
MODE_HIGHWAYS = {"walk": WALK_HIGHWAYS, "bike": BIKE_HIGHWAYS, "car": CAR_HIGHWAYS}
#: Access tags from most to least specific; the first one present decides.
ACCESS_KEYS = {
    "walk": ("foot", "access"),
    "bike": ("bicycle", "vehicle", "access"),
    "car": ("motorcar", "motor_vehicle", "vehicle", "access"),
}
DENIED = frozenset(
    {"no", "private", "agricultural", "forestry", "delivery", "military", "emergency",
     "use_sidepath", "psv", "bus", "dismount"}
)
ALLOWED = frozenset({"yes", "designated", "permissive", "destination", "customers", "official"})

#: Car speeds (km/h) where a way has no usable ``maxspeed``. Free-flow figures below the legal
#: limits of German roads (e.g. 100 km/h outside towns) because a road class covers both urban
#: and rural stretches; living streets at walking pace (StVO: "Schrittgeschwindigkeit").
CAR_SPEEDS_KMH = {
    "motorway": 120.0, "motorway_link": 60.0, "trunk": 90.0, "trunk_link": 50.0,
    "primary": 70.0, "primary_link": 40.0, "secondary": 60.0, "secondary_link": 40.0,
    "tertiary": 50.0, "tertiary_link": 30.0, "unclassified": 40.0, "residential": 30.0,
    "living_street": 7.0, "service": 20.0, "road": 30.0, "track": 15.0,
}
#: Symbolic maxspeed values (Germany first; "walk" = living street).
MAXSPEED_WORDS = {
    "DE:urban": 50.0, "DE:rural": 100.0, "DE:living_street": 7.0, "DE:bicycle_road": 30.0,
    "DE:zone30": 30.0, "DE:zone:30": 30.0, "DE:zone20": 20.0, "DE:zone:20": 20.0, "walk": 7.0,
    "AT:urban": 50.0, "AT:rural": 100.0, "FI:urban": 50.0, "FI:rural": 80.0,
}

BUILD_VERSION = 1  # bump when the rules change, so that old caches are not reused
_NO_OSM = frozenset({"proposed", "construction", "abandoned", "platform", "raceway", "razed"})

log = logging.getLogger(__name__)


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM ``maxspeed`` value ("50", "30 mph", "DE:urban"), else None."""
    if not value:
        return None
    value = value.strip().split(";")[0].strip()
    if value in MAXSPEED_WORDS:
        return MAXSPEED_WORDS[value]
    mph = value.endswith("mph")
    number = value.removesuffix("mph").removesuffix("km/h").strip()
    try:
        speed = float(number)
    except ValueError:
        return None
    if not 0 < speed < 300:
        return None
    return speed * 1.609344 if mph else speed


def _mode_allowed(tags: dict, highway: str, mode: str) -> bool:
    if highway in _NO_OSM:
        return False
    if mode != "car" and tags.get("motorroad") == "yes":
        return False
    decided = None
    for key in ACCESS_KEYS[mode]:
        if key in tags:
            decided = tags[key]
            break
    if highway in MODE_HIGHWAYS[mode]:
        return decided is None or decided not in DENIED
    if highway in CONDITIONAL_HIGHWAYS[mode]:
        # only an explicit permission for the mode itself (not a general access=yes)
        own = tags.get(ACCESS_KEYS[mode][0])
        if mode == "car":
            own = own or tags.get("motor_vehicle")
        return own in ALLOWED
    return False


def _oneway(tags: dict, highway: str, mode: str) -> int:
    """+1 forward only, -1 backward only, 0 both ways (walkers ignore one-way streets)."""
    if mode == "walk":
        return 0
    if mode == "bike":
        if tags.get("oneway:bicycle") == "no":
            return 0
        for key in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"):
            if tags.get(key, "").startswith("opposite"):
                return 0
    value = tags.get("oneway")
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0"):
        return 0
    if tags.get("junction") in ("roundabout", "circular") or highway in ("motorway", "motorway_link"):
        return 1
    return 0


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_osm(path: Path, modes: Sequence[str], speeds: dict[str, float]):
    """Stream the ways with ``highway=*``: flat node refs and per-way attributes per mode."""
    import osmium

    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    way_len: list[int] = []
    allowed = {m: [] for m in modes}
    oneway = {m: [] for m in modes}
    car_speed: list[float] = []
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in fp:
            tags = {t.k: t.v for t in way.tags}
            highway = tags["highway"]
            ok = {m: _mode_allowed(tags, highway, m) for m in modes}
            if "car" in ok and tags.get("oneway") in ("reversible", "alternating"):
                ok["car"] = False
            if not any(ok.values()):
                continue
            nodes = way.nodes
            n_before = len(refs)
            try:
                for nd in nodes:
                    loc = nd.location
                    if not loc.valid():
                        raise osmium.InvalidLocationError("missing node")
                    refs.append(nd.ref)
                    lons.append(loc.lon)
                    lats.append(loc.lat)
            except osmium.InvalidLocationError:
                # a way whose nodes are outside the extract: keep nothing of it
                del refs[n_before:], lons[n_before:], lats[n_before:]
                continue
            way_len.append(len(refs) - n_before)
            for m in modes:
                allowed[m].append(ok[m])
                oneway[m].append(_oneway(tags, highway, m) if ok[m] else 0)
            if "car" in modes:
                sp = parse_maxspeed(tags.get("maxspeed"))
                car_speed.append(sp if sp is not None else speeds.get(highway, DEFAULT_CAR_SPEED_KMH))
    except (RuntimeError, OSError) as exc:  # libosmium reports truncated/garbled input so
        raise OSMReadError(f"cannot read OSM file {path}: {exc}") from exc
    return (
        np.asarray(refs, dtype=np.int64),
        np.asarray(lons, dtype=np.float64),
        np.asarray(lats, dtype=np.float64),
        np.asarray(way_len, dtype=np.int64),
        {m: np.asarray(allowed[m], dtype=bool) for m in modes},
        {m: np.asarray(oneway[m], dtype=np.int8) for m in modes},
        np.asarray(car_speed, dtype=np.float64),
    )


def _largest_scc(n: int, u: np.ndarray, v: np.ndarray, oneway: np.ndarray) -> np.ndarray:
    """Boolean node mask of the largest strongly connected component."""
    from scipy.sparse.csgraph import connected_components

    rows = np.concatenate([u, v[~oneway]])
    cols = np.concatenate([v, u[~oneway]])
    g = scipy.sparse.csr_array((np.ones(rows.shape[0]), (rows, cols)), shape=(n, n))
    _, labels = connected_components(g, directed=True, connection="strong")
    used = np.zeros(n, dtype=bool)
    used[rows] = True
    counts = np.bincount(labels[used], minlength=labels.max() + 1)
    return labels == int(np.argmax(counts))


_CACHE_FIELDS = ("x", "y", "indptr", "indices", "length_m", "time_s", "twin", "node_id")


def save_network(net: Network, path: Path) -> None:
    """Store a network as an ``.npz`` file (the cache :func:`build_networks` keeps)."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, mode=net.mode, checksum=net.checksum, **{f: getattr(net, f) for f in _CACHE_FIELDS})
    os.replace(tmp, path)


def load_network(path: Path) -> Network:
    """A network stored by :func:`save_network`."""
    with np.load(path, allow_pickle=False) as z:
        return Network(mode=str(z["mode"]), checksum=str(z["checksum"]), **{f: z[f] for f in _CACHE_FIELDS})


def build_networks(
    path: str | os.PathLike,
    modes: Sequence[str] = ("walk", "bike", "car"),
    *,
    clip=None,
    margin_m: float = 2000.0,
    speeds: dict[str, float] | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Network]:
    """Walk, bike and car networks from an OSM file (PBF or XML), cached by content.

    ``clip`` (a shapely geometry in EPSG:25832) keeps only streets within ``margin_m`` of it, so
    that trips may leave the region and come back. ``speeds`` overrides ``CAR_SPEEDS_KMH`` per
    road class and may set "walk"/"bike" speeds. With ``cache_dir`` the arrays are stored as
    ``<key>-<mode>.npz`` where the key hashes the file's sha256 and every build parameter: a
    second build of the same file with the same parameters only loads them.
    """
    for m in modes:
        check_mode(m)
    modes = tuple(dict.fromkeys(modes))
    if not modes:
        raise AccessError("no modes given; known: walk, bike, car")
    path = Path(path)
    if not path.is_file():
        raise OSMReadError(f"OSM file {path} does not exist")
    if path.stat().st_size == 0:
        raise OSMReadError(f"OSM file {path} is empty")
    speeds = dict(speeds or {})
    for key, val in speeds.items():
        if key not in CAR_SPEEDS_KMH and key not in ("walk", "bike"):
            raise AccessError(f"unknown speed key {key!r}; known: walk, bike, {', '.join(CAR_SPEEDS_KMH)}")
        if not (isinstance(val, int | float) and 0 < val < 300):
            raise AccessError(f"speed for {key!r} must be in (0, 300) km/h, got {val!r}")
    car_speeds = {**CAR_SPEEDS_KMH, **{k: v for k, v in speeds.items() if k in CAR_SPEEDS_KMH}}
    walk_kmh = float(speeds.get("walk", WALK_SPEED_KMH))
    bike_kmh = float(speeds.get("bike", BIKE_SPEED_KMH))
    say = progress or (lambda msg: None)

    say(f"checksum {path.name}")
    sha = file_sha256(path)
    params = {
        "v": BUILD_VERSION, "sha256": sha, "margin_m": float(margin_m), "walk": walk_kmh,
        "bike": bike_kmh, "car": car_speeds,
        "clip": None if clip is None else hashlib.sha256(clip.wkb).hexdigest(),
    }
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:32]
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        files = {m: cache / f"{key}-{m}.npz" for m in modes}
        if all(f.is_file() for f in files.values()):
            log.info("networks for %s loaded from cache %s", path.name, cache)
            say("loaded from cache")
            return {m: load_network(f) for m, f in files.items()}

    say(f"reading {path.name}")
    refs, lons, lats, way_len, allowed, oneway, car_speed = _read_osm(path, modes, car_speeds)
    if refs.size == 0:
        raise NoRoadsError(f"OSM file {path} holds no roads (no ways with highway=* usable by {', '.join(modes)})")
    say("building graphs")
    node_ids, first, inv = np.unique(refs, return_index=True, return_inverse=True)
    lon, lat = lons[first], lats[first]
    x, y = to_utm(lon, lat)
    way_of = np.repeat(np.arange(way_len.shape[0]), way_len)
    last = np.cumsum(way_len) - 1
    seg = np.ones(refs.shape[0], dtype=bool)
    seg[last] = False
    pos = np.flatnonzero(seg)
    su, sv, sway = inv[pos], inv[pos + 1], way_of[pos]
    slen = haversine_m(lon[su], lat[su], lon[sv], lat[sv])
    if clip is not None:
        import shapely

        area = clip.buffer(float(margin_m)) if margin_m else clip
        inside = shapely.contains_xy(area, x, y)
        keep = inside[su] | inside[sv]
        su, sv, sway, slen = su[keep], sv[keep], sway[keep], slen[keep]
        if su.size == 0:
            raise NoRoadsError(f"OSM file {path} holds no roads within {margin_m:g} m of the clip area")
    out: dict[str, Network] = {}
    for m in modes:
        sel = allowed[m][sway] & (su != sv)
        if not sel.any():
            raise NoRoadsError(f"OSM file {path} holds no roads usable by mode {m!r}")
        ow = oneway[m][sway[sel]]
        u = np.where(ow < 0, sv[sel], su[sel])
        v = np.where(ow < 0, su[sel], sv[sel])
        length = slen[sel]
        if m == "car":
            kmh = car_speed[sway[sel]]
        else:
            kmh = np.full(length.shape[0], walk_kmh if m == "walk" else bike_kmh)
        comp = _largest_scc(x.shape[0], u, v, ow != 0)
        keep = comp[u] & comp[v]
        new = np.cumsum(comp) - 1
        net = network_from_edges(
            x[comp], y[comp], new[u[keep]], new[v[keep]], length[keep], mode=m,
            time_s=length[keep] / (kmh[keep] / 3.6), oneway=ow[keep] != 0,
            checksum=f"{key}-{m}", node_id=node_ids[comp],
        )
        out[m] = net
        say(f"{m}: {net.n_nodes} nodes, {net.n_edges} edges")
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            save_network(net, cache / f"{key}-{m}.npz")
    return out
