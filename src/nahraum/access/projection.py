"""WGS84 ⇄ the planar coordinates of a region (metres, a UTM zone), and choosing that zone.

A region's CRS is chosen from its location by :func:`utm_crs`: the ETRS89 / UTM zone
(EPSG:258zz) in Europe, else WGS84 / UTM (EPSG:326zz north, 327zz south). The bundled region,
Lemgo in Kreis Lippe (8.9° E, 52.0° N), lies in zone 32: EPSG:25832, which is also what the
conversions below use when a caller does not name a CRS (:data:`DEFAULT_CRS`).

The transformers are built once per pair of CRS and reused: building a pyproj Transformer costs
milliseconds, which would dominate converting a handful of points.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from pyproj import Transformer

from .errors import AccessError

WGS84 = "EPSG:4326"
#: Where the bundled example region lies (Lemgo, Kreis Lippe): longitude, latitude.
LEMGO_LONLAT = (8.9, 52.03)


class ZoneWarning(UserWarning):
    """Data spanning two or more UTM zones: distances at the far edge get less exact."""


class OutsideZoneWarning(UserWarning):
    """Data projected into a UTM zone they lie outside of (beyond the zone's edge plus
    :data:`ZONE_MARGIN_DEG`): lengths in the plane grow by up to a few per cent."""


#: How far beyond a UTM zone's edge (3° from its central meridian) data may lie without a
#: warning: all of Germany (5.9°–15.0° E) is commonly mapped in zone 32 (9° E), i.e. up to 6°.
ZONE_MARGIN_DEG = 3.0
#: Beyond this many degrees of longitude from the zone's central meridian a transverse Mercator
#: plane is no longer a map of distances (scale error ≳ 15 %, growing without bound towards
#: 90°): data there are refused, they belong to another region (another zone).
ZONE_LIMIT_DEG = 30.0


def utm_zone(crs: str) -> int | None:
    """The UTM zone number of an ``EPSG:258zz`` / ``326zz`` / ``327zz`` CRS, else None."""
    code = str(crs).upper().removeprefix("EPSG:")
    if not code.isdigit():
        return None
    for base in (25800, 32600, 32700):
        if base + 1 <= int(code) <= base + 60:
            return int(code) - base
    return None


def check_zone(lon: np.ndarray | float, crs: str, what: str = "the data") -> None:
    """Warn (:class:`OutsideZoneWarning`) or refuse (:class:`.errors.AccessError`) longitudes
    that lie outside the UTM zone of ``crs``: a planar CRS is only a map of distances near its
    central meridian, and a feed or extract from elsewhere projected into the region's zone
    gives plausible-looking, wrong metres (CRS that are not UTM zones are not checked)."""
    zone = utm_zone(crs)
    lon = np.asarray(lon, dtype=float)
    if zone is None or lon.size == 0:
        return
    central = zone * 6.0 - 183.0
    off = np.abs((lon - central + 180.0) % 360.0 - 180.0)
    worst = float(np.nanmax(off)) if np.isfinite(off).any() else 0.0
    if worst > ZONE_LIMIT_DEG:
        raise AccessError(
            f"{what} lie up to {worst:.1f}° of longitude from the central meridian "
            f"({central:g}°) of {crs} (UTM zone {zone}); beyond {ZONE_LIMIT_DEG:g}° planar "
            "distances are meaningless: use the UTM zone of the data (utm_crs)"
        )
    if worst > 3.0 + ZONE_MARGIN_DEG:
        n_out = int((off > 3.0 + ZONE_MARGIN_DEG).sum())
        warnings.warn(
            f"{n_out} of {off.size} points of {what} lie outside UTM zone {zone} of {crs} "
            f"(up to {worst:.1f}° from its central meridian {central:g}°): distances there are "
            "less exact; the UTM zone of the data (utm_crs) would fit better",
            OutsideZoneWarning,
            stacklevel=3,
        )


def _in_etrs89_area(lon: float, lat: float) -> bool:
    """ETRS89 / UTM zones 28–38 cover Europe (EPSG's area of use, roughly)."""
    return -16.1 <= lon <= 40.2 and 32.9 <= lat <= 84.2


def utm_crs(lon: np.ndarray | float, lat: np.ndarray | float) -> str:
    """The UTM CRS ("EPSG:…") for points given in degrees, chosen from where they lie.

    One zone for all points: the zone most of them fall in, with a :class:`ZoneWarning` when
    they span more than one (a region astride a zone border still gets one planar CRS, slightly
    less exact at its far side). ETRS89 (EPSG:258zz) in Europe, else WGS84 / UTM
    (EPSG:326zz north of the equator, 327zz south); e.g. ``utm_crs(8.9, 52.0)`` is EPSG:25832.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise ValueError("utm_crs needs at least one finite longitude/latitude")
    lon, lat = lon[ok], lat[ok]
    zones = (np.floor((lon + 180.0) / 6.0).astype(int) % 60) + 1
    found, counts = np.unique(zones, return_counts=True)
    zone = int(found[np.argmax(counts)])
    if len(found) > 1:
        warnings.warn(
            f"the data span UTM zones {', '.join(map(str, found))}; using zone {zone}, where most "
            f"points lie ({counts.max()} of {counts.sum()})",
            ZoneWarning,
            stacklevel=2,
        )
    mid_lon, mid_lat = float(np.median(lon)), float(np.median(lat))
    if _in_etrs89_area(mid_lon, mid_lat) and 28 <= zone <= 38:
        return f"EPSG:{25800 + zone}"
    return f"EPSG:{(32600 if mid_lat >= 0 else 32700) + zone}"


#: The CRS of callers that do not choose one: the bundled region's (Lemgo: EPSG:25832).
DEFAULT_CRS = utm_crs(*LEMGO_LONLAT)


@lru_cache(maxsize=16)
def transformer(source: str, target: str) -> Transformer:
    """A cached pyproj transformer (x/y order: longitude first)."""
    return Transformer.from_crs(source, target, always_xy=True)


def to_utm(
    lon: np.ndarray | float, lat: np.ndarray | float, crs: str = DEFAULT_CRS
) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (degrees, WGS84) → x/y metres in ``crs``.

    Longitudes outside the UTM zone of ``crs`` warn, far outside raise (:func:`check_zone`)."""
    check_zone(lon, crs)
    x, y = transformer(WGS84, crs).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_wgs84(
    x: np.ndarray | float, y: np.ndarray | float, crs: str = DEFAULT_CRS
) -> tuple[np.ndarray, np.ndarray]:
    """x/y metres in ``crs`` → longitude/latitude (degrees, WGS84)."""
    lon, lat = transformer(crs, WGS84).transform(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in metres (mean Earth radius 6,371,008.8 m).

    Edge lengths are measured on the sphere, not in UTM, so that an extract far from the zone's
    central meridian (Helsinki lies 16° east of 9° E) does not get lengths ~1 % too long.
    """
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
