"""Street networks from OpenStreetMap: which ways each mode may use, one-way rules, speeds, and
:func:`build_networks`, which streams an OSM file (PBF or XML) once into walk, bike and car
networks (:class:`~.graph.Network`), cached on disk by content.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse

from .errors import AccessError, NoRoadsError, OSMReadError, check_mode
from .graph import (
    BIKE_SPEED_KMH,
    DEFAULT_CAR_SPEED_KMH,
    WALK_SPEED_KMH,
    Network,
    load_network,
    network_from_edges,
    save_network,
)
from .limits import check_file_size
from .progress import Progress, report
from .projection import haversine_m, to_utm, utm_crs

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
    {
        "no",
        "private",
        "agricultural",
        "forestry",
        "delivery",
        "military",
        "emergency",
        "use_sidepath",
        "psv",
        "bus",
        "dismount",
    }
)
ALLOWED = frozenset({"yes", "designated", "permissive", "destination", "customers", "official"})

#: Car speeds (km/h) where a way has no usable ``maxspeed``. Free-flow figures below the legal
#: limits of German roads (e.g. 100 km/h outside towns) because a road class covers both urban
#: and rural stretches; living streets at walking pace (StVO: "Schrittgeschwindigkeit").
CAR_SPEEDS_KMH = {
    "motorway": 120.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 40.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 30.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 7.0,
    "service": 20.0,
    "road": 30.0,
    "track": 15.0,
}
#: Symbolic maxspeed values (Germany first; "walk" = living street).
MAXSPEED_WORDS = {
    "DE:urban": 50.0,
    "DE:rural": 100.0,
    "DE:living_street": 7.0,
    "DE:bicycle_road": 30.0,
    "DE:zone30": 30.0,
    "DE:zone:30": 30.0,
    "DE:zone20": 20.0,
    "DE:zone:20": 20.0,
    "walk": 7.0,
    "AT:urban": 50.0,
    "AT:rural": 100.0,
    "FI:urban": 50.0,
    "FI:rural": 80.0,
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
    if tags.get("junction") in ("roundabout", "circular") or highway in (
        "motorway",
        "motorway_link",
    ):
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
                car_speed.append(
                    sp if sp is not None else speeds.get(highway, DEFAULT_CAR_SPEED_KMH)
                )
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


def build_networks(
    path: str | os.PathLike,
    modes: Sequence[str] = ("walk", "bike", "car"),
    *,
    clip=None,
    margin_m: float = 2000.0,
    speeds: dict[str, float] | None = None,
    cache_dir: str | os.PathLike | None = None,
    crs: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Network]:
    """Walk, bike and car networks from an OSM file (PBF or XML), cached by content.

    ``crs`` is the planar CRS of the networks (default: :func:`.projection.utm_crs` of the file's
    streets, EPSG:25832 for the bundled Lemgo region). ``clip`` (a shapely geometry in that
    CRS) keeps only streets within ``margin_m`` of it, so
    that trips may leave the region and come back. ``speeds`` overrides ``CAR_SPEEDS_KMH`` per
    road class and may set "walk"/"bike" speeds. With ``cache_dir`` the arrays are stored as
    ``<key>-<mode>.npz`` where the key hashes the file's sha256 and every build parameter: a
    second build of the same file with the same parameters only loads them. ``progress`` is
    called once per step (checksum, reading, building, then one per mode; see :mod:`.progress`).
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
    check_file_size(path)  # the operator's NAHRAUM_MAX_UPLOAD_BYTES, as for every input file
    speeds = dict(speeds or {})
    for key, val in speeds.items():
        if key not in CAR_SPEEDS_KMH and key not in ("walk", "bike"):
            raise AccessError(
                f"unknown speed key {key!r}; known: walk, bike, {', '.join(CAR_SPEEDS_KMH)}"
            )
        if not (isinstance(val, int | float) and 0 < val < 300):
            raise AccessError(f"speed for {key!r} must be in (0, 300) km/h, got {val!r}")
    car_speeds = {**CAR_SPEEDS_KMH, **{k: v for k, v in speeds.items() if k in CAR_SPEEDS_KMH}}
    walk_kmh = float(speeds.get("walk", WALK_SPEED_KMH))
    bike_kmh = float(speeds.get("bike", BIKE_SPEED_KMH))
    say = report(progress)
    steps = 3 + len(modes)

    say(0, steps, f"checksum {path.name}")
    sha = file_sha256(path)
    params = {
        "v": BUILD_VERSION,
        "sha256": sha,
        "margin_m": float(margin_m),
        "walk": walk_kmh,
        "bike": bike_kmh,
        "car": car_speeds,
        "clip": None if clip is None else hashlib.sha256(clip.wkb).hexdigest(),
        "crs": crs or "auto",
    }
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:32]
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        files = {m: cache / f"{key}-{m}.npz" for m in modes}
        if all(f.is_file() for f in files.values()):
            log.info("networks for %s loaded from cache %s", path.name, cache)
            say(steps, steps, "loaded from cache")
            return {m: load_network(f) for m, f in files.items()}

    say(1, steps, f"reading {path.name}")
    refs, lons, lats, way_len, allowed, oneway, car_speed = _read_osm(path, modes, car_speeds)
    if refs.size == 0:
        raise NoRoadsError(
            f"OSM file {path} holds no roads (no ways with highway=* usable by {', '.join(modes)})"
        )
    say(2, steps, "building graphs")
    node_ids, first, inv = np.unique(refs, return_index=True, return_inverse=True)
    lon, lat = lons[first], lats[first]
    crs = crs or utm_crs(lon, lat)
    x, y = to_utm(lon, lat, crs)
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
            raise NoRoadsError(
                f"OSM file {path} holds no roads within {margin_m:g} m of the clip area"
            )
    out: dict[str, Network] = {}
    for i, m in enumerate(modes):
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
            x[comp],
            y[comp],
            new[u[keep]],
            new[v[keep]],
            length[keep],
            mode=m,
            time_s=length[keep] / (kmh[keep] / 3.6),
            oneway=ow[keep] != 0,
            checksum=f"{key}-{m}",
            node_id=node_ids[comp],
            crs=crs,
        )
        out[m] = net
        say(4 + i, steps, f"{m}: {net.n_nodes} nodes, {net.n_edges} edges")
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            save_network(net, cache / f"{key}-{m}.npz")
    return out
