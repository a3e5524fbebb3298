"""``nahraum jobs …`` and watch_job, in-process (the worker itself: test_worker_process.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nahraum.jobs.commands import jobs_group, watch_job, worker
from nahraum.jobs.services import start_job

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_list_show_and_cancel(settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.slow", {"steps": 3})
    runner = CliRunner()
    listed = runner.invoke(jobs_group, ["list"])
    assert listed.exit_code == 0 and str(job.pk) in listed.output and "queued" in listed.output
    shown = runner.invoke(jobs_group, ["show", str(job.pk)])
    data = json.loads(shown.output)
    assert data["state"] == "queued" and data["params"] == {"steps": 3}
    cancelled = runner.invoke(jobs_group, ["cancel", str(job.pk)])
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    missing = runner.invoke(jobs_group, ["show", "not-a-uuid"])
    assert missing.exit_code != 0 and "nicht gefunden" in missing.output


def test_watch_job_shows_the_outcome():
    lines: list[str] = []
    job = start_job("tests.write_then_fail", {"how": "value"})
    watched = watch_job(job, lines.append, poll_s=0)
    assert watched.state == "failed"
    assert lines[1:] == [
        "Test: schreibt, dann Fehler: fehlgeschlagen",
        "Das Szenario hat keine Änderungen.",
    ]
    lines.clear()
    watch_job(start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1}), lines.append)
    assert lines[1:] == ["Test: langsam: fertig", "Ergebnis / result: /de/"]
    assert "Strg-C" in lines[0]


def test_worker_refuses_a_backend_that_is_not_the_database_queue():
    result = CliRunner().invoke(worker, ["--once"])  # the suite's ImmediateBackend
    assert result.exit_code != 0 and "DatabaseBackend" in result.output


def test_prune_deletes_old_finished_jobs_only(settings):
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from nahraum.jobs.models import Job

    settings.TASKS = DB_BACKEND
    old_done = start_job("tests.slow", {"a": 1})
    old_queued = start_job("tests.slow", {"a": 2})
    recent = start_job("tests.slow", {"a": 3})
    long_ago = timezone.now() - dt.timedelta(days=40)
    Job.objects.filter(pk=old_done.pk).update(state="done", finished_at=long_ago)
    DBTaskResult.objects.filter(id=old_done.task_result_id).update(
        status="SUCCESSFUL", finished_at=long_ago
    )
    Job.objects.filter(pk=recent.pk).update(state="failed", finished_at=timezone.now())
    result = CliRunner().invoke(jobs_group, ["prune", "--days", "30"])
    assert result.exit_code == 0 and "1 jobs, 1 queue rows deleted" in result.output
    assert set(Job.objects.values_list("pk", flat=True)) == {old_queued.pk, recent.pk}
    assert DBTaskResult.objects.count() == 2
