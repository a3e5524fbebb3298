"""The job pages: the JSON the page script polls, the page itself, cancel, the staff list, and
who may see what (the starter by account or browser session, staff; nobody else)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from nahraum.jobs.models import Job
from nahraum.jobs.services import start_job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def status_url(job: Job) -> str:
    return reverse("jobs:status", args=[job.pk])


def test_json_of_a_running_job_has_the_figures_of_the_bar(client, settings):
    settings.TASKS = DB_BACKEND
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 4}, user=user)
    Job.objects.filter(pk=job.pk).update(
        state="running", progress_done=1, progress_total=4, message="Schritt 2 von 4"
    )
    client.force_login(user)
    response = client.get(status_url(job))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data == {
        "id": str(job.pk),
        "kind": "tests.slow",
        "label": "Test: langsam",
        "state": "running",
        "state_label": "läuft",
        "finished": False,
        "percent": 25,
        "done": 1.0,
        "total": 4.0,
        "message": "Schritt 2 von 4",
        "error": "",
        "cancel_requested": False,
        "url": "",
    }


@pytest.mark.parametrize(
    ("step", "language", "shown"),
    [
        ("route", "de", "Reisezeiten berechnen"),
        ("route", "en", "Computing travel times"),
        ("solve", "de", "Standortproblem lösen"),
        ("Teil 3", "de", "Teil 3"),  # a message that is no step key stays as it is
    ],
)
def test_progress_steps_are_named_in_the_visitors_language(client, settings, step, language, shown):
    """The runs report short step keys ("route", "store"); the job page and its JSON name the
    step in the language of whoever looks, on the page itself as well."""
    settings.TASKS = DB_BACKEND
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 4}, user=user)
    Job.objects.filter(pk=job.pk).update(state="running", progress_total=4, message=step)
    client.force_login(user)
    data = client.get(f"/{language}" + status_url(job)[3:]).json()
    assert data["message"] == shown
    page = client.get(f"/{language}" + reverse("jobs:detail", args=[job.pk])[3:])
    assert f'id="job-message" aria-live="polite" role="status">{shown}<' in page.content.decode()
    assert "Test: langsam</h1>" in page.content.decode()
    # the footer's estimate badge keeps its own word (it once showed the job's label)
    badge = re.search(r'class="estimate-badge"[^>]*>([^<]*)<', page.content.decode()).group(1)
    assert badge == {"de": "Schätzung", "en": "estimate"}[language]


def test_json_of_a_done_job_names_where_to_go(client):
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1}, user=user)
    client.force_login(user)
    data = client.get(status_url(job)).json()
    assert (data["state"], data["finished"], data["percent"], data["url"]) == (
        "done",
        True,
        100,
        "/de/",
    )


def test_json_never_sends_the_browser_to_another_site(client):
    user = UserFactory()
    job = start_job("jobs.sleep", {"seconds": 0, "url": "//evil.example/x"}, user=user)
    assert job.state == "done"
    client.force_login(user)
    assert client.get(status_url(job)).json()["url"] == ""


def test_json_of_a_failed_job_gives_the_reason(client):
    user = UserFactory()
    job = start_job("tests.write_then_fail", {"how": "value"}, user=user)
    client.force_login(user)
    data = client.get(status_url(job)).json()
    assert data["state"] == "failed" and data["state_label"] == "fehlgeschlagen"
    assert data["error"] == "Das Szenario hat keine Änderungen."


def test_json_in_english(client):
    user = UserFactory()
    job = start_job("tests.write_then_fail", {"how": "value"}, user=user)
    client.force_login(user)
    data = client.get(f"/en/jobs/{job.pk}.json").json()
    assert data["state_label"] == "failed"


def test_page_has_a_labelled_bar_a_live_message_and_no_inline_script(client, settings):
    settings.TASKS = DB_BACKEND
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 4}, user=user)
    client.force_login(user)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "<h1>Test: langsam</h1>" in html
    assert '<label for="job-progress">Fortschritt</label>' in html
    assert re.search(r'<progress id="job-progress" max="100" value="0">', html)
    assert 'aria-live="polite"' in html
    assert f'data-status-url="/de/jobs/{job.pk}.json"' in html
    assert "jobs/progress.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # CSP: every script is a file
    assert "Auftrag abbrechen" in html  # the starter may cancel


def test_done_page_links_the_result_for_browsers_without_script(client):
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1}, user=user)
    client.force_login(user)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'href="/de/"' in html and "Ergebnis anzeigen" in html
    assert "Auftrag abbrechen" not in html  # nothing left to cancel


def test_anonymous_starter_follows_and_cancels_by_session_others_do_not(client, settings):
    settings.TASKS = DB_BACKEND
    session = client.session
    session["seen"] = True
    session.save()
    job = start_job("tests.slow", {"steps": 3}, session_key=session.session_key)
    assert client.get(status_url(job)).status_code == 200
    other = client_class_for(client)
    assert other.get(status_url(job)).status_code == 403
    assert other.post(reverse("jobs:cancel", args=[job.pk])).status_code == 403
    response = client.post(reverse("jobs:cancel", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/jobs/{job.pk}/")
    job.refresh_from_db()
    assert job.state == "cancelled"


def client_class_for(client):
    return type(client)()


def test_another_citizen_may_not_see_staff_may_see_and_cancel(client, settings):
    settings.TASKS = DB_BACKEND
    job = start_job("tests.slow", {"steps": 3}, user=UserFactory())
    client.force_login(UserFactory())
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 403
    client.force_login(UserFactory(office=True))
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    Job.objects.filter(pk=job.pk).update(state="running")
    client.post(reverse("jobs:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "running" and job.cancel_requested  # stops at its next progress


def test_unknown_job_is_404(client):
    client.force_login(UserFactory(office=True))
    assert client.get("/de/jobs/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_staff_list_shows_recent_jobs(client):
    user = UserFactory(username="clara")
    start_job("tests.write_then_fail", {"how": "value"}, user=user)
    start_job("tests.slow", {"steps": 1, "delay": 0, "rows": 1})
    client.force_login(UserFactory(office=True))
    html = client.get(reverse("jobs:list")).content.decode()
    assert "<h1>Hintergrundaufträge</h1>" in html
    assert html.count("<tr>") == 3  # header + two jobs
    assert "Test: schreibt, dann Fehler" in html and "fehlgeschlagen" in html
    assert "clara" in html and "anonym" in html
    client.force_login(user)
    assert client.get(reverse("jobs:list")).status_code == 403


def test_cancel_needs_post(client, settings):
    settings.TASKS = DB_BACKEND
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 3}, user=user)
    client.force_login(user)
    assert client.get(reverse("jobs:cancel", args=[job.pk])).status_code == 405
