"""start_job(reuse=True): an identical request returns the job already on its way or just done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from nahraum.jobs.models import Job
from nahraum.jobs.services import start_job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
P = {"steps": 1, "delay": 0, "rows": 1}


def test_identical_request_while_queued_returns_the_same_job(settings):
    settings.TASKS = DB_BACKEND
    user = UserFactory()
    first = start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1}, user=user)
    again = start_job("tests.slow", {"rows": 1, "delay": 0, "steps": 1}, user=user)  # key order
    assert again.pk == first.pk and Job.objects.count() == 1


def test_running_job_is_reused(settings):
    settings.TASKS = DB_BACKEND
    user = UserFactory()
    first = start_job("tests.slow", P, user=user)
    Job.objects.filter(pk=first.pk).update(state=Job.State.RUNNING)
    assert start_job("tests.slow", P, user=user).pk == first.pk


def test_done_within_ten_minutes_is_reused_older_is_not():
    user = UserFactory()
    first = start_job("tests.slow", P, user=user)
    assert first.state == Job.State.DONE
    assert start_job("tests.slow", P, user=user).pk == first.pk
    Job.objects.filter(pk=first.pk).update(finished_at=timezone.now() - dt.timedelta(minutes=11))
    assert start_job("tests.slow", P, user=user).pk != first.pk


def test_a_newer_job_of_the_kind_in_between_prevents_reuse():
    user = UserFactory()
    first = start_job("tests.slow", P, user=user)
    start_job("tests.slow", {**P, "rows": 2}, user=UserFactory())  # e.g. someone changed data
    assert start_job("tests.slow", P, user=user).pk != first.pk


def test_other_params_other_user_failed_or_reuse_false_start_anew():
    user = UserFactory()
    first = start_job("tests.slow", P, user=user)
    assert start_job("tests.slow", {**P, "rows": 2}, user=user).pk != first.pk
    other = start_job("tests.slow", {**P, "rows": 2}, user=UserFactory())
    assert other.created_by != user
    assert start_job("tests.slow", {**P, "rows": 2}, user=user, reuse=False).pk != first.pk
    failed = start_job("tests.write_then_fail", {"how": "value"}, user=user)
    assert start_job("tests.write_then_fail", {"how": "value"}, user=user).pk != failed.pk


def test_anonymous_reuse_by_session_only():
    first = start_job("tests.slow", P, session_key="s1")
    assert first.created_by is None and first.session_key == "s1"
    assert start_job("tests.slow", P, session_key="s1").pk == first.pk
    assert start_job("tests.slow", P, session_key="s2").pk != first.pk
    a = start_job("tests.slow", {**P, "rows": 3})
    assert start_job("tests.slow", {**P, "rows": 3}).pk != a.pk  # no session: never reused
