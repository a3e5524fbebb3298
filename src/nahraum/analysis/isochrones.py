"""Areas reachable from a clicked point, as GeoJSON for the supply pages' maps.

The endpoint answers every click on a map, so the region's network stays in memory between
requests (:func:`nahraum.analysis.network.cached_network`). Errors a visitor can cause (a point
far from any street, a region without a network) raise :class:`NoIsochrone` with the message
and HTTP status the endpoint answers with.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from nahraum.access import AccessError, isochrone, snap, to_utm, to_wgs84
from nahraum.region.models import Region

from .network import cached_network

#: How far a clicked point may lie from the street network (metres).
MAX_SNAP_M = 500.0
#: Simplification of the areas: invisible at street scale, a tenth of the bytes.
SIMPLIFY_M = 10.0


class NoIsochrone(Exception):
    """No areas for this request; ``status`` is 404 for what is missing, 400 for a bad point."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _to_lonlat(xy: np.ndarray, crs: str) -> np.ndarray:
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
    return np.column_stack([lon, lat])


def isochrone_features(
    region: Region, lat: float, lon: float, mode: str, minutes: list[float]
) -> dict[str, Any]:
    """Areas reachable within each of ``minutes`` (sorted) by ``mode``, the largest first."""
    net = cached_network(region, mode)
    if net is None:
        raise NoIsochrone(f"no street network for {mode} in this region", status=404)
    x, y = to_utm(np.array([lon]), np.array([lat]), net.crs)
    try:
        origin = snap(net, x, y, max_distance_m=MAX_SNAP_M)
        if not origin.placed.all():
            raise NoIsochrone("the point lies farther than 500 m from the street network")
        areas = isochrone(net, origin, [m * 60 for m in minutes])
    except AccessError as exc:
        raise NoIsochrone(str(exc)) from exc
    features = []
    for m, area in zip(minutes, areas, strict=True):
        geo = shapely.transform(area.simplify(SIMPLIFY_M), lambda xy: _to_lonlat(xy, net.crs))
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geo),
                "properties": {"minutes": m, "mode": mode},
            }
        )
    return {"type": "FeatureCollection", "features": features[::-1]}
