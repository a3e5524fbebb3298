"""The job kinds: a kind string → the function that does the work, and the context it receives.

Apps register kinds in their own ``jobs.py`` with :func:`job_kind` (imported in their
``AppConfig.ready()``); the one django-tasks task, :func:`nahraum.jobs.tasks.run_job`, looks the
kind up here by its string, so the queue never stores a function path of another app.
"""

from __future__ import annotations

import importlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Throttle of progress writes: at most one every this many seconds (the last one always lands).
PROGRESS_INTERVAL_S = 0.5


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.progress` when someone asked to cancel the running job."""


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: Any  # a (lazy) translated string
    func: Callable[[JobContext], dict]


_KINDS: dict[str, JobKind] = {}


@dataclass
class JobContext:
    """What a kind's function receives: its job id, parameters and who started it.

    ``reporter`` is set by the runner (it stores progress and reports a cancel request); a
    context built by hand (e.g. in a test of a kind) has none, and :meth:`progress` only checks.
    """

    job_id: uuid.UUID
    params: dict
    user_id: int | None
    reporter: Any = field(default=None, repr=False, compare=False)

    def progress(self, done: float, total: float, message: str = "") -> None:
        """Store progress (throttled to at most ~2 writes/s, always the last one) and raise
        JobCancelled when cancel was requested. Compatible with the engine's
        nahraum.access.progress.Progress(done, total, message) callback."""
        if self.reporter is not None:
            self.reporter.report(float(done), float(total), str(message))


class ProgressReporter:
    """Throttles progress and carries the cancel flag between a running kind and the database.

    ``write(done, total, message)`` stores a progress value and returns whether cancel was
    requested. Direct mode (``write`` given) writes from the calling thread at most every
    :data:`PROGRESS_INTERVAL_S`; in the worker, ``write`` is ``None`` and the worker's heartbeat
    thread calls :meth:`flush` on its own database connection, so that progress shows even
    while the kind holds a transaction open.
    """

    def __init__(
        self,
        write: Callable[[float, float, str], bool] | None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self.interval = PROGRESS_INTERVAL_S if interval is None else interval
        self.clock = clock
        self.pending: tuple[float, float, str] | None = None
        #: The last value reported (written or not): the runner stores it when the job ends.
        self.last: tuple[float, float, str] | None = None
        self.last_write = float("-inf")
        self.cancelled = False
        self.writes = 0

    def report(self, done: float, total: float, message: str) -> None:
        self.pending = self.last = (done, total, message)
        if self._write is not None and self.clock() - self.last_write >= self.interval:
            self.flush(self._write)
        if self.cancelled:
            raise JobCancelled

    def flush(self, write: Callable[[float, float, str], bool] | None = None) -> None:
        """Write the pending value (if any) now; remember a cancel request the write reports."""
        write = write or self._write
        value, self.pending = self.pending, None
        if value is None or write is None:
            return
        self.last_write = self.clock()
        self.writes += 1
        if write(*value):
            self.cancelled = True


def job_kind(kind: str, *, label: Any) -> Callable:
    """Register ``func(ctx: JobContext) -> dict`` as the job kind ``kind`` (decorator).

    The func returns a JSON-able result dict; result["url"] (optional) is where the
    browser goes when done. ValidationError/ValueError raised by func = failed with that
    message shown to the user; any other exception = failed with a generic German message
    + reference id, traceback logged.
    """

    def register(func: Callable[[JobContext], dict]) -> Callable[[JobContext], dict]:
        existing = _KINDS.get(kind)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _KINDS[kind] = JobKind(kind=kind, label=label, func=func)
        return func

    return register


def get_kind(kind: str) -> JobKind:
    """The registered kind; LookupError names the kind when no app registered it."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"unknown job kind {kind!r}") from None


def kind_label(kind: str) -> Any:
    """The kind's human label, or the kind string itself when it is (no longer) registered."""
    registered = _KINDS.get(kind)
    return registered.label if registered is not None else kind


#: What the short step keys of the progress protocol ("route", "store", …) are called for people.
_STEP_LABELS: dict[str, Any] = {}


def step_labels(labels: dict[str, Any]) -> None:
    """Register readable (lazily translated) names for progress steps.

    The engine and the runs report steps by short keys that tests and the command line rely on;
    the job page shows them in the visitor's language instead (:func:`describe_step`).
    """
    _STEP_LABELS.update(labels)


def describe_step(message: str) -> str:
    """A progress message as people read it: a registered step's label, else the message."""
    return str(_STEP_LABELS.get(message, message))


def all_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)


def load_extra_modules() -> None:
    """Import the modules in ``NAHRAUM_EXTRA_JOB_MODULES`` (comma-separated) for their kinds.

    This is how a test's slow kind reaches a real worker process without being part of the app.
    """
    for name in os.environ.get("NAHRAUM_EXTRA_JOB_MODULES", "").split(","):
        if name.strip():
            importlib.import_module(name.strip())
