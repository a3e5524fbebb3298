"""Account pages in chromium: log in through the form, log out through the header's button,
and axe-core finds no serious or critical problem on the account pages."""

from __future__ import annotations

import pytest

from nahraum.accounts.models import User
from tests.conftest import axe_violations

pytestmark = [pytest.mark.browser]


def test_login_logout_and_accessible_account_pages(
    page, live_server, transactional_db, tiny_region
):
    User.objects.create_user("nora", "nora@example.org", "Heckenrose-2026", role="citizen")
    live = live_server.url
    problems = {}
    for url in (
        "/de/accounts/register/",
        "/de/accounts/login/",
        "/de/accounts/password-reset/",
        "/en/accounts/register/",
    ):
        page.goto(live + url)
        if found := axe_violations(page):
            problems[url] = found
    page.goto(f"{live}/de/accounts/login/")
    page.fill("#id_username", "nora")
    page.fill("#id_password", "Heckenrose-2026")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live}/de/accounts/profile/")
    assert "nora@example.org" in page.inner_text("main")
    for url in ("/de/accounts/profile/", "/de/accounts/profile/delete/"):
        page.goto(live + url)
        if found := axe_violations(page):
            problems[url] = found
    assert problems == {}, problems
    page.click("header form button[type=submit]")  # "Abmelden" in the header
    page.wait_for_load_state("networkidle")
    page.goto(f"{live}/de/accounts/profile/")
    assert "/de/accounts/login/" in page.url
    assert page.console_errors == []
