"""The job page in chromium: the bar follows the job without a reload and the page goes on to
the result when it is done; axe finds nothing serious; no console errors (CSP: script files)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from nahraum.jobs.models import Job
from nahraum.jobs.services import job_url, start_job
from tests.conftest import axe_violations, browser_login
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def axe_on(browser, live_url: str, path: str, user) -> list[dict]:
    """axe-core on ``path`` in a context of its own that lets the test inject axe's script (the
    page's own CSP forbids inline script, rightly); the page under test keeps its CSP."""
    context = browser.new_context(locale="de-DE", bypass_csp=True)
    try:
        browser_login(context, live_url, user)
        pg = context.new_page()
        pg.goto(live_url + path)
        return axe_violations(pg)
    finally:
        context.close()


def test_the_page_follows_the_job_and_goes_on_to_its_result(
    browser, page, live_server, transactional_db, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 4}, user=user)
    browser_login(page.context, live_server.url, user)
    page.goto(live_server.url + job_url(job))
    assert page.locator("#job-state").inner_text() == "wartet"
    assert axe_on(browser, live_server.url, job_url(job), user) == []

    Job.objects.filter(pk=job.pk).update(
        state="running", progress_done=2, progress_total=4, message="Schritt 3 von 4"
    )
    expect(page.locator("#job-percent")).to_have_text("50 %")
    assert page.locator("#job-progress").evaluate("bar => bar.value") == 50
    assert page.locator("#job-message").inner_text() == "Schritt 3 von 4"
    assert page.locator("#job-state").inner_text() == "läuft"

    Job.objects.filter(pk=job.pk).update(
        state="done", progress_done=4, result={"url": "/de/accounts/profile/"}
    )
    page.wait_for_url("**/de/accounts/profile/", timeout=10_000)
    assert page.console_errors == []


def test_a_failed_job_shows_its_reason(browser, page, live_server, transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = UserFactory()
    job = start_job("tests.slow", {"steps": 4}, user=user)
    browser_login(page.context, live_server.url, user)
    page.goto(live_server.url + job_url(job))
    assert page.locator("#job-cancel button").is_visible()
    Job.objects.filter(pk=job.pk).update(state="failed", error="Die Datei ist leer.")
    page.locator("#job-error").wait_for(state="visible")
    assert page.locator("#job-error").inner_text() == "Die Datei ist leer."
    assert page.locator("#job-state").inner_text() == "fehlgeschlagen"
    assert not page.locator("#job-cancel").is_visible()
    assert axe_on(browser, live_server.url, job_url(job), user) == []
    assert page.console_errors == []
