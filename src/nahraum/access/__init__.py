"""The accessibility engine: a plain library, numpy arrays in and out, no Django.

Coordinates are metres in a planar CRS chosen from where the data lie (:func:`utm_crs`; the
bundled Lemgo region: EPSG:25832), times seconds, distances metres (see the engine contract).
For notebooks, :mod:`nahraum.access.frames` takes (Geo)DataFrames and returns DataFrames indexed
by your ids, NaN for "none" (its ``travel_times``, ``counts_within``, ``isochrones`` are
re-exported here; ``frames.nearest`` is the table form of :func:`nearest`).
"""

from . import frames
from .errors import AccessError, NoRoadsError, OSMReadError
from .frames import counts_within, isochrones, region_crs, snap_frame, travel_times
from .graph import Network, network_from_edges
from .progress import Progress
from .projection import DEFAULT_CRS, OutsideZoneWarning, ZoneWarning, to_utm, to_wgs84, utm_crs
from .reach import isochrone
from .route import Nearest, count_within, gravity, nearest, od_matrix
from .snap import Snapped, snap, snap_nodes

__all__ = [
    "AccessError",
    "NoRoadsError",
    "OSMReadError",
    "Network",
    "network_from_edges",
    "Progress",
    "DEFAULT_CRS",
    "ZoneWarning",
    "OutsideZoneWarning",
    "to_utm",
    "to_wgs84",
    "utm_crs",
    "isochrone",
    "Nearest",
    "nearest",
    "count_within",
    "gravity",
    "od_matrix",
    "Snapped",
    "snap",
    "snap_nodes",
    "frames",
    "travel_times",
    "counts_within",
    "isochrones",
    "region_crs",
    "snap_frame",
]
