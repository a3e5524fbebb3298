"""The health report behind ``/healthz``: can this installation serve and work right now?

Three checks, each cheap enough for a probe every few seconds: the database answers a query, a
job worker beat recently (``nahraum.jobs.selectors.worker_alive``), the cache stores and returns
a value. The report says ok/not ok and timings only: no personal data, no host names, ports or
error texts of other services (an error text can name a host or a user), no secrets.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.utils import timezone

OK, DEGRADED, ERROR = "ok", "degraded", "error"


@dataclass(frozen=True)
class HealthReport:
    """The body of ``/healthz`` and the HTTP status it goes out with."""

    body: dict[str, Any]
    status_code: int


def check_database() -> dict[str, Any]:
    """One round trip to the database (``SELECT 1``) and how long it took."""
    started = time.perf_counter()
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to reach it is "down"; the reason goes to the log, not out
        connection.close_if_unusable_or_obsolete()
        return {"ok": False, "latency_ms": None}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _worker_state() -> tuple[bool, float | None]:
    try:
        from nahraum.jobs.models import WorkerBeat
        from nahraum.jobs.selectors import worker_alive
    except ImportError:  # the jobs app is not installed: no worker can be alive
        return False, None
    alive = bool(worker_alive())
    last = WorkerBeat.objects.aggregate(last=Max("beat_at"))["last"]
    age = (timezone.now() - last).total_seconds() if last is not None else None
    return alive, (round(max(age, 0.0), 1) if age is not None else None)


def check_worker() -> dict[str, Any]:
    """Whether a job worker beat recently, and how many seconds ago the last beat was."""
    try:
        alive, age = _worker_state()
    except Exception:  # the beat table unreadable: the database check says why
        return {"ok": False, "last_beat_s": None}
    return {"ok": alive, "last_beat_s": age}


def check_cache() -> dict[str, Any]:
    """A value written to the cache comes back (Redis reachable, or the file cache writable)."""
    key = f"nahraum:healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:
        ok = False
    return {"ok": ok}


def app_version() -> str:
    """The installed nahraum version (the package metadata, as ``nahraum --version`` shows)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nahraum")
    except PackageNotFoundError:  # run from a source tree that was never installed
        import nahraum

        return getattr(nahraum, "__version__", "unknown")


def health_report(strict: bool = False) -> HealthReport:
    """The whole report. 503 when the database is down; a missing worker or a broken cache is
    "degraded" with 200 (the web still serves pages), or 503 when ``strict`` (for a monitor that
    should page someone when jobs stop running)."""
    database = check_database()
    worker = check_worker() if database["ok"] else {"ok": False, "last_beat_s": None}
    cache_state = check_cache()
    if not database["ok"]:
        status = ERROR
    elif worker["ok"] and cache_state["ok"]:
        status = OK
    else:
        status = DEGRADED
    code = 200 if status == OK or (status == DEGRADED and not strict) else 503
    body = {
        "status": status,
        "database": database,
        "worker": worker,
        "cache": cache_state,
        "version": app_version(),
    }
    return HealthReport(body, code)
