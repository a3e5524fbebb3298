"""Load benchmark of the production stack (issue 11, item 5).

Builds everything itself and throws it away afterwards: a PostgreSQL cluster in a temporary folder
(as in scripts/test.sh: initdb as the ``postgres`` user, port 54340), a Redis server (the shared
cache; ``--no-redis`` for the file cache), the bundled region with its analysis (``nahraum demo
--no-serve``), citizen and project-office accounts, then ``nahraum serve --workers 4`` (gunicorn)
and ``nahraum worker``; locust runs headless against it (``benchmarks/locustfile.py``: anonymous
readers, citizens writing ideas, comments and survey answers, staff starting scenario runs).

Printed: requests, failures and p50/p95/p99 per page (locust's names), requests/s, the targets
(0 errors; p95 < 150 ms for pages, < 300 ms for JSON) and the writes the clients saw accepted
against the rows in the database afterwards (0 lost).

    python benchmarks/load.py                      # 50 users, 60 s (~3 minutes in all)
    python benchmarks/load.py --users 20 --time 30s --keep   # keep the folder for a look
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_PORT = 54340
REDIS_PORT = 63840
WEB_PORT = 8077
CITIZENS = 30
PASSWORD = "lasttest-passwort-2026"

SETUP = r"""
import json, sys
from nahraum.bootstrap import setup_django
setup_django()
from django.contrib.auth import get_user_model
from nahraum.participation.models import Idea, Survey
from nahraum.region.models import District, FacilityType, Municipality
from nahraum.scenarios.models import Scenario

User = get_user_model()
password, n = sys.argv[1], int(sys.argv[2])
citizens = []
for i in range(n):
    name = f"last-{i:02d}"
    if not User.objects.filter(username=name).exists():
        User.objects.create_user(name, f"{name}@example.org", password, role="citizen")
    citizens.append({"username": name, "password": password})
staff = []
for i in range(2):
    name = f"last-buero-{i}"
    if not User.objects.filter(username=name).exists():
        User.objects.create_user(name, f"{name}@example.org", password, role="office")
    staff.append({"username": name, "password": password})
probe = User.objects.get(username="last-00")
surveys = [
    s for s in Survey.objects.order_by("pk") if probe.has_perm("participation.answer_survey", s)
]
if not surveys:
    sys.exit("no open survey in the demo data")
scenario = Scenario.objects.order_by("pk").first()
if scenario is None:
    sys.exit("no scenario in the demo data")
for s in staff:
    s["scenario"] = f"/de/scenarios/{scenario.pk}/"
print(json.dumps({
    "citizens": citizens,
    "staff": staff,
    "survey": surveys[0].get_absolute_url(),
    "districts": list(District.objects.values_list("key", flat=True)),
    "municipalities": list(Municipality.objects.values_list("ags", flat=True)),
    "types": list(FacilityType.objects.values_list("key", flat=True)),
    "ideas": [i.get_absolute_url() for i in Idea.objects.filter(is_hidden=False)[:20]],
}))
"""

COUNT = r"""
import json
from nahraum.bootstrap import setup_django
setup_django()
from nahraum.jobs.models import Job
from nahraum.participation.models import Answer, Comment, Idea
mine = {"author__username__startswith": "last-"}
print(json.dumps({
    "idea": Idea.objects.filter(**mine).count(),
    "comment": Comment.objects.filter(**mine).count(),
    "survey": Answer.objects.filter(respondent__username__startswith="last-").count(),
    "scenario_run_jobs": Job.objects.filter(kind="scenarios.run").count(),
    "scenario_run_jobs_done": Job.objects.filter(kind="scenarios.run", state="done").count(),
}))
"""


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.5)


class Stack:
    """The throw-away PostgreSQL, Redis, web server and job worker, stopped in reverse order."""

    def __init__(self, folder: Path, redis: bool) -> None:
        self.folder = folder
        self.redis = redis
        self.processes: list[subprocess.Popen] = []
        self.pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://nahraum@127.0.0.1:{PG_PORT}/nahraum",
            "NAHRAUM_DATA_DIR": str(folder / "data"),
            # Collected static files are kept between runs (collectstatic skips when unchanged).
            "NAHRAUM_STATIC_ROOT": str(REPO / "var" / "load-static"),
            "NAHRAUM_SECRET_KEY": "load-benchmark-only-" + "s" * 40,
            "NAHRAUM_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "NAHRAUM_CONN_MAX_AGE": "60",
            "NUMBA_CACHE_DIR": str(REPO / "var" / "numba-cache"),
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        }
        for name in ("NAHRAUM_REDIS_URL", "NAHRAUM_DEBUG", "NAHRAUM_DEMO"):
            self.env.pop(name, None)
        if redis:
            self.env["NAHRAUM_REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"

    def _as_postgres(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def start_database(self) -> None:
        for port in (PG_PORT, WEB_PORT) + ((REDIS_PORT,) if self.redis else ()):
            if not _free(port):
                raise SystemExit(f"port {port} is taken: is another load benchmark running?")
        pg = self.folder / "pg"
        pg.mkdir()
        if os.geteuid() == 0:
            subprocess.run(["id", "postgres"], check=True, stdout=subprocess.DEVNULL)
            shutil.chown(pg, "postgres")
            shutil.chown(self.folder, "postgres")
        pg.chmod(0o700)
        self._as_postgres(
            str(self.pg_bin / "initdb"), "-D", str(pg / "data"), "-U", "nahraum",
            "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"), "-D", str(pg / "data"), "-l", str(pg / "log"), "-w",
            "-o", f"-p {PG_PORT} -k {pg} -c listen_addresses=127.0.0.1 -c max_connections=200",
            "start",
        )  # fmt: skip
        self._as_postgres(
            str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "nahraum",
            "nahraum",
        )  # fmt: skip
        if self.redis:
            self.processes.append(
                subprocess.Popen(
                    [
                        "/usr/bin/redis-server",
                        "--port",
                        str(REDIS_PORT),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    cwd=self.folder,
                    stdout=subprocess.DEVNULL,
                    start_new_session=True,
                )  # fmt: skip
            )

    def python(self, code: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=self.env, cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:] or done.stdout[-3000:])
        return done.stdout.strip().splitlines()[-1]

    def start(self, *args: str, log: str) -> subprocess.Popen:
        out = open(self.folder / log, "w")  # noqa: SIM115  (closed with the process)
        proc = subprocess.Popen(
            [str(VENV_BIN / "nahraum"), *args],
            env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes.append(proc)
        return proc

    def stop(self) -> None:
        try:
            for proc in reversed(self.processes):
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGTERM)
            for proc in self.processes:
                try:
                    proc.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
        finally:
            if (self.folder / "pg" / "data").is_dir():
                self._as_postgres(
                    str(self.pg_bin / "pg_ctl"), "-D", str(self.folder / "pg" / "data"),
                    "-m", "fast", "stop",
                )  # fmt: skip


def warm_up(host: str, targets: dict, workers: int) -> None:
    """Request every public page and JSON endpoint, as many times at once as there are web
    workers, so that each worker has imported and loaded what it needs (as after any deploy).

    Not measured. It also fills the page cache, as the first visitors would within seconds.
    """
    from concurrent.futures import ThreadPoolExecutor

    urls = [
        "/de/", "/de/analysis/", "/de/transit/", "/de/strategy/", "/de/strategy/timeline/",
        "/de/strategy/map/", "/de/strategy/innovationslandkarte/", "/de/strategy/network/",
        "/de/participation/", "/de/participation/ideas/", "/de/accounts/login/",
        "/de/api/districts.geojson", "/de/api/municipalities.geojson",
        "/de/api/facilities.geojson", "/de/transit/api/cells.geojson",
        "/de/transit/api/stops.geojson", "/de/analysis/api/indicators/",
    ]  # fmt: skip
    urls += [f"/de/district/{k}/" for k in targets["districts"]]
    urls += [f"/de/analysis/district/{k}/" for k in targets["districts"]]
    urls += [f"/de/transit/district/{k}/" for k in targets["districts"]]
    urls += [f"/de/municipality/{a}/" for a in targets["municipalities"]]
    urls += [f"/de/facilities/{t}/" for t in targets["types"]]
    urls += [f"/de/analysis/type/{t}/" for t in targets["types"]]
    urls += [f"/de/api/facilities.geojson?type={t}" for t in targets["types"]]

    def get(url: str) -> None:
        with contextlib.suppress(OSError), urllib.request.urlopen(host + url, timeout=120) as r:
            r.read()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(get, [u for u in urls[:17] for _ in range(workers)] + urls[17:]))


def _kind(name: str, method: str) -> str:
    if method == "POST":
        return "write"
    if "/api/" in name or name.endswith((".geojson", ".json")):
        return "json"
    return "page"


def report(stats_csv: Path) -> tuple[list[str], bool]:
    """Print the table per name; returns (target misses, whether any request failed)."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"\n{'name':58} {'kind':5} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}")
    misses: list[str] = []
    failed = False
    for row in rows:
        name, method = row["Name"], row["Type"]
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        if name == "Aggregated":
            print(
                f"{'all requests':58} {'':5} {count:>6} {failures:>5} {row['50%']:>6} "
                f"{row['95%']:>6} {row['99%']:>6}   {float(row['Requests/s']):.1f} requests/s"
            )
            failed = failed or failures > 0
            continue
        kind = _kind(name, method)
        p95 = float(row["95%"])
        print(
            f"{(method + ' ' + name)[:58]:58} {kind:5} {count:>6} {failures:>5} {row['50%']:>6} "
            f"{row['95%']:>6} {row['99%']:>6}"
        )
        limit = {"page": 150, "json": 300}.get(kind)
        if limit and p95 >= limit:
            misses.append(f"{name}: p95 {p95:.0f} ms ≥ {limit} ms")
    return misses, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--time", default="60s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-redis", action="store_true", help="The file cache instead of Redis.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="nahraum-load."))
    folder.chmod(0o755)
    stack = Stack(folder, redis=not args.no_redis)
    started = time.monotonic()
    try:
        stack.start_database()
        redis = f", Redis on {REDIS_PORT}" if stack.redis else ""
        print(f"== PostgreSQL on {PG_PORT}{redis}")
        t0 = time.monotonic()
        demo = subprocess.run(
            [str(VENV_BIN / "nahraum"), "demo", "--no-serve"],
            env=stack.env, cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if demo.returncode != 0:
            raise SystemExit(demo.stdout[-2000:] + demo.stderr[-3000:])
        print(f"== demo data loaded and analysed ({time.monotonic() - t0:.0f} s)")
        targets = json.loads(stack.python(SETUP, PASSWORD, str(CITIZENS)))
        (folder / "targets.json").write_text(json.dumps(targets))
        before = json.loads(stack.python(COUNT))
        stack.start(
            "serve", "--workers", str(args.workers), "--port", str(WEB_PORT),
            "--no-collectstatic", log="serve.log",
        )  # fmt: skip
        stack.start("worker", log="worker.log")
        host = f"http://127.0.0.1:{WEB_PORT}"
        _wait_http(host + "/healthz", 120)
        print(f"== serving on {host} with {args.workers} workers, one job worker")
        t0 = time.monotonic()
        warm_up(host, targets, args.workers)
        print(f"== warmed up: every page once per web worker ({time.monotonic() - t0:.0f} s)")
        writes_file = folder / "writes.jsonl"
        locust = subprocess.run(
            [
                str(VENV_BIN / "locust"), "-f", str(REPO / "benchmarks" / "locustfile.py"),
                "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
                "-t", args.time, "--host", host, "--csv", str(folder / "load"),
                "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
            ],
            env={
                **stack.env,
                "NAHRAUM_LOAD_TARGETS": str(folder / "targets.json"),
                "NAHRAUM_LOAD_WRITES": str(writes_file),
            },
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if not (folder / "load_stats.csv").is_file():
            raise SystemExit(locust.stdout[-3000:] + locust.stderr[-3000:])
        misses, failed = report(folder / "load_stats.csv")
        failures_csv = folder / "load_failures.csv"
        for row in csv.DictReader(failures_csv.open(encoding="utf-8")):
            print(
                f"   failure: {row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}"
            )
        client = {"idea": 0, "comment": 0, "survey": 0, "scenario_run": 0}
        for line in writes_file.read_text().splitlines() if writes_file.is_file() else []:
            for key, value in json.loads(line).items():
                client[key] += value
        after = json.loads(stack.python(COUNT))
        lost = 0
        print("\nwrites   accepted (clients)   rows (database)")
        for key in ("idea", "comment", "survey"):
            rows = after[key] - before[key]
            lost += max(0, client[key] - rows)
            print(f"{key:9} {client[key]:>18} {rows:>17}")
        jobs = after["scenario_run_jobs"] - before["scenario_run_jobs"]
        done = after["scenario_run_jobs_done"] - before["scenario_run_jobs_done"]
        print(
            f"scenario runs started {client['scenario_run']} (identical ones share a job): "
            f"{jobs} jobs, {done} done by the end"
        )
        print(f"\nlost writes: {lost}")
        print("targets:", "met" if not misses and not failed and not lost else "MISSED")
        for miss in misses:
            print("  ", miss)
        print(f"(whole benchmark {time.monotonic() - started:.0f} s; folder {folder})")
        return 0 if not misses and not failed and not lost else 1
    finally:
        stack.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
