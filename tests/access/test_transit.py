"""Transit travel times agree with a brute-force time-expanded search on every OD pair and minute.

The feeds are built by hand (random but seeded, small): a few lines over a dozen stops, some
trips overtaking others, trips past midnight, a demand-responsive area. The brute force builds
the explicit time-expanded graph (one node per event, waiting chains at stops) and
runs a plain heapq Dijkstra per origin and departure minute, sharing nothing with the engine but
the journey model's rules.
"""

from __future__ import annotations

import datetime as dt
import heapq

import numpy as np
import pytest
import scipy.sparse.csgraph as csgraph
import shapely

from nahraum.access.gtfs import Timetable
from nahraum.access.network import network_from_edges
from nahraum.access.transit import (
    DemandResponsive,
    TransitParams,
    Walker,
    build_patterns,
    minute_statistics,
    prepare,
    travel_times,
)

WALK = 5.0 / 3.6
DETOUR = 1.3


def random_timetable(seed: int, n_stops: int = 12, n_lines: int = 5):
    rng = np.random.default_rng(seed)
    sx = rng.uniform(0, 4000, n_stops)
    sy = rng.uniform(0, 3000, n_stops)
    trips = []  # (stops, arr, dep)
    for _ in range(n_lines):
        m = int(rng.integers(3, 7))
        stops = rng.choice(n_stops, size=m, replace=False)
        hops = rng.integers(60, 600, size=m - 1)
        dwell = rng.integers(0, 60, size=m)
        for direction in (0, 1):
            seq = stops if direction == 0 else stops[::-1]
            first = 6 * 3600 + 45 * 60 + int(rng.integers(0, 900))
            headway = int(rng.choice([300, 600, 1200, 1800]))
            while first < 9 * 3600 + 1800:
                slow = 1.0 + (0.8 if rng.random() < 0.2 else 0.0)  # some trips get overtaken
                arr, dep, t = [], [], first
                h = hops if direction == 0 else hops[::-1]
                for j in range(m):
                    arr.append(t)
                    t += int(dwell[j])
                    dep.append(t)
                    if j < m - 1:
                        t += int(h[j] * slow)
                trips.append((seq.copy(), np.array(arr), np.array(dep)))
                first += headway
    lengths = [len(t[0]) for t in trips]
    tt = Timetable(
        trip_indptr=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        stop=np.concatenate([t[0] for t in trips]).astype(np.int32),
        arr=np.concatenate([t[1] for t in trips]).astype(np.int32),
        dep=np.concatenate([t[2] for t in trips]).astype(np.int32),
        trip_route=np.zeros(len(trips), np.int32),
        trip_direction=np.zeros(len(trips), np.int8),
        trip_source=np.arange(len(trips)),
        n_stops=n_stops,
        day=dt.date(2025, 1, 7),
    )
    ox, oy = rng.uniform(0, 4000, 6), rng.uniform(0, 3000, 6)
    facilities = {
        f"f{i}": (np.array([rng.uniform(0, 4000)]), np.array([rng.uniform(0, 3000)]))
        for i in range(5)
    }
    return tt, sx, sy, ox, oy, facilities


def walk_s(ax, ay, bx, by):
    return float(np.hypot(ax - bx, ay - by)) * DETOUR / WALK


def brute_force(tt, sx, sy, ox, oy, facilities, params, drt=()):
    """Earliest arrival by an explicit time-expanded graph: [n_origins, n_minutes, n_types]."""
    deps = params.departures()
    keys = list(facilities)
    n_s = len(sx)
    out = np.full((len(ox), len(deps), len(keys)), np.inf)
    trips = [
        (tt.stop[a:b], tt.arr[a:b], tt.dep[a:b])
        for a, b in zip(tt.trip_indptr[:-1], tt.trip_indptr[1:], strict=True)
    ]
    inside = [lambda x, y, d=d: bool(shapely.contains_xy(d.area, x, y)) for d in drt]
    for o in range(len(ox)):
        for di, t in enumerate(deps):
            g = Graph()
            events: dict[int, set] = {s: set() for s in range(n_s)}

            def chain(s, time, events=events):
                events[s].add(float(time))
                return ("stop", s, float(time))

            for ti, (stops, arr, dep) in enumerate(trips):
                for j in range(len(stops)):
                    if j < len(stops) - 1:
                        g.add_edge(chain(stops[j], dep[j]), ("dep", ti, j), w=0)
                        g.add_edge(("dep", ti, j), ("arr", ti, j + 1), w=arr[j + 1] - dep[j])
                    if j > 0:
                        g.add_edge(("arr", ti, j), chain(stops[j], arr[j]), w=0)
                        if j < len(stops) - 1:
                            g.add_edge(("arr", ti, j), ("dep", ti, j), w=dep[j] - arr[j])
                        for q in range(n_s):  # one walk after leaving a trip
                            w = walk_s(sx[stops[j]], sy[stops[j]], sx[q], sy[q])
                            if q != stops[j] and w <= params.max_transfer_s:
                                g.add_edge(("arr", ti, j), chain(q, arr[j] + w), w=w)
            for s in range(n_s):
                a = walk_s(ox[o], oy[o], sx[s], sy[s])
                if a <= params.max_access_s:
                    g.add_edge("src", chain(s, t + a), w=a)
                for k, d in enumerate(drt):
                    y = max(t, d.start_s)
                    if inside[k](ox[o], oy[o]) and inside[k](sx[s], sy[s]) and y <= d.end_s:
                        ride = d.max_wait_s + float(
                            d.ride_s(np.hypot(ox[o] - sx[s], oy[o] - sy[s]))
                        )
                        g.add_edge("src", chain(s, y + ride), w=y - t + ride)
            for s in range(n_s):  # waiting chains and egress
                times = sorted(events[s])
                for a, b in zip(times[:-1], times[1:], strict=True):
                    g.add_edge(("stop", s, a), ("stop", s, b), w=b - a)
                for x in times:
                    for i, key in enumerate(keys):
                        fx, fy = facilities[key][0][0], facilities[key][1][0]
                        e = walk_s(sx[s], sy[s], fx, fy)
                        if e <= params.max_egress_s:
                            g.add_edge(("stop", s, x), ("fac", i), w=e)
                        for k, d in enumerate(drt):
                            y = max(x, d.start_s)
                            if inside[k](sx[s], sy[s]) and inside[k](fx, fy) and y <= d.end_s:
                                ride = d.max_wait_s + float(
                                    d.ride_s(np.hypot(sx[s] - fx, sy[s] - fy))
                                )
                                _min_edge(g, ("stop", s, x), ("fac", i), y - x + ride)
            for i, key in enumerate(keys):
                fx, fy = facilities[key][0][0], facilities[key][1][0]
                _min_edge(g, "src", ("fac", i), walk_s(ox[o], oy[o], fx, fy))
                for k, d in enumerate(drt):
                    y = max(t, d.start_s)
                    if inside[k](ox[o], oy[o]) and inside[k](fx, fy) and y <= d.end_s:
                        ride = d.max_wait_s + float(d.ride_s(np.hypot(ox[o] - fx, oy[o] - fy)))
                        _min_edge(g, "src", ("fac", i), y - t + ride)
            dist = g.dijkstra("src")
            for i in range(len(keys)):
                v = dist.get(("fac", i), np.inf)
                out[o, di, i] = v if v <= params.max_time_s else np.inf
    return out


class Graph:
    """A directed graph as dict of dicts, with a textbook Dijkstra."""

    def __init__(self):
        self.adj: dict = {}

    def add_edge(self, a, b, w):
        self.adj.setdefault(a, {})[b] = float(w)

    def dijkstra(self, source) -> dict:
        dist = {source: 0.0}
        heap = [(0.0, 0, source)]
        tick = 0
        while heap:
            d, _, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            for v, w in self.adj.get(u, {}).items():
                if d + w < dist.get(v, np.inf):
                    dist[v] = d + w
                    tick += 1
                    heapq.heappush(heap, (d + w, tick, v))
        return dist


def _min_edge(g, a, b, w):
    if g.adj.get(a, {}).get(b, np.inf) > w:
        g.add_edge(a, b, w=w)


PARAMS = TransitParams(
    window=(7 * 3600, 7 * 3600 + 1800),
    step_s=90,
    max_access_s=900,
    max_egress_s=900,
    max_transfer_s=300,
    max_time_s=3 * 3600,
    walk_speed_ms=WALK,
    detour=DETOUR,
)


@pytest.mark.slow  # brute-force reference
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_brute_force_on_every_pair_and_minute(seed):
    tt, sx, sy, ox, oy, facilities = random_timetable(seed)
    prep = prepare(tt, sx, sy, params=PARAMS)
    res = travel_times(prep, ox, oy, facilities, keep_minutes=True)
    expected = brute_force(tt, sx, sy, ox, oy, facilities, PARAMS)
    assert np.isfinite(expected).any()
    # transit must beat walking somewhere, or the test would only test walking
    walking = np.array(
        [
            [walk_s(ox[o], oy[o], f[0][0], f[1][0]) for f in facilities.values()]
            for o in range(len(ox))
        ]
    )
    assert (expected < walking[:, None, :] - 1).any()
    np.testing.assert_allclose(res.times, expected, rtol=0, atol=1e-2)
    for key in facilities:  # one facility per type: it is the one reached wherever reachable
        assert set(res.facility[key][np.isfinite(res.median[key])].tolist()) <= {0}
    median, p90 = minute_statistics(expected)
    np.testing.assert_allclose(
        res.median["f0"], median[:, 0] if median.ndim == 2 else median, atol=1e-2
    )


@pytest.mark.slow  # brute-force reference
def test_demand_responsive_area_agrees_with_brute_force():
    tt, sx, sy, ox, oy, facilities = random_timetable(4)
    area = shapely.box(0, 0, 2500, 3000)
    drt = DemandResponsive(
        "737", area, start_s=7 * 3600 + 600, end_s=7 * 3600 + 1500, max_wait_s=600, speed_kmh=30
    )
    prep = prepare(tt, sx, sy, params=PARAMS, drt=[drt])
    res = travel_times(prep, ox, oy, facilities, keep_minutes=True)
    expected = brute_force(tt, sx, sy, ox, oy, facilities, PARAMS, drt=[drt])
    without = brute_force(tt, sx, sy, ox, oy, facilities, PARAMS)
    assert (expected < without - 1).any(), "the Rufbus must matter somewhere in this test"
    np.testing.assert_allclose(res.times, expected, rtol=0, atol=1e-2)


def test_the_nearer_of_two_facilities_is_named():
    tt, sx, sy, ox, oy, _ = random_timetable(5)
    fx, fy = np.array([ox[0] + 50.0, 99999.0]), np.array([oy[0], 99999.0])
    res = travel_times(prepare(tt, sx, sy, params=PARAMS), ox[:1], oy[:1], {"gp": (fx, fy)})
    assert res.facility["gp"].tolist() == [0]
    assert res.median["gp"][0] == pytest.approx(50.0 * DETOUR / WALK)


def test_minute_statistics_nearest_rank():
    times = np.array(
        [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 1, 1, np.inf, np.inf, np.inf, np.inf, np.inf]],
        float,
    )
    median, p90 = minute_statistics(times)
    assert median.tolist() == [5.5, np.inf]
    assert p90.tolist() == [9.0, np.inf]


def test_overtaking_trips_get_their_own_pattern():
    tt = Timetable(
        trip_indptr=np.array([0, 2, 4]),
        stop=np.array([0, 1, 0, 1], np.int32),
        arr=np.array([0, 1000, 100, 500], np.int32),
        dep=np.array([0, 1000, 100, 500], np.int32),
        trip_route=np.zeros(2, np.int32),
        trip_direction=np.zeros(2, np.int8),
        trip_source=np.arange(2),
        n_stops=2,
        day=dt.date(2025, 1, 7),
    )
    p = build_patterns(tt)
    assert len(p.n_trips) == 2


@pytest.mark.slow  # scipy's Dijkstra as the reference
def test_walking_on_a_street_network_matches_dijkstra():
    # a 6 × 6 grid of 100 m blocks; points sit on nodes so snapping adds nothing
    n = 6
    xs, ys = np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0)
    x, y = xs.ravel(), ys.ravel()
    u, v = [], []
    for i in range(n):
        for j in range(n):
            k = i * n + j
            if j + 1 < n:
                u.append(k), v.append(k + 1)
            if i + 1 < n:
                u.append(k), v.append(k + n)
    u, v = np.array(u), np.array(v)
    net = network_from_edges(x, y, u, v, np.hypot(x[u] - x[v], y[u] - y[v]), mode="walk")
    walker = Walker(net, PARAMS)
    src = np.array([0, 7, 20])
    dst = np.array([35, 14, 3, 0])
    links = walker.links(x[src], y[src], x[dst], y[dst], 400.0)
    full = csgraph.dijkstra(net.csr("time"), indices=src)[:, dst]
    expected = {(i, j): full[i, j] for i in range(3) for j in range(4) if full[i, j] <= 400.0}
    got = {(int(a), int(b)): t for a, b, t in zip(links.src, links.dst, links.time_s, strict=True)}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value)
    near, which = walker.nearest(x[src], y[src], x[dst], y[dst])
    np.testing.assert_allclose(near, full.min(axis=1))
    assert which.tolist() == full.argmin(axis=1).tolist()
    near, which = walker.nearest(x[src], y[src], x[dst], y[dst], limit_s=50.0)
    assert which.tolist() == [3, -1, -1] and near[1] == np.inf  # only node 0 is itself a target


def _line_feed(departures_s: list[int], ride_s: int):
    """One bus line A (stop 0, x = 100 m) → B (stop 1, x = 5,000 m), no dwell."""
    dep = np.array(departures_s, np.int32)
    n = len(dep)
    tt = Timetable(
        trip_indptr=np.arange(0, 2 * n + 1, 2, dtype=np.int64),
        stop=np.tile(np.array([0, 1], np.int32), n),
        arr=np.column_stack([dep, dep + ride_s]).ravel().astype(np.int32),
        dep=np.column_stack([dep, dep + ride_s]).ravel().astype(np.int32),
        trip_route=np.zeros(n, np.int32),
        trip_direction=np.zeros(n, np.int8),
        trip_source=np.arange(n),
        n_stops=2,
        day=dt.date(2025, 1, 7),
    )
    return tt, np.array([100.0, 5000.0]), np.array([0.0, 0.0])


HOUR_PARAMS = TransitParams(
    window=(7 * 3600, 8 * 3600), step_s=60, walk_speed_ms=WALK, detour=DETOUR
)
S_PER_M = DETOUR / WALK  # 0.936 s per metre of straight line


def test_a_cell_5_km_from_the_gp_next_to_a_direct_bus_is_much_faster_by_bus():
    """Worked by hand. Home at x = 0, stop A at 100 m, stop B at 5,000 m, GP at 5,100 m.

    Walking all the way: 5,100 m × 0.936 s/m = 4,773.6 s (79.6 min). By bus every 20 minutes
    (A at 06:40, 07:00, …; 10 min ride): access 93.6 s, egress 93.6 s. Leaving home at minute
    m after 07:00 catches the first bus at or after 60 m + 93.6 s, so the travel time is
    813.6 s + 60 s × k with k = 0 … 19 for the 20 minutes of each cycle (k = 19 is the minute
    that just misses a bus), each value three times in the hour. Median = mean of sorted
    positions 29 and 30 = 813.6 + 60 × 9.5 = 1,383.6 s (23.1 min); 90th percentile (nearest
    rank 54) = 813.6 + 60 × 17 = 1,833.6 s (30.6 min); fastest minute 813.6 s.
    """
    tt, sx, sy = _line_feed(list(range(6 * 3600 + 2400, 9 * 3600 + 1, 1200)), 600)
    gp = (np.array([5100.0]), np.array([0.0]))
    res = travel_times(
        prepare(tt, sx, sy, params=HOUR_PARAMS),
        np.array([0.0]),
        np.array([0.0]),
        {"gp": gp},
        keep_minutes=True,
    )
    walk = 5100 * S_PER_M
    assert walk == pytest.approx(4773.6)
    assert res.median["gp"][0] == pytest.approx(1383.6, abs=1e-3)
    assert res.p90["gp"][0] == pytest.approx(1833.6, abs=1e-3)
    assert res.times[0, :, 0].min() == pytest.approx(813.6, abs=1e-3)
    assert res.best["gp"][0] == pytest.approx(813.6, abs=1e-3)
    assert res.median["gp"][0] < walk / 3  # the bus is clearly faster than walking


def test_the_median_counts_the_wait_so_an_hourly_bus_can_lose_to_a_40_minute_walk():
    """Worked by hand: the shape of the demo's villages (hourly bus, GP a 30-minute walk away).

    Home at x = 0, GP at 2,000 m: walking takes 2,000 × 0.936 = 1,872 s (31.2 min). Bus from
    A (100 m) to B (1,900 m) at 07:00 and 08:00, 300 s ride; access and egress 93.6 s each.
    Leaving home at minute m (0 … 59) misses the 07:00 bus and catches the 08:00 one, so the
    bus journey takes 3,600 − 60 m + 300 + 93.6 = 3,993.6 − 60 m s (m = 59 would need a 09:00
    bus: none). It beats walking only when 3,993.6 − 60 m < 1,872, i.e. m ≥ 36: 23 of 60
    minutes. The median over the minutes (which counts the wait, as in Conveyal's r5) is
    therefore the walk, 1,872 s, although the best connection takes 513.6 s (8.6 min). This
    is why the demo's villages show the same median by bus as on foot for the GP.
    """
    tt, _, _ = _line_feed([7 * 3600, 8 * 3600], 300)
    sx, sy = np.array([100.0, 1900.0]), np.array([0.0, 0.0])
    gp = (np.array([2000.0]), np.array([0.0]))
    res = travel_times(
        prepare(tt, sx, sy, params=HOUR_PARAMS),
        np.array([0.0]),
        np.array([0.0]),
        {"gp": gp},
        keep_minutes=True,
    )
    walk = 2000 * S_PER_M
    minutes = res.times[0, :, 0].astype(float)
    m = np.arange(60)
    expected = np.minimum(np.where(m <= 58, 3600 - 60 * m + 393.6, np.inf), walk)
    np.testing.assert_allclose(minutes, expected, atol=1e-3)
    assert int((minutes < walk - 1).sum()) == 23
    assert res.median["gp"][0] == pytest.approx(walk, abs=1e-3)
    assert minutes.min() == pytest.approx(513.6, abs=1e-3)
    assert res.best["gp"][0] == pytest.approx(513.6, abs=1e-3)  # the timed journey shows it
