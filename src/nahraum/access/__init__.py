"""The accessibility engine: a plain library, numpy arrays in and out, no Django.

Coordinates are metres in EPSG:25832, times seconds, distances metres (see the engine contract).
"""

from .errors import AccessError, NoRoadsError, OSMReadError
from .graph import Network, network_from_edges
from .progress import Progress
from .projection import to_utm, to_wgs84
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
    "to_utm",
    "to_wgs84",
    "isochrone",
    "Nearest",
    "nearest",
    "count_within",
    "gravity",
    "od_matrix",
    "Snapped",
    "snap",
    "snap_nodes",
]
