#!/usr/bin/env python
"""Benchmark: public-transport travel times for a whole region over a two-hour window.

A generated region of realistic size: a street grid of ~100,000 nodes (316 × 316 at 100 m,
31.5 km square), ~3,000 stops, 200 bus routes with ~20,000 trips per day written as a GTFS zip
and read back through the importer's parser, 20,000 populated cells and ten facility types.
It measures, for all cells to every facility type over 07:00–09:00 (every minute, median and
90th percentile): parsing, preparation (patterns, walking transfers), walking access/egress,
the RAPTOR profiles and the per-minute evaluation, and the process's peak memory (max RSS).

Usage:  python benchmarks/transit.py [--grid 316] [--stops 3000] [--routes 200]
                                     [--trips 20000] [--cells 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import resource
import time
import zipfile

import numpy as np

from nahraum.access.gtfs import read_feed, timetable_for_day
from nahraum.access.network import network_from_edges
from nahraum.access.projection import to_utm
from nahraum.access.transit import TransitParams, prepare, travel_times


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def grid_network(n: int, spacing: float = 100.0):
    xs, ys = np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing)
    x, y = xs.ravel() + 400000.0, ys.ravel() + 5700000.0
    idx = np.arange(n * n).reshape(n, n)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    return network_from_edges(x, y, u, v, np.hypot(x[u] - x[v], y[u] - y[v]), mode="walk")


def hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def generate_feed(rng, size: float, n_stops: int, n_routes: int, n_trips: int) -> tuple:
    """GTFS zip bytes: routes are corridors across the region through the stops near a line."""
    x0, y0 = 400000.0, 5700000.0
    sx = rng.uniform(0, size, n_stops)
    sy = rng.uniform(0, size, n_stops)
    lat = 51.4 + sy / 111200.0
    lon = 7.6 + sx / (111200.0 * np.cos(np.radians(51.5)))
    stops_txt = ["stop_id,stop_name,stop_lat,stop_lon"] + [
        f"s{i},Stop {i},{lat[i]:.6f},{lon[i]:.6f}" for i in range(n_stops)
    ]
    routes_txt = ["route_id,route_short_name,route_type"]
    trips_txt = ["route_id,service_id,trip_id,direction_id"]
    st_txt = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    per_route = n_trips // n_routes
    for r in range(n_routes):
        routes_txt.append(f"r{r},{r},3")
        # a corridor through a random point in a random direction
        cx, cy = rng.uniform(0.2, 0.8, 2) * size
        ang = rng.uniform(0, np.pi)
        dx, dy = np.cos(ang), np.sin(ang)
        along = (sx - cx) * dx + (sy - cy) * dy
        across = np.abs(-(sx - cx) * dy + (sy - cy) * dx)
        near = np.flatnonzero((across < 350) & (np.abs(along) < 9000))
        seq = near[np.argsort(along[near])]
        if len(seq) < 2:
            seq = rng.choice(n_stops, 2, replace=False)
        hop = np.hypot(np.diff(sx[seq]), np.diff(sy[seq])) * 1.3 / (25 / 3.6)
        offsets = np.concatenate([[0], np.cumsum(np.round(hop) + 30)]).astype(int)
        n_each = per_route // 2
        headway = (18 * 3600) // max(n_each, 1)
        for d in (0, 1):
            order = seq if d == 0 else seq[::-1]
            off = offsets if d == 0 else (offsets[-1] - offsets[::-1])
            start0 = 5 * 3600 + int(rng.integers(0, headway))
            for k in range(n_each):
                tid = f"r{r}d{d}k{k}"
                trips_txt.append(f"r{r},WD,{tid},{d}")
                t0 = start0 + k * headway
                st_txt += [
                    f"{tid},{hms(t0 + o)},{hms(t0 + o)},s{s},{j + 1}"
                    for j, (s, o) in enumerate(zip(order, off, strict=True))
                ]
    files = {
        "agency.txt": "agency_name,agency_url,agency_timezone\nBench,https://x.test,Europe/Berlin\n",
        "stops.txt": "\n".join(stops_txt) + "\n",
        "routes.txt": "\n".join(routes_txt) + "\n",
        "trips.txt": "\n".join(trips_txt) + "\n",
        "stop_times.txt": "\n".join(st_txt) + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nWD,1,1,1,1,1,0,0,20250106,20251231\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue(), sx + x0, sy + y0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=316)
    ap.add_argument("--stops", type=int, default=3000)
    ap.add_argument("--routes", type=int, default=200)
    ap.add_argument("--trips", type=int, default=20000)
    ap.add_argument("--cells", type=int, default=20000)
    ap.add_argument("--types", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    size = (args.grid - 1) * 100.0

    t = time.perf_counter()
    net = grid_network(args.grid)
    print(
        f"street grid: {net.n_nodes:,} nodes, {net.n_edges:,} edges "
        f"({time.perf_counter() - t:.1f} s)"
    )
    t = time.perf_counter()
    data, _, _ = generate_feed(rng, size, args.stops, args.routes, args.trips)
    print(f"generated GTFS: {len(data) / 1e6:.1f} MB zip ({time.perf_counter() - t:.1f} s)")

    # compile the kernels once on a tiny instance, reported separately
    t = time.perf_counter()
    small = grid_network(12)
    small_zip, _, _ = generate_feed(np.random.default_rng(0), 1100.0, 20, 3, 30)
    sf = read_feed(small_zip)
    stt = timetable_for_day(sf, dt.date(2025, 1, 7))

    sxs, sys_ = to_utm(sf.stop_lon, sf.stop_lat)
    sp = prepare(stt, sxs, sys_, walk_network=small, params=TransitParams())
    travel_times(sp, small.x[:5], small.y[:5], {"a": (small.x[:2], small.y[:2])})
    print(f"numba compile / cache load: {time.perf_counter() - t:.1f} s")

    rss0 = rss_mb()
    t0 = time.perf_counter()
    feed = read_feed(data)
    t1 = time.perf_counter()
    tt = timetable_for_day(feed, dt.date(2025, 1, 7))
    t2 = time.perf_counter()
    print(
        f"parse GTFS: {t1 - t0:.1f} s ({feed.n_stops:,} stops, {len(feed.route_id)} routes, "
        f"{feed.n_trips:,} trips, {len(feed.st_stop):,} stop times); "
        f"day timetable: {t2 - t1:.1f} s ({tt.n_trips:,} trips on the day)"
    )
    sx, sy = to_utm(feed.stop_lon, feed.stop_lat)
    params = TransitParams(window=(7 * 3600, 9 * 3600))
    t3 = time.perf_counter()
    prep = prepare(tt, sx, sy, walk_network=net, params=params)
    t4 = time.perf_counter()
    print(
        f"prepare: {t4 - t3:.1f} s ({len(prep.patterns.n_trips)} patterns, "
        f"{len(prep.transfers.src):,} walking transfers ≤ {params.max_transfer_s / 60:.0f} min)"
    )
    # cells: populated places near the streets, denser around stops
    near = rng.choice(args.stops, args.cells // 2)
    cx = np.concatenate(
        [
            sx[near] + rng.normal(0, 400, len(near)),
            rng.uniform(net.x.min(), net.x.max(), args.cells - len(near)),
        ]
    )
    cy = np.concatenate(
        [
            sy[near] + rng.normal(0, 400, len(near)),
            rng.uniform(net.y.min(), net.y.max(), args.cells - len(near)),
        ]
    )
    cx = np.clip(cx, net.x.min(), net.x.max())
    cy = np.clip(cy, net.y.min(), net.y.max())
    facilities = {}
    for k in range(args.types):
        n = int(rng.choice([5, 10, 20, 50, 100]))
        pick = rng.choice(net.n_nodes, n, replace=False)
        facilities[f"type{k}"] = (net.x[pick] + 20.0, net.y[pick] + 20.0)
    t5 = time.perf_counter()
    res = travel_times(prep, cx, cy, facilities)
    t6 = time.perf_counter()
    tm = res.timings
    n_dep = len(res.departures)
    print(
        f"travel times: {t6 - t5:.1f} s for {args.cells:,} cells × {args.types} types × "
        f"{n_dep} departure minutes ({args.cells * args.types * n_dep / (t6 - t5) / 1e6:.1f} M "
        f"cell-type-minutes/s)"
    )
    print(
        f"  walking access/egress {tm['walking_s']:.1f} s, RAPTOR profiles "
        f"{tm['profiles_s']:.1f} s ({tm['profile_events']:,} runs), per-minute evaluation "
        f"{tm['evaluate_s']:.1f} s"
    )
    med = np.concatenate([res.median[k] for k in res.keys])
    p90 = np.concatenate([res.p90[k] for k in res.keys])
    finite = np.isfinite(med)
    print(
        f"  median travel time {np.median(med[finite]) / 60:.1f} min, p90 "
        f"{np.median(p90[np.isfinite(p90)]) / 60:.1f} min; unreachable within "
        f"{params.max_time_s / 3600:.0f} h: {100 * (~finite).mean():.1f} %"
    )
    print(
        f"total (parse → results): {t6 - t0:.1f} s; peak memory (max RSS) {rss_mb():.0f} MB "
        f"(before parsing {rss0:.0f} MB)"
    )


if __name__ == "__main__":
    main()
