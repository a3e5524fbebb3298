"""The worker's sign of life: a thread beside the running job, on its own database connection.

Every :data:`TICK_S` it writes the running job's pending progress (so progress shows even while
the kind holds a transaction open on the main connection) and reads back a cancel request;
every :data:`BEAT_S` it stamps ``Job.heartbeat_at`` and the worker's :class:`WorkerBeat`; every
``reap_every`` seconds it runs the reaper, which gives jobs of dead workers another attempt.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from django.db import DatabaseError, connections
from django.utils import timezone

from .models import Job, WorkerBeat
from .registry import ProgressReporter

logger = logging.getLogger("nahraum.jobs")

TICK_S = 0.5
BEAT_S = 5.0

_ACTIVE: Heartbeat | None = None


def active() -> Heartbeat | None:
    """The heartbeat of this process's worker, if this process is a ``nahraum worker``."""
    return _ACTIVE


class Heartbeat:
    def __init__(self, worker_id: str, host: str, pid: int, reap, reap_every: float = 30.0):
        self.worker_id, self.host, self.pid = worker_id, host, pid
        self.reap, self.reap_every = reap, reap_every
        self._lock = threading.Lock()
        self._job: uuid.UUID | None = None
        self._reporter: ProgressReporter | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nahraum-heartbeat", daemon=True)

    # --- called by the runner on the main thread -------------------------------------------
    def attach(self, job_id: uuid.UUID, reporter: ProgressReporter) -> None:
        with self._lock:
            self._job, self._reporter = job_id, reporter

    def detach(self) -> None:
        with self._lock:
            self._job, self._reporter = None, None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        global _ACTIVE
        _ACTIVE = self
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        global _ACTIVE
        self._stop.set()
        self._thread.join(timeout=10)
        _ACTIVE = None
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("could not remove the beat of worker %s", self.worker_id)

    # --- the thread -------------------------------------------------------------------------
    def beat(self) -> None:
        now = timezone.now()
        with self._lock:
            job = self._job
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"host": self.host, "pid": self.pid, "beat_at": now, "job": job},
        )
        if job is not None:
            Job.objects.filter(pk=job, state=Job.State.RUNNING).update(heartbeat_at=now)

    def flush_progress(self) -> None:
        with self._lock:
            job, reporter = self._job, self._reporter
        if job is None or reporter is None or reporter.pending is None:
            return

        def write(done: float, total: float, message: str) -> bool:
            Job.objects.filter(pk=job, state=Job.State.RUNNING).update(
                progress_done=done,
                progress_total=total,
                message=message[:500],
                heartbeat_at=timezone.now(),
            )
            return Job.objects.filter(pk=job, cancel_requested=True).exists()

        reporter.flush(write)

    def _loop(self) -> None:
        last_beat = last_reap = time.monotonic()
        try:
            while not self._stop.wait(TICK_S):
                now = time.monotonic()
                try:
                    self.flush_progress()
                    if now - last_beat >= BEAT_S:
                        self.beat()
                        last_beat = now
                    if now - last_reap >= self.reap_every:
                        self.reap()
                        last_reap = now
                except DatabaseError:
                    # SQLite: the kind holds the write lock; try again on the next tick.
                    logger.warning("heartbeat of worker %s skipped", self.worker_id, exc_info=True)
        finally:
            connections.close_all()
