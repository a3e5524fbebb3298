"""worker_alive (for /healthz), the heartbeat's writes and the reaper, in-process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nahraum.jobs.heartbeat import Heartbeat
from nahraum.jobs.models import Job, WorkerBeat
from nahraum.jobs.reaper import reap
from nahraum.jobs.registry import ProgressReporter
from nahraum.jobs.selectors import worker_alive
from nahraum.jobs.services import start_job

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_worker_alive_only_with_a_recent_beat():
    assert not worker_alive()
    beat = WorkerBeat.objects.create(worker_id="w1", host="h", pid=1, beat_at=timezone.now())
    assert worker_alive()
    WorkerBeat.objects.filter(pk=beat.pk).update(beat_at=timezone.now() - dt.timedelta(seconds=90))
    assert not worker_alive() and worker_alive(max_age_s=120)


def test_heartbeat_writes_beat_progress_and_reads_cancel(settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.slow", {})
    Job.objects.filter(pk=job.pk).update(state="running")
    heartbeat = Heartbeat("w2", "host", 42, reap=lambda: None)
    reporter = ProgressReporter(None)
    heartbeat.attach(job.pk, reporter)
    reporter.report(3, 10, "drei")  # worker mode: no write on the kind's thread
    assert Job.objects.get(pk=job.pk).progress_done == 0
    heartbeat.flush_progress()
    heartbeat.beat()
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.message) == (3, 10, "drei")
    assert job.heartbeat_at is not None
    beat = WorkerBeat.objects.get(worker_id="w2")
    assert (beat.host, beat.pid, beat.job) == ("host", 42, job.pk)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    reporter.pending = (4, 10, "vier")
    heartbeat.flush_progress()
    assert reporter.cancelled


def _lost(max_attempts: int, attempts: int) -> Job:
    job = start_job("tests.slow", {"n": attempts}, reuse=False, max_attempts=max_attempts)
    DBTaskResult.objects.filter(id=job.task_result_id).update(status="RUNNING")
    old = timezone.now() - dt.timedelta(seconds=120)
    Job.objects.filter(pk=job.pk).update(
        state="running", attempts=attempts, heartbeat_at=old, started_at=old
    )
    return Job.objects.get(pk=job.pk)


def test_reaper_requeues_a_lost_job_and_fails_its_stuck_queue_row(settings):
    settings.TASKS = DB_BACKEND
    job = _lost(max_attempts=2, attempts=1)
    old_row = job.task_result_id
    fresh = start_job("tests.slow", {"fresh": 1})
    Job.objects.filter(pk=fresh.pk).update(state="running", heartbeat_at=timezone.now())
    assert reap(60) == [job.pk]
    job.refresh_from_db()
    assert job.state == "queued" and job.message == "Neuer Versuch nach Abbruch des Rechenprozesses"
    assert DBTaskResult.objects.get(id=old_row).status == "FAILED"
    assert job.task_result_id != old_row
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "READY"
    assert Job.objects.get(pk=fresh.pk).state == "running"  # alive: left alone
    assert reap(60) == []  # nothing twice


def test_reaper_fails_a_lost_job_on_its_last_attempt(settings):
    settings.TASKS = DB_BACKEND
    job = _lost(max_attempts=2, attempts=2)
    reap(60)
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None
    assert job.error == (
        "Der Rechenprozess wurde beendet, bevor der Auftrag fertig war (Versuch 2 von 2)"
    )
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "FAILED"


def test_reaper_leaves_a_job_whose_worker_process_still_lives_on_this_machine(settings):
    """SQLite: a long write transaction blocks the heartbeat, not the worker; it is not lost."""
    import os
    import socket

    settings.TASKS = DB_BACKEND
    job = _lost(max_attempts=2, attempts=1)
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{os.getpid()}")
    assert reap(60) == []
    assert Job.objects.get(pk=job.pk).state == "running"
