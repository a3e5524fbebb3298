"""Error pages with DEBUG off: German first, the platform's layout, a way home, never Django's
technical page; the 500 page renders with no request and no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import path

from nahraum.web import urls as site_urls
from nahraum.web import views
from tests.factories import PASSWORD, UserFactory


def boom(request: HttpRequest):
    raise RuntimeError("kaputt: secret detail that must not reach the visitor")


def forbidden(request: HttpRequest):
    raise PermissionDenied("strategy.change_measure")


# The site's URLs and error handlers plus views that fail, for the 403 and 500 tests.
urlpatterns = [*site_urls.urlpatterns, path("boom/", boom), path("de/forbidden/", forbidden)]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

TECHNICAL = ("Traceback", "Using the URLconf", "technical_500", "Django tried these URL patterns")


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _platform_page(html: str) -> None:
    assert 'class="site-header"' in html and "nahraum/site.css" in html
    assert 'href="/de/"' in html  # the way home
    for marker in TECHNICAL:
        assert marker not in html


def test_the_site_names_its_own_handlers():
    assert site_urls.handler400 == "nahraum.web.views.bad_request"
    assert site_urls.handler403 == "nahraum.web.views.permission_denied"
    assert site_urls.handler404 == "nahraum.web.views.page_not_found"
    assert site_urls.handler500 == "nahraum.web.views.server_error"


@pytest.mark.django_db
def test_404_is_german_and_in_the_layout(client):
    response = client.get("/de/gibt-es-nicht/")
    assert response.status_code == 404
    html = response.content.decode()
    _platform_page(html)
    assert "Seite nicht gefunden" in html and "Prüfen Sie die Adresse" in html
    assert 'aria-label="Hauptnavigation"' in html or "Hauptnavigation" in html


@pytest.mark.django_db
def test_404_in_english_under_en(client):
    response = client.get("/en/does-not-exist/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_403_for_a_visitor_offers_the_login(client):
    response = client.get("/de/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    _platform_page(html)
    assert "Kein Zugriff" in html
    assert "/de/accounts/login/?next=/de/forbidden/" in html
    assert "change_measure" not in html


@pytest.mark.django_db
def test_403_for_a_signed_in_citizen_names_the_missing_role(client):
    client.force_login(UserFactory())
    response = client.get("/de/strategy/manage/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Kein Zugriff" in html and "Ihrem Konto fehlt die dafür nötige Rolle" in html
    assert "accounts/login/?next" not in html


@pytest.mark.django_db
def test_400_for_an_unknown_host_name(client):
    response = client.get("/de/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    html = response.content.decode()
    _platform_page(html)
    assert "Ungültige Anfrage" in html and "evil.example.com" not in html


@pytest.mark.django_db
def test_csrf_failure_is_a_german_page(settings):
    assert settings.CSRF_FAILURE_VIEW == "nahraum.web.views.csrf_failure"
    UserFactory(username="clara")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/de/accounts/login/", {"username": "clara", "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    _platform_page(html)
    assert "Formular konnte nicht gesendet werden" in html and "nichts gespeichert" in html
    assert "CSRF" not in html  # Django's technical reason stays in the log


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_500_is_german_and_tells_no_detail(django_assert_max_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_max_num_queries(0):  # nothing of the error page touches the database
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    _platform_page(html)
    assert "Serverfehler" in html and "Sie haben nichts falsch gemacht" in html
    assert "kaputt" not in html and "RuntimeError" not in html


def test_500_renders_without_database_or_request_context():
    """No ``db`` fixture: pytest-django makes any query here an error, as a dead database would."""
    response = views.server_error(RequestFactory().get("/de/"))
    assert response.status_code == 500
    html = response.content.decode()
    _platform_page(html)
    assert "Serverfehler" in html
    assert "current_region" not in html and "Abmelden" not in html
