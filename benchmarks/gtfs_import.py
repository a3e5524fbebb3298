#!/usr/bin/env python
"""Benchmark: reading and importing a large GTFS feed in bounded memory (issue 12, finding 11).

A valid feed is generated (streaming, straight into a deflated zip): a few thousand stops,
~200,000 trips and 5,000,000 stop times with the columns a DELFI feed has (headsign, pickup and
drop-off type, distance): 272 MiB of stop_times.txt in a 58 MiB zip. Each step runs in its own
child process and reports wall time and the child's peak resident memory (``ru_maxrss`` from
``wait4``):

- ``read``: ``nahraum.access.gtfs.read_feed(path)`` — the streaming reader;
- ``old``: the reader before the change (``gtfs_read``/``_gtfs_fields`` of ``--old-commit``, taken
  from git into a scratch package): each member read whole, then ``pandas.read_csv`` of all of it;
- ``import``: the whole import as ``nahraum transit import`` does it (``import_feed``: read, store
  the feed with its stops, lines and timetable blob in one transaction, compute the service
  levels) into a scratch SQLite data directory with a bare region.

Usage:  python benchmarks/gtfs_import.py [--stop-times 5000000] [--trips 200000]
                                          [--stops 3000] [--steps read,old,import] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def generate(path: Path, n_stop_times: int, n_trips: int, n_stops: int, seed: int = 1) -> None:
    """A valid GTFS zip written row batch by row batch (the generator stays small in memory)."""
    rng = np.random.default_rng(seed)
    per_trip = max(2, n_stop_times // n_trips)
    n_routes = max(1, n_trips // 500)
    lat = 51.9 + rng.uniform(0, 0.5, n_stops)
    lon = 8.6 + rng.uniform(0, 0.8, n_stops)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(
            "agency.txt",
            "agency_id,agency_name,agency_url,agency_timezone\n"
            "A,Benchverkehr,https://example.org,Europe/Berlin\n",
        )
        zf.writestr(
            "stops.txt",
            "stop_id,stop_name,stop_lat,stop_lon\n"
            + "".join(f"s{i},Haltestelle {i},{lat[i]:.6f},{lon[i]:.6f}\n" for i in range(n_stops)),
        )
        zf.writestr(
            "routes.txt",
            "route_id,agency_id,route_short_name,route_long_name,route_type\n"
            + "".join(f"r{i},A,{i},Linie {i},3\n" for i in range(n_routes)),
        )
        zf.writestr(
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
            "start_date,end_date\nWD,1,1,1,1,1,0,0,20250106,20250131\n"
            "WE,0,0,0,0,0,1,1,20250106,20250131\n",
        )
        with zf.open("trips.txt", "w") as fh:
            fh.write(b"route_id,service_id,trip_id,trip_headsign,direction_id\n")
            for a in range(0, n_trips, 50_000):
                fh.write(
                    "".join(
                        f"r{t % n_routes},{('WD', 'WE')[t % 5 == 0]},trip-{t},"
                        f"Ziel {t % 97},{t % 2}\n"
                        for t in range(a, min(a + 50_000, n_trips))
                    ).encode()
                )
        with zf.open("stop_times.txt", "w", force_zip64=True) as fh:
            fh.write(
                b"trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,"
                b"pickup_type,drop_off_type,shape_dist_traveled\n"
            )
            written = 0
            for t in range(n_trips):
                n = per_trip if t < n_trips - 1 else n_stop_times - written
                if n <= 0:
                    break
                start = 5 * 3600 + (t * 37) % (18 * 3600)
                first = (t * 7) % n_stops
                rows = []
                for k in range(n):
                    time_s = hms(start + 120 * k)
                    rows.append(
                        f"trip-{t},{time_s},{time_s},s{(first + k * 13) % n_stops},{k + 1},"
                        f"Ziel {t % 97},0,0,{k * 850.5:.1f}\n"
                    )
                fh.write("".join(rows).encode())
                written += n


_CHILD_READ = """
import sys, time
from nahraum.access.gtfs import read_feed
t = time.perf_counter()
feed = read_feed(sys.argv[1])
print(len(feed.st_stop), feed.n_trips, round(time.perf_counter() - t, 2))
"""

_CHILD_OLD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from oldaccess.gtfs_read import read_feed
t = time.perf_counter()
feed = read_feed(sys.argv[1])
print(len(feed.st_stop), feed.n_trips, round(time.perf_counter() - t, 2))
"""

_CHILD_IMPORT = """
import sys, time
from nahraum.bootstrap import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from nahraum.region.models import DataSource, Region
from nahraum.transit.services import import_feed
source = DataSource.objects.create(key="bench", name="bench", licence="CC0-1.0")
region = Region.objects.create(slug="bench", name="Bench", source=source)
t = time.perf_counter()
feed = import_feed(sys.argv[1], region)
print(feed.summary["stop_times"], feed.summary["trips"], round(time.perf_counter() - t, 2))
"""


def old_package(commit: str, where: Path) -> bool:
    """The reader of ``commit`` as the package ``oldaccess`` under ``where`` (False: no git)."""
    pkg = where / "oldaccess"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for name in ("errors.py", "_gtfs_fields.py", "gtfs_feed.py", "gtfs_read.py"):
        try:
            text = subprocess.run(
                ["git", "show", f"{commit}:src/nahraum/access/{name}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return False
        (pkg / name).write_text(text)
    return True


def run_child(code: str, args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; its output, wall time and peak RSS (wait4)."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "wall_s": round(time.perf_counter() - t, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "ok": proc.returncode == 0,
    }
    if proc.returncode == 0:
        stop_times, trips, inner = out.decode().split()
        result.update(stop_times=int(stop_times), trips=int(trips), inner_s=float(inner))
    else:
        result["error"] = err.decode()[-2000:]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stop-times", type=int, default=5_000_000)
    ap.add_argument("--trips", type=int, default=200_000)
    ap.add_argument("--stops", type=int, default=3000)
    ap.add_argument("--steps", default="read,old,import")
    ap.add_argument("--old-commit", default="b4a7b7f")
    ap.add_argument("--keep", type=Path, help="write the feed here and keep it")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    steps = [s for s in args.steps.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="gtfs-bench-") as tmp:
        work = Path(tmp)
        path = args.keep or work / "feed.zip"
        t = time.perf_counter()
        if not path.exists():
            generate(path, args.stop_times, args.trips, args.stops)
        with zipfile.ZipFile(path) as zf:
            text = zf.getinfo("stop_times.txt").file_size
        results: dict = {
            "stop_times": args.stop_times,
            "trips": args.trips,
            "stops": args.stops,
            "zip_mb": round(path.stat().st_size / 2**20),
            "stop_times_txt_mb": round(text / 2**20),
            "generate_s": round(time.perf_counter() - t, 1),
        }
        if "read" in steps:
            results["read"] = run_child(_CHILD_READ, [str(path)])
        if "old" in steps and old_package(args.old_commit, work / "old"):
            results["old"] = run_child(_CHILD_OLD, [str(path), str(work / "old")])
        if "import" in steps:
            data = work / "data"
            data.mkdir()
            results["import"] = run_child(
                _CHILD_IMPORT,
                [str(path)],
                {
                    "NAHRAUM_DATA_DIR": str(data),
                    "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
                    "NAHRAUM_SECRET_KEY": secrets.token_urlsafe(50),
                },
            )
        new, old = results.get("read"), results.get("old")
        if new and old and new["ok"] and old["ok"]:
            results["old_vs_new_rss"] = round(old["peak_rss_mb"] / new["peak_rss_mb"], 1)
            results["old_vs_new_time"] = round(old["wall_s"] / new["wall_s"], 1)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"feed: {results['stop_times']:,} stop times, {results['trips']:,} trips, "
        f"{results['stops']:,} stops; zip {results['zip_mb']} MB, stop_times.txt "
        f"{results['stop_times_txt_mb']} MB (generated in {results['generate_s']} s)"
    )
    for step in ("read", "old", "import"):
        r = results.get(step)
        if not r:
            continue
        if r["ok"]:
            print(
                f"{step:>7}: {r['wall_s']:7.1f} s wall ({r['inner_s']} s inside), "
                f"peak RSS {r['peak_rss_mb']:,} MB, {r['stop_times']:,} stop times kept"
            )
        else:
            print(f"{step:>7}: FAILED after {r['wall_s']} s, peak RSS {r['peak_rss_mb']:,} MB")
            print(textwrap.indent(r["error"], "         "))
    if "old_vs_new_rss" in results:
        print(
            f"old / new: {results['old_vs_new_rss']}× the memory, "
            f"{results['old_vs_new_time']}× the time"
        )


if __name__ == "__main__":
    main()
