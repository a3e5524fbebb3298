"""The engine for notebooks: (Geo)DataFrames in, DataFrames indexed by your ids out.

The array functions (:mod:`.route`, :mod:`.reach`) take snapped points and return positional
arrays with ``inf`` for "unreachable"; the functions here wrap them the way r5py and pandana do:

* **Points** come as a GeoDataFrame (anything with ``.geometry`` and ``.crs``; non-point
  geometries stand for their centroid) or as a plain DataFrame with ``x``/``y`` columns and a
  ``crs=`` argument (``"EPSG:4326"`` for longitude/latitude; a frame's own ``.crs`` wins).
  They are reprojected to the network's CRS and snapped to it (``max_snap_m``, default 500 m).
* **Ids** are the frame's index, or the column named by ``ids=`` in frames that have it.
* **Results** are pandas objects indexed (and, for matrices, columned) by those ids, with
  ``NaN`` for "none" (not reachable within the cap, or not on the network) — never ``inf``.
* **Progress**: functions that take long accept ``progress`` (see :mod:`.progress`).

``geopandas`` is needed only for :func:`isochrones` (it returns a GeoDataFrame); everything
else needs pandas alone. Example: ``examples/notebook_walkthrough.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import reach, route
from .errors import AccessError
from .graph import Network
from .progress import Progress, report
from .projection import transformer, utm_crs
from .snap import Snapped, snap

__all__ = [
    "counts_within",
    "isochrones",
    "nearest",
    "points",
    "region_crs",
    "snap_frame",
    "travel_times",
]

MAX_SNAP_M = 500.0


def region_crs(frame: Any, *, crs: Any = None, x: str = "x", y: str = "y") -> str:
    """The planar CRS for data lying where ``frame``'s points lie (:func:`.projection.utm_crs`;
    a :class:`~.projection.ZoneWarning` if they span two UTM zones)."""
    _, px, py = points(frame, "EPSG:4326", crs=crs, x=x, y=y)
    return utm_crs(px, py)


def points(
    frame: Any,
    target_crs: Any,
    *,
    crs: Any = None,
    x: str = "x",
    y: str = "y",
    ids: str | None = None,
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The frame's ids and its points' coordinates in ``target_crs``.

    ``crs`` is the CRS of a frame without one of its own (a plain DataFrame). Missing or empty
    geometries give NaN coordinates (such points are not placed on a network)."""
    source = getattr(frame, "crs", None)
    source = source if source is not None else crs
    if source is None:
        raise AccessError(
            "the points have no CRS: use a GeoDataFrame with a CRS, or pass crs= "
            "(e.g. crs='EPSG:4326' for longitude/latitude columns)"
        )
    geometry = _geometry(frame)
    if geometry is not None:
        geoms = np.asarray(geometry, dtype=object)
        missing = np.array([g is None for g in geoms], dtype=bool)
        geoms = np.where(missing, shapely.Point(), geoms)
        geoms = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.centroid(geoms))
        px, py = shapely.get_x(geoms), shapely.get_y(geoms)
    elif x in getattr(frame, "columns", ()) and y in frame.columns:
        px = np.asarray(frame[x], dtype=float)
        py = np.asarray(frame[y], dtype=float)
    else:
        raise AccessError(f"the points need a geometry or the columns {x!r} and {y!r}")
    source, target = CRS.from_user_input(source), CRS.from_user_input(target_crs)
    if source != target:
        px, py = transformer(source.to_string(), target.to_string()).transform(px, py)
    has_ids = ids is not None and ids in getattr(frame, "columns", ())
    index = pd.Index(frame[ids]) if has_ids else pd.Index(frame.index)
    return index, np.asarray(px, dtype=float), np.asarray(py, dtype=float)


def _geometry(frame: Any) -> Any:
    """The frame's geometry (a GeoDataFrame's active one, or a column named so), else None."""
    try:
        return frame.geometry
    except AttributeError:  # a plain DataFrame, or a GeoDataFrame without geometry
        return None


def snap_frame(
    network: Network,
    frame: Any,
    *,
    crs: Any = None,
    x: str = "x",
    y: str = "y",
    ids: str | None = None,
    max_snap_m: float = MAX_SNAP_M,
) -> tuple[pd.Index, Snapped]:
    """The frame's ids and its points snapped to ``network`` (reprojected to its CRS)."""
    index, px, py = points(frame, network.crs, crs=crs, x=x, y=y, ids=ids)
    return index, snap(network, px, py, max_distance_m=max_snap_m, ids=list(index))


def _nan(a: np.ndarray) -> np.ndarray:
    out = np.asarray(a, dtype=float).copy()
    out[~np.isfinite(out)] = np.nan
    return out


def travel_times(
    network: Network,
    origins: Any,
    destinations: Any,
    *,
    max_time_s: float | None = None,
    weight: str = "time",
    crs: Any = None,
    ids: str | None = None,
    max_snap_m: float = MAX_SNAP_M,
) -> pd.DataFrame:
    """Origin × destination travel times in seconds (metres with ``weight="distance"``): rows
    are the origins' ids, columns the destinations' ids, NaN where not reachable (or beyond
    ``max_time_s``) and for points off the network."""
    oi, o = snap_frame(network, origins, crs=crs, ids=ids, max_snap_m=max_snap_m)
    di, d = snap_frame(network, destinations, crs=crs, ids=ids, max_snap_m=max_snap_m)
    m = route.od_matrix(network, o, d, weight=weight, max_cost=max_time_s)
    return pd.DataFrame(_nan(m), index=oi, columns=di)


def nearest(
    network: Network,
    origins: Any,
    destinations: Any,
    *,
    k: int = 1,
    max_time_s: float | None = None,
    crs: Any = None,
    ids: str | None = None,
    max_snap_m: float = MAX_SNAP_M,
) -> pd.DataFrame:
    """Per origin its ``k`` nearest destinations by time: columns ``destination`` (the
    destination's id, NaN/None for none), ``time_s`` and ``distance_m`` (NaN for none). With
    ``k == 1`` indexed by origin id, else by (origin id, ``rank`` 1…k)."""
    oi, o = snap_frame(network, origins, crs=crs, ids=ids, max_snap_m=max_snap_m)
    di, d = snap_frame(network, destinations, crs=crs, ids=ids, max_snap_m=max_snap_m)
    res = route.nearest(network, o, d, k=k, max_time_s=max_time_s)
    found = res.index >= 0
    dest = np.where(found, np.asarray(di, dtype=object)[np.maximum(res.index, 0)], None)
    table = pd.DataFrame(
        {
            "destination": dest.ravel(),
            "time_s": np.where(found, _nan(res.time_s), np.nan).ravel(),
            "distance_m": np.where(found, _nan(res.distance_m), np.nan).ravel(),
        }
    )
    if k == 1:
        table.index = oi
    else:
        table.index = pd.MultiIndex.from_product([oi, range(1, k + 1)], names=[oi.name, "rank"])
    return table


def counts_within(
    network: Network,
    origins: Any,
    destinations: Any,
    *,
    max_time_s: float | None = None,
    max_distance_m: float | None = None,
    weights: str | Sequence[float] | None = None,
    crs: Any = None,
    ids: str | None = None,
    max_snap_m: float = MAX_SNAP_M,
) -> pd.Series:
    """Per origin (by id) the number of destinations within ``max_time_s`` (or
    ``max_distance_m``); ``weights`` (a column of ``destinations`` or one value per destination)
    sums them instead. NaN for origins off the network."""
    oi, o = snap_frame(network, origins, crs=crs, ids=ids, max_snap_m=max_snap_m)
    _, d = snap_frame(network, destinations, crs=crs, ids=ids, max_snap_m=max_snap_m)
    w = (
        np.asarray(destinations[weights] if isinstance(weights, str) else weights, dtype=float)
        if weights is not None
        else None
    )
    counts = route.count_within(
        network, o, d, max_time_s=max_time_s, max_distance_m=max_distance_m, weights=w
    )
    return pd.Series(_nan(counts), index=oi, name="count" if weights is None else "sum")


def isochrones(
    network: Network,
    origins: Any,
    cutoffs_s: Sequence[float],
    *,
    buffer_m: float = 50.0,
    crs: Any = None,
    ids: str | None = None,
    max_snap_m: float = MAX_SNAP_M,
    progress: Progress | None = None,
) -> Any:
    """One area per origin and cutoff (seconds), as a GeoDataFrame in the network's CRS indexed
    by (origin id, ``cutoff_s``); an origin off the network gets empty polygons. ``progress``
    is called once per origin."""
    import geopandas as gpd

    oi, o = snap_frame(network, origins, crs=crs, ids=ids, max_snap_m=max_snap_m)
    say = report(progress)
    rows, areas = [], []
    for i, origin_id in enumerate(oi):
        one = o.subset([i])
        if one.placed.all():
            found = reach.isochrone(network, one, cutoffs_s, buffer_m=buffer_m)
        else:
            found = [shapely.Polygon() for _ in cutoffs_s]
        rows.extend((origin_id, float(c)) for c in cutoffs_s)
        areas.extend(found)
        say(i + 1, len(oi), str(origin_id))
    index = pd.MultiIndex.from_tuples(rows, names=[oi.name or "origin", "cutoff_s"])
    return gpd.GeoDataFrame(geometry=areas, index=index, crs=network.crs)
