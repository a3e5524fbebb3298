"""WGS84 ⇄ ETRS89 / UTM 32N (EPSG:25832), the engine's planar coordinates in metres.

The transformers are built once and reused: building a pyproj Transformer costs milliseconds,
which would dominate converting a handful of points.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

ENGINE_CRS = "EPSG:25832"


@lru_cache(maxsize=2)
def _transformer(forward: bool) -> Transformer:
    if forward:
        return Transformer.from_crs("EPSG:4326", ENGINE_CRS, always_xy=True)
    return Transformer.from_crs(ENGINE_CRS, "EPSG:4326", always_xy=True)


def to_utm(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (degrees, WGS84) → x/y metres in EPSG:25832."""
    x, y = _transformer(True).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_wgs84(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """x/y metres in EPSG:25832 → longitude/latitude (degrees, WGS84)."""
    lon, lat = _transformer(False).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres (mean Earth radius 6,371,008.8 m).

    Edge lengths are measured on the sphere, not in UTM, so that an extract far from the zone's
    central meridian (Helsinki lies 16° east of 9° E) does not get lengths ~1 % too long.
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
