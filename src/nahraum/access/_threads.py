"""The engine's thread budget and its one shared pool (per-source searches, isochrone unions)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

_POOL: ThreadPoolExecutor | None = None


def pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=threads(), thread_name_prefix="nahraum-route")
    return _POOL


def threads() -> int:
    """Threads for per-source searches: one core less than this process may use, so that the
    web server (or the rest of the machine) keeps one; ``NAHRAUM_THREADS`` overrides. On the
    2-core development machine two threads measured slower than one (shared cores)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    cap = os.environ.get("NAHRAUM_THREADS")
    if cap:
        return max(1, min(n, int(cap)))
    return max(1, n - 1)
