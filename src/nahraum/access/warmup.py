"""Warm-up: run every compiled kernel once, at install time, so that numba compiles (or loads
from its cache) now rather than on a user's first click. Its own module because it touches every
part of the engine (routing, isochrones, GTFS timetables, transit), which otherwise need not
know each other."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

from .graph import network_from_edges
from .gtfs import Timetable
from .reach import isochrone
from .route import count_within, gravity, nearest, od_matrix
from .snap import snap
from .transit import prepare, travel_times


def warm_up() -> float:
    """Run every compiled kernel once on a 3-node street, so that numba compiles them (the
    first time after an install: ~16 s on 2 cores) or loads them from its on-disk cache now —
    at install time — rather than on a user's first click. Returns the seconds it took.

    The inputs have the same array types as real networks and points, so the compiled versions
    are the ones later calls use."""
    t0 = time.perf_counter()
    x = np.array([0.0, 100.0, 200.0])
    y = np.zeros(3)
    net = network_from_edges(x, y, [0, 1], [1, 2], [100.0, 100.0], mode="car", oneway=[False, True])
    o = snap(net, [10.0, 150.0], [5.0, -5.0])
    d = snap(net, [190.0, 60.0], [0.0, 3.0])
    for k in (1, 2):
        nearest(net, o, d, k=k, max_time_s=600.0)
    count_within(net, o, d, max_time_s=600.0)
    count_within(net, o, d, max_distance_m=150.0)
    gravity(net, o, d, decay="exponential", beta=0.01)
    od_matrix(net, o, d)
    od_matrix(net, o.subset([0]), d, weight="distance")
    isochrone(net, o.subset([0]), [30.0, 60.0], buffer_m=10.0)
    tt = Timetable(
        trip_indptr=np.array([0, 2], np.int64),
        stop=np.array([0, 1], np.int32),
        arr=np.array([25200, 25260], np.int32),
        dep=np.array([25200, 25260], np.int32),
        trip_route=np.zeros(1, np.int32),
        trip_direction=np.zeros(1, np.int8),
        trip_source=np.arange(1),
        n_stops=2,
        day=dt.date(2025, 1, 7),
    )
    prep = prepare(tt, x[[0, 2]], y[[0, 2]], walk_network=net)
    travel_times(prep, x[[0]], y[[0]] + 5.0, {"warm": (x[[2]], y[[2]])})
    return time.perf_counter() - t0
