"""Isochrones: exact partial streets, buffered, checked by hand and against reach times."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from nahraum.access import AccessError, isochrone, network_from_edges, snap
from nahraum.access.isochrone import reach_times
from nahraum.access.network import ACCESS_SPEED_MS


@pytest.fixture(scope="module")
def grid():
    """3 × 3 nodes, 100 m apart, 1 m/s: seconds equal metres."""
    xs, ys = np.meshgrid(np.arange(3) * 100.0, np.arange(3) * 100.0)
    u, v = [], []
    for r in range(3):
        for c in range(3):
            k = r * 3 + c
            if c < 2:
                u.append(k), v.append(k + 1)
            if r < 2:
                u.append(k), v.append(k + 3)
    return network_from_edges(xs.ravel(), ys.ravel(), u, v, np.full(len(u), 100.0), speed_kmh=3.6)


def test_partial_streets_by_hand(grid):
    o = snap(grid, [150.0], [0.0])  # middle of the bottom street 1-2
    small, mid, big = isochrone(grid, o, [30.0, 120.0, 10_000.0], buffer_m=1.0)
    # 30 s: 30 m either way along the street → 60 × 2 m strip plus round caps
    assert small.bounds == pytest.approx((119.0, -1.0, 181.0, 1.0))
    assert small.area == pytest.approx(60 * 2 + np.pi, rel=0.02)
    # 120 s: node 1 reached at 50 s → 70 m further west (x = 30) and 70 m north (y = 70)
    assert mid.bounds == pytest.approx((29.0, -1.0, 201.0, 71.0))  # the grid ends at x = 200
    assert mid.contains(shapely.Point(100.0, 69.0)) and not mid.contains(shapely.Point(100.0, 75.0))
    assert not mid.contains(shapely.Point(150.0, 50.0))  # between streets: not reachable
    # everything: the whole grid
    assert big.bounds == pytest.approx((-1.0, -1.0, 201.0, 201.0))
    assert small.within(mid.buffer(1e-6)) and mid.within(big.buffer(1e-6))


def test_access_leg_counts(grid):
    o = snap(grid, [150.0], [-20.0])  # 20 m south of the street, walked at 5 km/h
    walk = 20.0 / ACCESS_SPEED_MS
    none, some = isochrone(grid, o, [walk - 1.0, walk + 30.0], buffer_m=1.0)
    assert none.is_empty
    assert some.bounds == pytest.approx((119.0, -1.0, 181.0, 1.0), abs=1e-6)


def test_reach_times_match_od(grid):
    o = snap(grid, [150.0], [0.0])
    t = reach_times(grid, o)
    assert t.tolist() == pytest.approx([150, 50, 50, 250, 150, 150, 350, 250, 250])


def test_bad_isochrone_input(grid):
    o = snap(grid, [150.0], [0.0])
    with pytest.raises(AccessError, match="cutoffs"):
        isochrone(grid, o, [-5.0])
    with pytest.raises(AccessError, match="cutoffs"):
        isochrone(grid, o, [])
    with pytest.raises(AccessError, match="buffer_m"):
        isochrone(grid, o, [10.0], buffer_m=0)
    far = snap(grid, [9000.0], [0.0], ids=["Rathaus"])
    with pytest.raises(AccessError, match="Rathaus"):
        isochrone(grid, far, [60.0])


def test_one_way_isochrone():
    x = np.array([0.0, 100.0, 200.0])
    y = np.zeros(3)
    net = network_from_edges(x, y, [0, 1], [1, 2], [100.0, 100.0], mode="car", speed_kmh=36.0,
                             oneway=[True, True])
    o = snap(net, [100.0], [0.0])  # at node 1 (end of 0 → 1 or start of 1 → 2)
    (area,) = isochrone(net, o, [5.0], buffer_m=1.0)  # 5 s at 10 m/s: 50 m, eastwards only
    assert area.bounds == pytest.approx((99.0, -1.0, 151.0, 1.0))
