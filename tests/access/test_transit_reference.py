"""The journey engine equals a plain connection scan on generated GTFS feeds, for every origin,
destination and departure minute (issue 13: RAPTOR's transfer walks, next-day trips,
transfers.txt).

The feeds are generated (seeded) as GTFS zips and go through the whole path: ``read_feed`` →
``timetable_for_day`` → ``prepare`` → ``travel_times``. They have groups of stops a few hundred
metres apart along a street (chains: A–B and B–C within walking reach, A–C not), stations with
platforms, trips past midnight on the day before, the day and the day after, lines given by
frequencies.txt, and transfers.txt rows of types 0–3 (at a stop, between stops, at stations,
between stops farther apart than a transfer walk).

The reference shares nothing with the engine but the journey model (see
``nahraum.access.transit``): it expands the generator's own trip list for the three service days
itself, applies the transfers.txt rules itself, and runs a textbook connection scan per origin
and minute: access walk to any stop, rides, after a ride either a change at the stop (minimum
change time) or ONE walk to another stop (never a second walk), egress walk from any stop
reached, or walking the whole way.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pytest

from nahraum.access.gtfs import read_feed, timetable_for_day
from nahraum.access.transit import TransitParams, prepare, travel_times

WALK = 5.0 / 3.6
DETOUR = 1.3
SPEED = WALK / DETOUR  # straight-line metres per second, as the engine's Walker without network
DAY = dt.date(2025, 1, 7)  # a Tuesday
WEEKDAYS = {"WD": {0, 1, 2, 3, 4}, "MO": {0}, "TU": {1}, "WE": {2}}


def hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def generate(seed: int, window: tuple[int, int]):
    """A feed around ``window``: returns (zip bytes, model) where the model is the generator's
    own description (stops, trips with service ids, frequencies, rules)."""
    rng = np.random.default_rng(seed)
    xs, ys, names, loc, parent = [], [], [], [], []

    def stop(x, y, kind=0, par=""):
        names.append(f"s{len(names)}")
        xs.append(x)
        ys.append(y)
        loc.append(kind)
        parent.append(par)
        return len(names) - 1

    platforms = []
    for g in range(4):  # groups of stops along a street: chains within walking reach
        cx, cy = rng.uniform(0, 3000), rng.uniform(0, 3000)
        ang = rng.uniform(0, np.pi)
        n = int(rng.integers(2, 4))
        pos = np.cumsum(rng.uniform(180, 300, n)) - 150
        if g < 2:  # a station with its platforms
            st = stop(cx, cy, 1)
            for p in pos:
                platforms.append(stop(cx + p * np.cos(ang), cy + p * np.sin(ang), 0, names[st]))
        else:
            for p in pos:
                platforms.append(stop(cx + p * np.cos(ang), cy + p * np.sin(ang)))
    for _ in range(5):
        platforms.append(stop(rng.uniform(0, 3000), rng.uniform(0, 3000)))
    platforms = np.array(platforms)
    trips = []  # (service, stops, arr, dep, freq or None)
    w0, w1 = window
    for line in range(7):
        m = int(rng.integers(2, 6))
        seq = rng.choice(platforms, size=m, replace=False)
        hops = rng.integers(60, 500, size=m - 1)
        dwell = rng.integers(0, 90, size=m)
        for direction in (0, 1):
            order = seq if direction == 0 else seq[::-1]
            h = hops if direction == 0 else hops[::-1]
            off_a, off_d, t = [], [], 0
            for j in range(m):
                off_a.append(t)
                t += int(dwell[j])
                off_d.append(t)
                if j < m - 1:
                    t += int(h[j])
            off_a, off_d = np.array(off_a), np.array(off_d)
            headway = int(rng.choice([420, 600, 900, 1500]))
            for service, shift in (("TU", 0), ("MO", 86400), ("WE", -86400), ("WD", 0)):
                # trips of each service day around the window on the day's clock
                lo = w0 - 3600 + shift
                hi = w1 + 1800 + shift
                if hi < 0:
                    continue
                lo = max(lo, 0)
                first = lo + int(rng.integers(0, headway))
                if line % 3 == 0:  # frequencies.txt
                    trips.append((service, order, off_a, off_d, (first, hi, headway)))
                    continue
                while first < hi:
                    slow = 1.7 if rng.random() < 0.15 else 1.0  # overtaken now and then
                    a = first + np.round(off_a * slow).astype(int)
                    d = first + np.round(off_d * slow).astype(int)
                    d = np.maximum(d, a)
                    trips.append((service, order, a, d, None))
                    first += headway + int(rng.integers(-60, 60))
                if service == "WD" and rng.random() < 0.5:
                    break
    rules = []
    stations = [i for i in range(len(names)) if loc[i] == 1]
    all_stops = list(platforms) + stations
    for _ in range(14):
        kind = int(rng.integers(0, 4))
        a = int(rng.choice(all_stops))
        if rng.random() < 0.4:
            b = a
        else:
            near = [s for s in all_stops if 0 < np.hypot(xs[s] - xs[a], ys[s] - ys[a]) < 700]
            b = int(rng.choice(near)) if near else a
        mn = int(rng.integers(30, 420)) if kind == 2 else -1
        rules.append((a, b, kind, mn))
    model = {
        "x": np.array(xs),
        "y": np.array(ys),
        "loc": np.array(loc),
        "parent": [names.index(p) if p else -1 for p in parent],
        "trips": trips,
        "rules": rules,
    }
    return _zip(names, xs, ys, loc, parent, trips, rules), model


def _zip(names, xs, ys, loc, parent, trips, rules) -> bytes:
    lat = 52.0 + np.array(ys) / 111200.0
    lon = 8.9 + np.array(xs) / 68500.0
    stops = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"] + [
        f"{n},{n},{la:.7f},{lo:.7f},{k},{p}"
        for n, la, lo, k, p in zip(names, lat, lon, loc, parent, strict=True)
    ]
    trips_txt = ["route_id,service_id,trip_id,direction_id"]
    st = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    freq = ["trip_id,start_time,end_time,headway_secs"]
    for i, (service, order, a, d, fr) in enumerate(trips):
        trips_txt.append(f"R,{service},t{i},0")
        base = fr[0] if fr else 0
        st += [
            f"t{i},{hms(base + int(x))},{hms(base + int(y))},{names[s]},{j + 1}"
            for j, (s, x, y) in enumerate(zip(order, a, d, strict=True))
        ]
        if fr:
            freq.append(f"t{i},{hms(fr[0])},{hms(fr[1])},{fr[2]}")
    days = {k: [int(d in v) for d in range(7)] for k, v in WEEKDAYS.items()}
    files = {
        "agency.txt": "agency_name,agency_url,agency_timezone\nA,https://x.test,Europe/Berlin\n",
        "stops.txt": "\n".join(stops) + "\n",
        "routes.txt": "route_id,route_short_name,route_type\nR,1,3\n",
        "trips.txt": "\n".join(trips_txt) + "\n",
        "stop_times.txt": "\n".join(st) + "\n",
        "frequencies.txt": "\n".join(freq) + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\n"
        + "".join(f"{k},{','.join(map(str, v))},20250101,20251231\n" for k, v in days.items()),
        "transfers.txt": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
        + "".join(f"{names[a]},{names[b]},{k},{m if m >= 0 else ''}\n" for a, b, k, m in rules),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


# -- the reference -------------------------------------------------------------------------


def walk(model, a, b) -> float:
    return float(np.hypot(model["x"][a] - model["x"][b], model["y"][a] - model["y"][b]) / SPEED)


def connections(model) -> list[tuple]:
    """(dep, arr, from stop, to stop, trip) of every ride between consecutive stops, of the
    trips of Monday (−24 h), Tuesday and Wednesday (+24 h), frequencies expanded."""
    out = []
    trip = 0
    for service, order, a, d, fr in model["trips"]:
        for shift, weekday in ((-86400, 0), (0, 1), (86400, 2)):
            if weekday not in WEEKDAYS[service]:
                continue
            # frequencies.txt: start_time is the first stop's departure
            starts = range(fr[0] - int(d[0]), fr[1] - int(d[0]), fr[2]) if fr else [0]
            for s0 in starts:
                for j in range(len(order) - 1):
                    out.append(
                        (
                            s0 + int(d[j]) + shift,
                            s0 + int(a[j + 1]) + shift,
                            int(order[j]),
                            int(order[j + 1]),
                            trip,
                        )
                    )
                trip += 1
    out.sort(key=lambda c: (c[0], c[1]))
    return out


def rules_by_pair(model) -> dict:
    """(from, to) → (kind, min) per platform pair: stations stand for their platforms, the more
    specific row wins, then the later one."""
    kids = {}
    for s, p in enumerate(model["parent"]):
        if p >= 0:
            kids.setdefault(p, []).append(s)
    best = {}
    for r, (a, b, kind, mn) in enumerate(model["rules"]):
        sa = kids.get(a, []) if model["loc"][a] == 1 else [a]
        sb = kids.get(b, []) if model["loc"][b] == 1 else [b]
        spec = int(model["loc"][a] != 1) + int(model["loc"][b] != 1)
        for x in sa:
            for y in sb:
                if (x, y) not in best or (spec, r) >= best[(x, y)][:2]:
                    best[(x, y)] = (spec, r, kind, mn)
    return {k: v[2:] for k, v in best.items()}


def transfer_walks(model, params) -> tuple[dict, dict]:
    """Per stop: its change time, and its walks [(to, seconds)] after the rules."""
    n = len(model["x"])
    rules = rules_by_pair(model)
    change = {}
    walks = {s: [] for s in range(n)}
    for s in range(n):
        kind, mn = rules.get((s, s), (0, -1))
        change[s] = {0: params.min_change_s, 1: 0.0, 2: float(mn), 3: np.inf}[kind]
        for q in range(n):
            if q == s:
                continue
            w = walk(model, s, q)
            kind, mn = rules.get((s, q), (0, -1))
            if kind == 1:
                walks[s].append((q, 0.0))
            elif kind == 2:
                walks[s].append((q, max(w, float(mn))))
            elif kind == 0 and w <= params.max_transfer_s:
                walks[s].append((q, w))
    return change, walks


def reference(model, params, origins_x, origins_y, fac_x, fac_y) -> np.ndarray:
    conns = connections(model)
    change, walks = transfer_walks(model, params)
    n = len(model["x"])
    deps = params.departures()
    out = np.full((len(origins_x), len(deps), len(fac_x)), np.inf)
    sx, sy = model["x"], model["y"]
    egress = np.hypot(sx[:, None] - fac_x[None, :], sy[:, None] - fac_y[None, :]) / SPEED
    egress[egress > params.max_egress_s] = np.inf
    for o in range(len(origins_x)):
        access = np.hypot(sx - origins_x[o], sy - origins_y[o]) / SPEED
        direct = np.hypot(fac_x - origins_x[o], fac_y - origins_y[o]) / SPEED
        for di, t in enumerate(deps.tolist()):
            board = np.full(n, np.inf)
            arrived = np.full(n, np.inf)
            ok = access <= params.max_access_s
            board[ok] = t + access[ok]
            arrived[ok] = t + access[ok]
            on = set()
            for dep, arr, a, b, trip in conns:
                if dep < t:
                    continue
                if dep > t + params.max_time_s:
                    break
                if trip not in on:
                    if board[a] > dep:
                        continue
                    on.add(trip)
                arrived[b] = min(arrived[b], arr)
                board[b] = min(board[b], arr + change[b])
                for q, w in walks[b]:  # one walk after a ride; walk arrivals start none
                    arrived[q] = min(arrived[q], arr + w)
                    board[q] = min(board[q], arr + w)
            best = np.minimum((arrived[:, None] + egress).min(axis=0), t + direct)
            best = best - t
            best[best > params.max_time_s] = np.inf
            out[o, di] = best
    return out


WINDOWS = {
    "morning": (7 * 3600, 7 * 3600 + 1800),
    "after midnight": (23 * 3600 + 40 * 60, 24 * 3600 + 20 * 60),
    "early": (0, 1800),
    "up to 47:59": (47 * 3600 + 20 * 60, 48 * 3600),
}


@pytest.mark.slow  # reference search: ~20 s for all cases
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("window", list(WINDOWS))
def test_engine_equals_connection_scan_on_every_pair_and_minute(seed, window):
    w = WINDOWS[window]
    params = TransitParams(
        window=w,
        step_s=60,
        max_access_s=300,
        max_egress_s=300,
        max_transfer_s=300,
        max_time_s=5400,
        walk_speed_ms=WALK,
        detour=DETOUR,
        min_change_s=30 if seed == 2 else 0,
    )
    data, model = generate(seed, w)
    feed = read_feed(data)
    assert list(feed.stop_id) == [f"s{i}" for i in range(len(model["x"]))]
    tt = timetable_for_day(feed, DAY, start_s=w[0], end_s=w[1] + int(params.max_time_s))
    sx, sy = model["x"], model["y"]
    platforms = np.flatnonzero(model["loc"] == 0)
    ox, oy = sx[platforms] + 3.0, sy[platforms] - 4.0  # a cell next to every platform
    fx, fy = sx[platforms] - 5.0, sy[platforms] + 2.0  # and a facility type at each
    facilities = {f"f{i}": (fx[i : i + 1], fy[i : i + 1]) for i in range(len(platforms))}
    prep = prepare(tt, sx, sy, params=params)
    res = travel_times(prep, ox, oy, facilities, keep_minutes=True)
    expected = reference(model, params, ox, oy, fx, fy)
    # the cases must be non-trivial: rides that beat walking, and changes on the way
    walking = np.hypot(fx[None, :] - ox[:, None], fy[None, :] - oy[:, None]) / SPEED
    faster = expected < walking[:, None, :] - 1
    assert faster.sum() > 50, "transit must beat walking often in this test"
    np.testing.assert_allclose(res.times, expected, rtol=0, atol=1e-2)


@pytest.mark.slow  # reference search
def test_several_windows_and_day_types_share_one_search():
    """Day types × windows: one profile search over the union of the windows equals the
    reference per window, and a second timetable (another day) reuses the walking parts."""
    from nahraum.access.transit import travel_times_windows, walking_legs

    windows = {k: WINDOWS[k] for k in ("morning", "after midnight", "up to 47:59")}
    params = TransitParams(
        window=windows["morning"],
        max_access_s=300,
        max_egress_s=300,
        max_time_s=5400,
        walk_speed_ms=WALK,
        detour=DETOUR,
    )
    # one feed with trips around every window
    data, model = generate(5, (7 * 3600, 48 * 3600))
    feed = read_feed(data)
    sx, sy = model["x"], model["y"]
    platforms = np.flatnonzero(model["loc"] == 0)
    ox, oy = sx[platforms] + 3.0, sy[platforms] - 4.0
    fx, fy = sx[platforms] - 5.0, sy[platforms] + 2.0
    facilities = {f"f{i}": (fx[i : i + 1], fy[i : i + 1]) for i in range(len(platforms))}
    first = None
    for day in (DAY, DAY + dt.timedelta(days=1)):
        tt = timetable_for_day(feed, day, start_s=7 * 3600, end_s=48 * 3600 + 5400)
        if first is None:
            first = prepare(tt, sx, sy, params=params)
            legs = walking_legs(first, ox, oy, facilities)
            prep = first
        else:  # the next day type: walker, walking links and legs are shared
            prep = prepare(
                tt, sx, sy, params=params, walker=first.walker, transfer_links=first.walk_links
            )
            assert prep.walker is first.walker
        res = travel_times_windows(prep, ox, oy, facilities, windows, keep_minutes=True, legs=legs)
        assert list(res) == list(windows)
        for name, w in windows.items():
            single = travel_times(
                prepare(tt, sx, sy, params=TransitParams(**{**params.__dict__, "window": w})),
                ox,
                oy,
                facilities,
                keep_minutes=True,
            )
            np.testing.assert_array_equal(res[name].times, single.times)
            if day == DAY:
                expected = reference(
                    model, TransitParams(**{**params.__dict__, "window": w}), ox, oy, fx, fy
                )
                np.testing.assert_allclose(res[name].times, expected, rtol=0, atol=1e-2)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ({}, "windows: expected a non-empty mapping"),
        ({"a": (9 * 3600, 7 * 3600)}, r"windows\['a'\]: need 0 ≤ start < end"),
        ({"a": (0, 49 * 3600)}, r"windows\['a'\]: need 0 ≤ start < end ≤ 48:00"),
        ({"a": "morning"}, r"windows\['a'\]: expected \(start_s, end_s\)"),
    ],
)
def test_bad_windows_are_named(windows, message):
    from nahraum.access import AccessError
    from nahraum.access.transit import travel_times_windows

    data, model = generate(1, WINDOWS["morning"])
    tt = timetable_for_day(read_feed(data), DAY, start_s=0, end_s=9 * 3600)
    prep = prepare(tt, model["x"], model["y"])
    with pytest.raises(AccessError, match=message):
        travel_times_windows(prep, [0.0], [0.0], {"a": ([1.0], [1.0])}, windows)
    with pytest.raises(AccessError, match="origin_x/origin_y"):
        travel_times(prep, [0.0, 1.0], [0.0], {"a": ([1.0], [1.0])})
    with pytest.raises(AccessError, match=r"facilities\['a'\]"):
        travel_times(prep, [0.0], [0.0], {"a": ([1.0, 2.0], [1.0])})
