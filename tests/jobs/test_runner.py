"""The state machine, readable failures, cancel and progress throttling, run in-process.

Under pytest the task backend is django-tasks' ImmediateBackend (the job runs inside
``start_job``); tests of the queued state switch to the real DatabaseBackend and run the queue
with django-tasks-db's own worker loop in batch mode.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from nahraum.jobs.models import Job
from nahraum.jobs.registry import JobCancelled, JobContext, ProgressReporter
from nahraum.jobs.services import cancel_job, job_url, start_job
from tests.factories import UserFactory
from tests.jobs.kinds import written

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queue() -> None:
    """Run every queued task with django-tasks-db's worker loop (no heartbeat: direct mode).

    The loop closes "old" connections between tasks, which on PostgreSQL would close the test's
    own transaction; inside a test that one connection stays open.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db_worker, "close_old_connections", lambda: None)
        _loop()


def _loop() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()


def test_a_job_runs_to_done_with_its_result_and_full_progress():
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 3, "delay": 0, "rows": 2}, user=user)
    assert job.state == Job.State.DONE, job.error
    assert job.result == {"rows": 2, "url": "/de/"}
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.message == "gespeichert"
    assert job.attempts == 1 and job.created_by == user
    assert job.started_at <= job.finished_at and job.task_result_id
    assert written(job.pk) == 2
    assert job_url(job) == f"/de/jobs/{job.pk}/"


def test_queued_then_running_then_done_through_the_database_queue(settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.slow", {"steps": 2, "delay": 0, "rows": 1})
    assert job.state == Job.State.QUEUED and job.started_at is None
    row = DBTaskResult.objects.get(id=job.task_result_id)
    assert row.status == "READY" and row.args_kwargs["args"] == [str(job.pk)]
    run_queue()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 1
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "SUCCESSFUL"


def test_a_job_is_claimed_once_and_never_run_again():
    job = start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1})
    from nahraum.jobs.runner import run

    assert run(str(job.pk)) == Job.State.DONE  # already done: not run a second time
    assert written(job.pk) == 1


def test_unknown_kind_fails_at_start_not_in_the_worker():
    with pytest.raises(LookupError, match="no.such"):
        start_job("no.such", {})
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("how", "shown"),
    [
        ("validation", "Die Datei hat keine Spalte „Name“."),
        ("value", "Das Szenario hat keine Änderungen."),
    ],
)
def test_readable_failure_is_shown_as_it_is_and_writes_nothing(how, shown):
    job = start_job("tests.write_then_fail", {"how": how})
    assert job.state == Job.State.FAILED
    assert job.error == shown
    assert job.result is None and job.finished_at is not None
    assert written(job.pk) == 0  # the kind's transaction was rolled back


def test_internal_failure_is_a_generic_german_message_with_a_reference_and_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="nahraum.jobs"):
        job = start_job("tests.write_then_fail", {"how": "crash"})
    assert job.state == Job.State.FAILED
    assert "/srv/secret" not in job.error  # no internals shown to people
    assert "interner Fehler" not in job.error
    assert job.error.startswith("Der Auftrag wurde wegen eines internen Fehlers abgebrochen")
    reference = job.error.rsplit(" ", 1)[-1].rstrip(".")
    assert len(reference) == 8
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # traceback in the log
    assert written(job.pk) == 0


def test_failed_job_marks_the_queue_row_failed_too(settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.write_then_fail", {"how": "value"})
    run_queue()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "FAILED"


def test_cancel_a_queued_job_at_once_and_the_worker_skips_it(settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 3})
    cancel_job(job)
    assert job.state == Job.State.CANCELLED and job.finished_at is not None
    run_queue()
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED and job.attempts == 0
    assert written(job.pk) == 0


def test_cancel_a_running_job_stops_it_at_its_next_progress_and_rolls_back():
    job = start_job("tests.cancel_self", {})
    assert job.state == Job.State.CANCELLED
    assert job.cancel_requested and job.result is None
    assert written(job.pk) == 0  # three rows were written in the transaction, none remain


def test_cancel_a_finished_job_changes_nothing():
    job = start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1})
    cancel_job(job)
    assert job.state == Job.State.DONE and not job.cancel_requested


def test_progress_writes_are_throttled_and_the_last_value_lands():
    with CaptureQueriesContext(connection) as queries:
        job = start_job("tests.chatty", {"n": 3000})
    updates = [q for q in queries if q["sql"].startswith("UPDATE") and "jobs_job" in q["sql"]]
    # claim + at most a few throttled progress writes (≤ 2/s) + finish, not 3000
    assert len(updates) <= 6, len(updates)
    assert job.state == Job.State.DONE
    assert (job.progress_done, job.progress_total) == (3000, 3000)
    assert job.message == "3000 von 3000"


def test_reporter_writes_at_most_every_half_second_and_flushes_the_last():
    now = [0.0]
    stored = []
    reporter = ProgressReporter(lambda *v: stored.append(v) or False, clock=lambda: now[0])
    for i in range(10):  # 10 reports within 0.45 s: one write
        reporter.report(i, 10, f"{i}")
        now[0] += 0.05
    assert stored == [(0.0, 10.0, "0")]
    now[0] = 0.6
    reporter.report(10, 10, "fertig")
    assert stored[-1] == (10.0, 10.0, "fertig") and reporter.writes == 2
    reporter.report(10, 10, "noch einmal")  # too soon: pending, written on flush
    assert reporter.pending == (10.0, 10.0, "noch einmal")
    reporter.flush()
    assert stored[-1] == (10.0, 10.0, "noch einmal") and reporter.pending is None


def test_reporter_raises_cancelled_when_the_write_reports_a_cancel_request():
    reporter = ProgressReporter(lambda *v: True)
    with pytest.raises(JobCancelled):
        JobContext(job_id=None, params={}, user_id=None, reporter=reporter).progress(1, 2, "x")


def test_a_context_without_reporter_accepts_progress_like_the_engine_callback():
    JobContext(job_id=None, params={}, user_id=None).progress(1, 2)  # no database, no error


def test_a_worker_stopped_mid_job_gives_the_job_back_at_once(settings):
    """SystemExit in the job (the worker forced to stop): queued again at once, not after the
    reaper's minute; on the last attempt failed with the reason; nothing written either time."""
    settings.TASKS = DB_BACKEND
    job = start_job("tests.stopped", {})
    run_queue()  # attempt 1 → back in the queue → attempt 2 → failed
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.attempts == 2
    assert job.error == (
        "Der Rechenprozess wurde beendet, bevor der Auftrag fertig war (Versuch 2 von 2)"
    )
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "FAILED"]
    assert written(job.pk) == 0


def test_a_kind_the_worker_does_not_know_fails_readably(settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.slow", {"steps": 1})
    Job.objects.filter(pk=job.pk).update(kind="gone.kind")  # e.g. a worker of an older release
    run_queue()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == "Diese Art von Auftrag (gone.kind) kennt der Rechenprozess nicht."
