"""Real ``nahraum worker`` processes on a SQLite file database: progress through the heartbeat
thread, a SIGKILLed worker's job retried by the next worker (or failed with a reason once its
attempts are used up), cancelling a running job from the command line, and never a partial
result. Nothing is mocked: the worker, the queue (django-tasks-db) and the database are real.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NAHRAUM = str(Path(sys.executable).with_name("nahraum"))

pytestmark = pytest.mark.slow

START = """
import json, sys
from nahraum.bootstrap import setup_django
setup_django()
from nahraum.jobs.services import start_job
job = start_job(sys.argv[1], json.loads(sys.argv[2]), reuse=False, max_attempts=int(sys.argv[3]))
print(job.pk)
"""


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NAHRAUM_REDIS_URL")}
    env.update(
        NAHRAUM_DATA_DIR=str(data_dir),
        NAHRAUM_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        NAHRAUM_SECRET_KEY="jobs-worker-test-" + "k" * 40,
        NAHRAUM_EXTRA_JOB_MODULES="tests.jobs.kinds",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated SQLite database; each test works on its own copy."""
    data_dir = tmp_path_factory.mktemp("jobs-template")
    subprocess.run(
        [NAHRAUM, "migrate"],
        env=environment(data_dir),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return data_dir / "nahraum.sqlite3"


@pytest.fixture
def site(migrated, tmp_path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(migrated, data_dir / "nahraum.sqlite3")
    return data_dir


def start(site: Path, kind: str, params: dict, max_attempts: int = 2) -> str:
    out = subprocess.run(
        [sys.executable, "-c", START, kind, json.dumps(params), str(max_attempts)],
        env=environment(site),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.stdout.strip().splitlines()[-1]


def worker(site: Path, *args: str) -> subprocess.Popen:
    log = open(site / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115  (closed by OS)
    return subprocess.Popen(
        [NAHRAUM, "worker", "--interval", "0.2", *args],
        env=environment(site),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def query(site: Path, sql: str, *params):
    with sqlite3.connect(site / "nahraum.sqlite3", timeout=30) as db:
        return db.execute(sql, params).fetchall()


def job_row(site: Path, job_id: str) -> dict:
    cols = "state, progress_done, progress_total, message, error, attempts, result, heartbeat_at"
    row = query(site, f"SELECT {cols} FROM jobs_job WHERE id = ?", uuid.UUID(job_id).hex)[0]
    return dict(zip([c.strip() for c in cols.split(",")], row, strict=True))


def results_written(site: Path, job_id: str) -> int:
    pattern = f"job-{uuid.UUID(job_id)}-%"
    return query(site, "SELECT COUNT(*) FROM auth_group WHERE name LIKE ?", pattern)[0][0]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kill_while_half_written(site: Path, job_id: str, marker: Path) -> None:
    """Run a worker until the job shows progress and its transaction is half written; kill it."""
    first = worker(site)
    try:
        wait_for(
            lambda: (
                job_row(site, job_id)["state"] == "running"
                and job_row(site, job_id)["progress_done"] > 0
            ),
            90,
            "the job running with progress",
        )
        # the heartbeat thread's beat: the worker is alive for /healthz
        assert query(site, "SELECT COUNT(*) FROM jobs_workerbeat")[0][0] == 1
        wait_for(marker.exists, 60, "the transaction half written")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert job_row(site, job_id)["state"] == "running"  # nobody told the database
    assert results_written(site, job_id) == 0  # the half-written transaction died with it


def test_killed_worker_job_is_retried_by_the_next_worker_and_done(site, tmp_path):
    marker = tmp_path / "half"
    params = {"steps": 8, "delay": 0.25, "rows": 6, "row_delay": 0.5, "marker": str(marker)}
    job_id = start(site, "tests.slow", params)
    kill_while_half_written(site, job_id, marker)
    marker.unlink()
    time.sleep(2.5)  # the heartbeat is now older than the stale time of the next worker
    second = worker(site, "--once", "--stale-seconds", "2")
    assert second.wait(timeout=180) == 0
    row = job_row(site, job_id)
    assert row["state"] == "done", row
    assert row["attempts"] == 2
    assert json.loads(row["result"]) == {"rows": 6, "url": "/de/"}
    assert (row["progress_done"], row["progress_total"]) == (8, 8)
    assert results_written(site, job_id) == 6  # exactly one complete result, no leftovers
    statuses = sorted(
        s for (s,) in query(site, "SELECT status FROM django_tasks_database_dbtaskresult")
    )
    assert statuses == ["FAILED", "SUCCESSFUL"]  # the lost attempt's row is not left RUNNING
    assert (
        query(site, "SELECT COUNT(*) FROM jobs_workerbeat")[0][0] == 0
    )  # its own removed, the dead one's reaped


def test_killed_worker_job_fails_with_a_reason_when_its_attempts_are_used_up(site, tmp_path):
    marker = tmp_path / "half"
    params = {"steps": 4, "delay": 0.25, "rows": 6, "row_delay": 0.5, "marker": str(marker)}
    job_id = start(site, "tests.slow", params, max_attempts=1)
    kill_while_half_written(site, job_id, marker)
    time.sleep(2.5)
    second = worker(site, "--once", "--stale-seconds", "2")
    assert second.wait(timeout=180) == 0
    row = job_row(site, job_id)
    assert row["state"] == "failed" and row["attempts"] == 1
    assert row["error"] == (
        "Der Rechenprozess wurde beendet, bevor der Auftrag fertig war (Versuch 1 von 1)"
    )
    assert row["result"] is None and results_written(site, job_id) == 0
    assert query(site, "SELECT status FROM django_tasks_database_dbtaskresult") == [("FAILED",)]


def test_cancel_a_running_job_from_the_command_line(site):
    job_id = start(site, "tests.slow", {"steps": 60, "delay": 0.25, "rows": 3})
    running = worker(site, "--once")
    try:
        wait_for(
            lambda: job_row(site, job_id)["progress_done"] > 0, 90, "the job running with progress"
        )
        # the worker yields the CPU to the web server (nice +10, at most 19)
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, running.pid) == min(19, mine + 10)
        out = subprocess.run(
            [NAHRAUM, "jobs", "cancel", job_id],
            env=environment(site),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0 and "cancel requested" in out.stdout, out.stderr
        assert running.wait(timeout=60) == 0  # the job stopped long before its 15 s
    finally:
        if running.poll() is None:
            running.kill()
    row = job_row(site, job_id)
    assert row["state"] == "cancelled" and row["progress_done"] < 60
    assert results_written(site, job_id) == 0
    watch = subprocess.run(
        [NAHRAUM, "jobs", "watch", job_id],
        env=environment(site),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # bar and notes on stderr, so that a command's --json on stdout stays pure JSON
    assert watch.returncode == 1 and "abgebrochen" in watch.stderr and watch.stdout == ""


def test_ctrl_c_stops_watching_not_the_job(site):
    job_id = start(site, "tests.slow", {"steps": 3})  # no worker: it stays queued
    watch = subprocess.Popen(
        [NAHRAUM, "jobs", "watch", job_id],
        env=environment(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = watch.stdout.readline()  # printed once the watching has begun
        assert "Strg-C" in first, first
        watch.send_signal(signal.SIGINT)
        rest = watch.communicate(timeout=60)[0]
    finally:
        if watch.poll() is None:
            watch.kill()
    assert watch.returncode == 1 and "läuft weiter" in rest
    assert job_row(site, job_id)["state"] == "queued"
