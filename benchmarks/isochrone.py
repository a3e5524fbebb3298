"""Benchmark: an isochrone on click — target well under 1 s per click, every mode.

A click on the map asks for the areas reachable within 5, 10 and 15 minutes (the page's
default) on foot, by bike and by car. This script repeats that click at the centre of every
Ortsteil of the bundled region (Lemgo + Kalletal, the real OSM street network) and times

* ``engine``: snapping the point plus ``nahraum.access.isochrone`` (EPSG:25832 polygons);
* ``click``: the whole JSON request as the map sends it (``/de/analysis/api/isochrone/``:
  snapping, isochrone, 10 m simplification, reprojection, GeoJSON), network already loaded;

and, as the worst case, one click with ``--long`` minutes (default 30, 60: by car the hour
reaches every street of the network).

    python benchmarks/isochrone.py [--repeat 2] [--places N] [--json]

Uses ``NAHRAUM_DATA_DIR`` if set (a data dir where ``nahraum demo`` ran loads in seconds), else
a fresh temporary one (the bundled region and its networks are then built first, ~1 min).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from _bundled import bundled_region

TARGET_S = 1.0
MODES = ("walk", "bike", "car")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="clicks per Ortsteil and mode")
    parser.add_argument("--minutes", default="5,10,15", help="cutoffs of one click")
    parser.add_argument("--long", default="30,60", help="cutoffs of the worst-case click")
    parser.add_argument("--places", type=int, default=0, help="first N Ortsteile only (0: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    region = bundled_region("nahraum-bench-iso-")
    import numpy as np
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from nahraum.access import isochrone, snap
    from nahraum.access.projection import to_utm
    from nahraum.analysis.network import load_networks
    from nahraum.region.models import District

    nets = load_networks(region)
    places = list(
        District.objects.filter(municipality__region=region)
        .order_by("key")
        .values_list("name", "centre_lon", "centre_lat")
    )
    if args.places > 0:
        places = places[: args.places]
    minutes = [float(m) for m in args.minutes.split(",")]
    long_minutes = [float(m) for m in args.long.split(",")]
    with translation.override("de"):
        url = reverse("analysis:api-isochrone")
    client = Client()

    def engine(net, lon, lat, mins):
        x, y = to_utm(np.array([lon]), np.array([lat]))
        t0 = time.perf_counter()
        areas = isochrone(net, snap(net, x, y), [m * 60 for m in mins])
        return time.perf_counter() - t0, areas

    def click(mode, lon, lat, mins):
        t0 = time.perf_counter()
        resp = client.get(
            url, {"lon": lon, "lat": lat, "mode": mode, "minutes": ",".join(f"{m:g}" for m in mins)}
        )
        dt = time.perf_counter() - t0
        if resp.status_code != 200:
            raise SystemExit(
                f"{mode} click at {lon}, {lat}: HTTP {resp.status_code} {resp.content!r}"
            )
        return dt, len(resp.content)

    # warm-up: numba kernels from the cache, the view's network cache, snapping trees
    name0, lon0, lat0 = places[0]
    for mode in MODES:
        engine(nets[mode], lon0, lat0, minutes)
        click(mode, lon0, lat0, minutes)

    rows = []
    for mode in MODES:
        eng, clk, area, size = [], [], [], []
        for _name, lon, lat in places:
            for _ in range(args.repeat):
                dt, areas = engine(nets[mode], lon, lat, minutes)
                eng.append(dt)
                area.append(areas[-1].area / 1e6)
                dt, nbytes = click(mode, lon, lat, minutes)
                clk.append(dt)
                size.append(nbytes)
        dt_long, areas_long = engine(nets[mode], lon0, lat0, long_minutes)
        clk_long, _ = click(mode, lon0, lat0, long_minutes)
        rows.append(
            {
                "mode": mode,
                "edges": int(nets[mode].n_edges),
                "clicks": len(clk),
                "engine_median_s": round(statistics.median(eng), 4),
                "engine_max_s": round(max(eng), 4),
                "click_median_s": round(statistics.median(clk), 4),
                "click_max_s": round(max(clk), 4),
                "largest_area_km2": round(max(area), 2),
                "median_json_kb": round(statistics.median(size) / 1024, 1),
                "long_engine_s": round(dt_long, 4),
                "long_click_s": round(clk_long, 4),
                "long_area_km2": round(areas_long[-1].area / 1e6, 2),
            }
        )
    result = {
        "minutes": minutes,
        "long_minutes": long_minutes,
        "places": len(places),
        "target_s": TARGET_S,
        "results": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"bundled region, {len(places)} Ortsteil centres × {args.repeat} clicks, "
        f"minutes {args.minutes} (worst case: {name0}, minutes {args.long})"
    )
    print(
        f"{'mode':5} {'edges':>7} {'engine med/max s':>17} {'click med/max s':>16} "
        f"{'max km²':>8} {'JSON kB':>8} {'long click s':>13} {'/ target':>9}"
    )
    for r in rows:
        worst = max(r["click_max_s"], r["long_click_s"])
        print(
            f"{r['mode']:5} {r['edges']:>7} {r['engine_median_s']:>8.3f}/{r['engine_max_s']:<8.3f}"
            f" {r['click_median_s']:>7.3f}/{r['click_max_s']:<8.3f} {r['largest_area_km2']:>8.1f}"
            f" {r['median_json_kb']:>8.1f} {r['long_click_s']:>13.3f} {worst / TARGET_S:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
