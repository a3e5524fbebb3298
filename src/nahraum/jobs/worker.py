"""``nahraum worker``: django-tasks-db's worker loop, plus a heartbeat and the reaper.

The loop (claiming with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive
transaction on SQLite) is django-tasks-db's own :class:`Worker`; we add what it lacks: a thread
that shows the worker is alive (:mod:`.heartbeat`) and the reaper (:mod:`.reaper`) at start and
every 30 s, so that a job whose worker was killed is retried or failed instead of hanging.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from .heartbeat import Heartbeat
from .reaper import reap, stale_seconds

logger = logging.getLogger("nahraum.jobs")

#: How often a running worker looks for jobs of dead workers (at most; less with a short stale).
REAP_EVERY_S = 30.0
#: CPU priority of the worker below the web server's (``nice``): on the small machines a town
#: hall runs, a scenario run or location planning shares the cores with the pages, and the pages
#: must stay responsive (benchmarks/README.md, load); ``NAHRAUM_WORKER_NICE=0`` turns it off.
DEFAULT_NICE = 10


def lower_priority() -> int:
    """Lower this process's CPU priority by ``NAHRAUM_WORKER_NICE`` (default 10); the new value."""
    step = int(os.environ.get("NAHRAUM_WORKER_NICE", str(DEFAULT_NICE)))
    return os.nice(max(0, step))


class WorkerConfigurationError(Exception):
    """The configured task backend is not the database queue this worker reads."""


def run_worker(
    *,
    queue_names: list[str],
    interval: float = 1.0,
    batch: bool = False,
    stale_after: float | None = None,
    worker_id: str | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM finish the running job first) or, with ``batch``,
    until the queue is empty."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        raise WorkerConfigurationError(
            f"the task backend is {type(backend).__name__}, not django_tasks_db.DatabaseBackend "
            "(NAHRAUM_TASKS_BACKEND)"
        )
    stale = stale_after or stale_seconds()
    host, pid = socket.gethostname(), os.getpid()
    worker_id = (worker_id or f"{host}:{pid}:{get_random_string(8)}")[:64]
    heartbeat = Heartbeat(
        worker_id, host, pid, reap=lambda: reap(stale), reap_every=min(REAP_EVERY_S, stale)
    )
    for job_id in reap(stale):
        echo(f"job {job_id}: worker lost, handled")
    worker = Worker(
        queue_names=queue_names,
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    niceness = lower_priority()
    echo(f"nahraum worker {worker_id}: queues {','.join(queue_names)}, nice {niceness}")
    heartbeat.start()
    try:
        worker.configure_signals()
        worker.run()
    finally:
        heartbeat.stop()
