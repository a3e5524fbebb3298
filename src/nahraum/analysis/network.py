"""The region's street networks: built from its OSM file, cached under ``DATA_DIR/networks``.

The engine (``nahraum.access.network``) knows files and arrays only; this glue knows regions.
A region's networks are clipped to the union of its municipalities' boundaries plus a margin
(trips may cross the region's edge and come back), cached as ``.npz`` keyed by the file's
checksum and the build parameters, and remembered per region in ``<slug>.json`` so that an
analysis run finds them without rebuilding.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry import shape

from nahraum.access import AccessError, Network, Progress
from nahraum.access.network import build_networks
from nahraum.access.projection import to_utm

log = logging.getLogger(__name__)

#: How far beyond the region's boundary streets are kept (metres).
DEFAULT_MARGIN_M = 2000.0


def cache_dir() -> Path:
    """Where built networks live (one directory for all regions; files are keyed by content)."""
    return Path(settings.DATA_DIR) / "networks"


def region_clip(region) -> shapely.Geometry | None:
    """Union of the region's municipality boundaries in its planar CRS (``region.crs``), or
    None if none is known."""
    parts = []
    for mun in region.municipalities.all():
        geo = mun.boundary
        if not geo:
            continue
        if geo.get("type") == "Feature":
            geo = geo.get("geometry")
        elif geo.get("type") == "FeatureCollection":
            for feat in geo.get("features", []):
                parts.append(shape(feat["geometry"]))
            continue
        parts.append(shape(geo))
    if not parts:
        return None
    wgs = shapely.union_all(parts)

    def project(coords):
        x, y = to_utm(coords[:, 0], coords[:, 1], region.crs)
        return np.column_stack([x, y])

    return shapely.transform(wgs, project)


def pointer_path(region) -> Path:
    """The file that remembers which cached networks belong to the region."""
    return cache_dir() / f"{region.slug}.json"


def default_osm_path(region) -> Path | None:
    """The OSM file shipped for the bundled demo region (others name theirs with --pbf)."""
    try:
        from nahraum.data.bundled import REGION_SLUG, street_network_path
    except ImportError:  # pragma: no cover - data package absent
        return None
    if region.slug == REGION_SLUG and street_network_path().is_file():
        return street_network_path()
    return None


def build_region_networks(
    region,
    osm_path: str | Path,
    modes: Sequence[str] = ("walk", "bike", "car"),
    *,
    margin_m: float = DEFAULT_MARGIN_M,
    speeds: dict[str, float] | None = None,
    progress: Progress | None = None,
) -> dict[str, Network]:
    """Build (or load from the cache) the region's networks and remember them for the region.

    Every engine run of the region projects cells, facilities, stops and the clip above into
    the region's planar CRS (``region.crs``, its UTM zone); the networks are built in it too,
    not in the zone the engine would pick from the file, so that they always fit together.
    """
    nets = build_networks(
        osm_path,
        modes,
        clip=region_clip(region),
        margin_m=margin_m,
        speeds=speeds,
        cache_dir=cache_dir(),
        progress=progress,
        crs=region.crs,
    )
    known: dict[str, str] = {}
    if pointer_path(region).is_file():  # keep the other modes built earlier from the same file
        old = json.loads(pointer_path(region).read_text(encoding="utf-8"))
        if old.get("osm_path") == str(Path(osm_path).resolve()) and old.get("margin_m") == margin_m:
            known = old.get("networks", {})
    pointer = {
        "osm_path": str(Path(osm_path).resolve()),
        "margin_m": margin_m,
        "speeds": speeds or {},
        "networks": {**known, **{m: f"{n.checksum}.npz" for m, n in nets.items()}},
    }
    cache_dir().mkdir(parents=True, exist_ok=True)
    pointer_path(region).write_text(json.dumps(pointer, indent=2), encoding="utf-8")
    return nets


def load_networks(region, modes: Sequence[str] | None = None) -> dict[str, Network]:
    """The region's networks: from the cache if built, else built from the bundled OSM file.

    Returns an empty dict when the region has no street network at all (the analysis then
    falls back to straight-line distances, labelled so).
    """
    from nahraum.access.network import load_network

    pointer = pointer_path(region)
    nets: dict[str, Network] = {}
    if pointer.is_file():
        info = json.loads(pointer.read_text(encoding="utf-8"))
        for m, fname in info.get("networks", {}).items():
            if modes is not None and m not in modes:
                continue
            f = cache_dir() / fname
            if f.is_file():
                net = load_network(f)
                if net.crs == region.crs:  # else built before the region's CRS changed: rebuild
                    nets[m] = net
        wanted = set(modes or info.get("networks", {}))
        if wanted <= set(nets):
            return nets
        osm = Path(info["osm_path"])
        if osm.is_file():
            return build_region_networks(
                region,
                osm,
                tuple(sorted(wanted | set(nets))),
                margin_m=info.get("margin_m", DEFAULT_MARGIN_M),
                speeds=info.get("speeds") or None,
            )
    osm = default_osm_path(region)
    if osm is None:
        return nets
    try:
        return build_region_networks(region, osm, tuple(modes or ("walk", "bike", "car")))
    except AccessError as exc:
        log.warning("no street network for %s: %s", region.slug, exc)
        return nets


#: One network kept in memory between requests (the isochrone endpoint answers every click).
_NETWORK_CACHE: dict[tuple, Network] = {}


def cached_network(region, mode: str) -> Network | None:
    """The region's network of ``mode``, kept in memory for the next call; None if it has none.

    Keyed by the region's pointer file and its time: a rebuilt network is reloaded.
    """
    pointer = pointer_path(region)
    key = (str(pointer), pointer.stat().st_mtime_ns if pointer.is_file() else 0, mode)
    net = _NETWORK_CACHE.get(key)
    if net is None:
        net = load_networks(region, [mode]).get(mode)
        if net is None:
            return None
        _NETWORK_CACHE.clear()
        _NETWORK_CACHE[key] = net
    return net
