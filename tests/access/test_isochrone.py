"""Isochrones: exact partial streets, buffered, checked by hand and against reach times."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from nahraum.access import AccessError, isochrone, network_from_edges, reach, snap
from nahraum.access.network import ACCESS_SPEED_MS
from nahraum.access.reach import reach_times


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
    net = network_from_edges(
        x, y, [0, 1], [1, 2], [100.0, 100.0], mode="car", speed_kmh=36.0, oneway=[True, True]
    )
    o = snap(net, [100.0], [0.0])  # at node 1 (end of 0 → 1 or start of 1 → 2)
    (area,) = isochrone(net, o, [5.0], buffer_m=1.0)  # 5 s at 10 m/s: 50 m, eastwards only
    assert area.bounds == pytest.approx((99.0, -1.0, 151.0, 1.0))


def _brute_force_samples(px, py, speed_ms, oneway, u, v, xs, ys, n_t=41):
    """Points along every street with their travel time from the origin, by scipy's Dijkstra on
    the plain street list (independent of the engine's kernels and of shapely)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    n = xs.shape[0]
    length = np.hypot(xs[v] - xs[u], ys[v] - ys[u])
    w = length / speed_ms
    rows = np.concatenate([u, v[~oneway]])
    cols = np.concatenate([v, u[~oneway]])
    g = coo_matrix((np.concatenate([w, w[~oneway]]), (rows, cols)), shape=(n, n)).tocsr()
    sp = dijkstra(g, directed=True)
    # the origin sits on street `s` at fraction f (from u[s]), `acc` seconds off the street
    d = np.hypot(xs[v] - xs[u], ys[v] - ys[u])
    t_proj = np.clip(((px - xs[u]) * (xs[v] - xs[u]) + (py - ys[u]) * (ys[v] - ys[u])) / d**2, 0, 1)
    off = np.hypot(xs[u] + t_proj * (xs[v] - xs[u]) - px, ys[u] + t_proj * (ys[v] - ys[u]) - py)
    s = int(np.argmin(off))
    f, acc = t_proj[s], off[s] / ACCESS_SPEED_MS
    node_cost = acc + (1 - f) * w[s] + sp[v[s]]
    if not oneway[s]:
        node_cost = np.minimum(node_cost, acc + f * w[s] + sp[u[s]])
    t = np.linspace(0.0, 1.0, n_t)
    sx, sy, sc = [], [], []
    for i in range(u.shape[0]):
        cost = node_cost[u[i]] + t * w[i]  # from u towards v
        if not oneway[i]:
            cost = np.minimum(cost, node_cost[v[i]] + (1 - t) * w[i])
        if i == s:  # along the origin's own street
            own = acc + np.where(t >= f, (t - f) * w[i], np.inf if oneway[i] else (f - t) * w[i])
            cost = np.minimum(cost, own)
        sx.append(xs[u[i]] + t * (xs[v[i]] - xs[u[i]]))
        sy.append(ys[u[i]] + t * (ys[v[i]] - ys[u[i]]))
        sc.append(cost)
    spacing = float(length.max()) / (n_t - 1)
    return np.concatenate(sx), np.concatenate(sy), np.concatenate(sc), spacing


def test_isochrones_agree_with_brute_force_reach():
    """Irregular streets, mixed speeds, one-way streets: a point within ``buffer_m`` of a street
    point reachable in time lies inside; one farther than ``buffer_m`` from everything reachable
    (plus the sampling step and the buffer's arc tolerance) lies outside; areas nest."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(7)
    k = 9
    gx, gy = np.meshgrid(np.arange(k) * 120.0, np.arange(k) * 120.0)
    xs = gx.ravel() + rng.uniform(-30, 30, k * k)
    ys = gy.ravel() + rng.uniform(-30, 30, k * k)
    u, v = [], []
    for r in range(k):
        for c in range(k):
            i = r * k + c
            if c < k - 1 and rng.random() < 0.85:
                u.append(i), v.append(i + 1)
            if r < k - 1 and rng.random() < 0.85:
                u.append(i), v.append(i + k)
    u, v = np.array(u), np.array(v)
    speed_ms = rng.choice([5.0, 8.0, 13.9], u.shape[0])
    oneway = rng.random(u.shape[0]) < 0.2
    length = np.hypot(xs[v] - xs[u], ys[v] - ys[u])
    net = network_from_edges(
        xs, ys, u, v, length, mode="car", speed_kmh=speed_ms * 3.6, oneway=oneway
    )
    px, py = 430.0, 515.0
    o = snap(net, [px], [py])
    buf = 40.0
    cutoffs = [150.0, 45.0, 90.0, 90.0]  # unsorted and repeated: answered in the given order
    areas = isochrone(net, o, cutoffs, buffer_m=buf)
    assert areas[2].equals(areas[3])
    sx, sy, sc, spacing = _brute_force_samples(px, py, speed_ms, oneway, u, v, xs, ys)
    test_pts = np.column_stack([rng.uniform(-100, 1100, 4000), rng.uniform(-100, 1100, 4000)])
    arc = buf * (1 - np.cos(np.pi / 4 / 4))  # QUAD_SEGS = 4: the arcs' largest deviation
    for c, area in zip(cutoffs, areas, strict=True):
        reach = cKDTree(np.column_stack([sx[sc <= c], sy[sc <= c]]))
        d, _ = reach.query(test_pts)
        inside = shapely.contains_xy(area, test_pts[:, 0], test_pts[:, 1])
        must_in = d < buf - arc - 1e-6
        must_out = d > buf + spacing + 1e-6
        assert must_in.sum() > 50 and must_out.sum() > 50  # the check has teeth
        assert inside[must_in].all()
        assert not inside[must_out].any()
        # every street point reached in time is inside
        assert shapely.contains_xy(area, sx[sc <= c], sy[sc <= c]).all()
    small, mid, big = areas[1], areas[2], areas[0]
    assert small.area < mid.area < big.area
    assert small.within(mid.buffer(1e-6)) and mid.within(big.buffer(1e-6))


def test_union_in_strips_on_threads_gives_the_same_area(monkeypatch):
    """The union split over threads (servers with spare cores) equals the single union."""
    n = 30  # 1,740 streets: every one its own chain (all junctions have degree > 2)
    xs, ys = np.meshgrid(np.arange(n) * 80.0, np.arange(n) * 80.0)
    k = np.arange(n * n).reshape(n, n)
    u = np.concatenate([k[:, :-1].ravel(), k[:-1, :].ravel()])
    v = np.concatenate([k[:, 1:].ravel(), k[1:, :].ravel()])
    net = network_from_edges(xs.ravel(), ys.ravel(), u, v, np.full(u.shape[0], 80.0), speed_kmh=3.6)
    o = snap(net, [1190.0], [1205.0])
    cutoffs = [600.0, 3000.0]
    monkeypatch.setattr(reach, "threads", lambda: 1)
    one = isochrone(net, o, cutoffs, buffer_m=20.0)
    monkeypatch.setattr(reach, "threads", lambda: 3)
    calls = []
    real = shapely.union_all
    monkeypatch.setattr(
        reach.shapely, "union_all", lambda g, **kw: calls.append(len(g)) or real(g, **kw)
    )
    three = isochrone(net, o, cutoffs, buffer_m=20.0)
    assert any(c > 1 and c <= 3 for c in calls)  # strips were merged: the split path ran
    for a, b in zip(one, three, strict=True):
        assert a.area > 0 and shapely.symmetric_difference(a, b).area < 1e-6 * a.area
    assert three[1].contains(shapely.Point(0.0, 0.0))  # 3,000 s at 1 m/s reaches the corner
