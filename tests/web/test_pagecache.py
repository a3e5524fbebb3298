"""The page cache (issue 11, item 5) and the isochrone budget (item 6).

Public pages are the same for every anonymous visitor until the data change, so they are served
from the cache, keyed by path, query, language and the data version that every model change
bumps. Signed-in people get their own copy per browser session, never the shared one; pages with
a form (CSRF token) for anonymous visitors and pending messages always get a fresh page. Car
isochrones are cached per request and budgeted per address.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from nahraum.region import cachever
from nahraum.region.models import Facility, FacilityType
from tests.fixtures import fresh_cache  # noqa: F401  (autouse: every test starts with no cache)

CACHED = [
    "/de/",
    "/de/facilities/gp/",
    "/de/api/facilities.geojson",
    "/de/api/districts.geojson",
]


@pytest.mark.parametrize("url", CACHED)
def test_second_request_is_a_hit_with_identical_content(client, tiny_region, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Nahraum-Cache"] == "miss"
    second = client.get(url)
    assert second["X-Nahraum-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # The security headers are added again for the cached response, not stored with it.
    assert "Content-Security-Policy" in second


def test_language_and_query_are_part_of_the_key(client, tiny_region):
    client.get("/de/api/facilities.geojson")
    assert client.get("/de/api/facilities.geojson?type=gp")["X-Nahraum-Cache"] == "miss"
    client.get("/de/")
    english = client.get("/en/")
    assert english["X-Nahraum-Cache"] == "miss"
    assert english.content != client.get("/de/").content


def test_saving_a_facility_makes_the_pages_stale(client, tiny_region):
    url = "/de/api/facilities.geojson"
    client.get(url)
    assert client.get(url)["X-Nahraum-Cache"] == "hit"
    facility = Facility.objects.first()
    facility.name = "Praxis Neuer Name"
    facility.save()
    fresh = client.get(url)
    assert fresh["X-Nahraum-Cache"] == "miss"
    assert "Praxis Neuer Name" in fresh.content.decode()


def test_deleting_and_bulk_changes_with_an_explicit_bump(client, tiny_region):
    url = "/de/api/facilities.geojson"
    before = client.get(url).content
    Facility.objects.filter(pk=Facility.objects.first().pk).delete()  # post_delete per row
    after_delete = client.get(url)
    assert after_delete["X-Nahraum-Cache"] == "miss"
    assert after_delete.content != before
    # QuerySet.update sends no signal: the page stays until the writer bumps the version.
    FacilityType.objects.update(name_de="Umbenannt")
    assert client.get("/de/facilities/gp/")["X-Nahraum-Cache"] == "miss"
    client.get("/de/facilities/gp/")
    cachever.bump_data_version()
    assert "Umbenannt" in client.get("/de/facilities/gp/").content.decode()


def test_a_participation_change_leaves_the_region_pages_cached(client, tiny_region):
    client.get("/de/")
    version = cachever.data_version("participation")
    cachever.bump_after_commit("participation")
    assert cachever.data_version("participation") == version + 1
    assert client.get("/de/")["X-Nahraum-Cache"] == "hit"


def test_signed_in_people_never_get_the_shared_page(client, tiny_region, django_user_model):
    client.get("/de/")
    assert client.get("/de/")["X-Nahraum-Cache"] == "hit"
    user = django_user_model.objects.create_user("erika", password="lang-genug-2026")
    client.force_login(user)
    page = client.get("/de/")
    assert "X-Nahraum-Cache" not in page  # no CSRF cookie yet: fresh, and not kept
    assert "erika" in page.content.decode()
    client.logout()
    anonymous = client.get("/de/")
    assert "erika" not in anonymous.content.decode()


def test_a_signed_in_persons_page_is_kept_for_their_own_browser_only(
    client, tiny_region, django_user_model
):
    """Like Django's cache for pages that vary on Cookie: the signed-in page (name, logout form
    with the token of this browser's CSRF cookie) is reused by the same session only, until the
    data or the person's role change."""
    from django.test import Client

    erika = django_user_model.objects.create_user(
        "erika", email="erika@example.org", password="lang-genug-2026"
    )
    client.force_login(erika)
    client.get("/de/")  # sets the CSRF cookie (the logout form used the token)
    first = client.get("/de/")
    assert first["X-Nahraum-Cache"] == "miss"
    again = client.get("/de/")
    assert again["X-Nahraum-Cache"] == "hit" and again.content == first.content
    assert "erika" in again.content.decode()
    # another person, or erika in another browser, never gets this copy
    hans = django_user_model.objects.create_user(
        "hans", email="hans@example.org", password="lang-genug-2026"
    )
    other = Client()
    other.force_login(hans)
    other.get("/de/")
    for_hans = other.get("/de/")
    assert "erika" not in for_hans.content.decode() and "hans" in for_hans.content.decode()
    second_browser = Client()
    second_browser.force_login(erika)
    second_browser.get("/de/")
    assert second_browser.get("/de/")["X-Nahraum-Cache"] == "miss"
    # a new role (e.g. made staff) gives a fresh page
    erika.role = "staff"
    erika.save()
    assert client.get("/de/")["X-Nahraum-Cache"] == "miss"
    # and a data change, as for everybody
    with transaction.atomic():
        Facility.objects.first().save()
    assert client.get("/de/")["X-Nahraum-Cache"] == "miss"


def _anonymous(path: str = "/de/x/"):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


def test_a_page_with_a_form_is_never_stored():
    calls = []

    @cachever.public_page
    def with_form(request):
        calls.append(1)
        return HttpResponse(f'<form method="post"><input value="{get_token(request)}"></form>')

    first = with_form(_anonymous())
    second = with_form(_anonymous())
    assert len(calls) == 2
    assert "X-Nahraum-Cache" not in first and "X-Nahraum-Cache" not in second
    assert first.content != second.content  # each visitor has their own token


def test_a_page_without_a_form_is_stored_once():
    calls = []

    @cachever.public_page
    def plain(request):
        calls.append(1)
        return HttpResponse("same for all")

    assert plain(_anonymous())["X-Nahraum-Cache"] == "miss"
    assert plain(_anonymous())["X-Nahraum-Cache"] == "hit"
    assert len(calls) == 1


def test_errors_and_posts_are_never_stored():
    calls = []

    @cachever.public_page
    def missing(request):
        calls.append(1)
        return HttpResponse("nothing", status=404)

    missing(_anonymous())
    missing(_anonymous())
    post = RequestFactory().post("/de/x/")
    post.user = AnonymousUser()
    missing(post)
    assert len(calls) == 3


def test_pending_messages_bypass_the_cache(settings):
    from django.contrib import messages
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    calls = []

    @cachever.public_page
    def plain(request):
        calls.append(1)
        return HttpResponse("same for all")

    plain(_anonymous())
    request = _anonymous()
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    messages.info(request, "Gespeichert.")
    response = plain(request)
    assert "X-Nahraum-Cache" not in response
    assert len(calls) == 2
    assert [str(m) for m in messages.get_messages(request)] == ["Gespeichert."]


@pytest.mark.django_db
def test_one_bump_after_commit_however_many_rows(django_capture_on_commit_callbacks):
    from nahraum.region.models import DataSource

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for i in range(5):
                DataSource.objects.create(key=f"s{i}", name=f"Quelle {i}", licence="CC0-1.0")
    assert len(callbacks) == 1


# --- the car isochrone: cached per request, budgeted per address ---------------------------------


@pytest.fixture
def car_network(tiny_region, settings, tmp_path):
    from nahraum.analysis.network import build_region_networks
    from tests.analysis.test_analysis_network import osm_text

    settings.DATA_DIR = tmp_path
    path = tmp_path / "street.osm"
    path.write_text(osm_text(), encoding="utf-8")
    build_region_networks(tiny_region, path, ("car",))
    settings.NAHRAUM_ISOCHRONE_BUDGET = {"per_address": 2, "per_user": 5}
    return tiny_region


def _isochrone(client, lon: str, address: str = "10.1.1.1"):
    return client.get(
        "/de/analysis/api/isochrone/",
        {"lat": "52.0", "lon": lon, "mode": "car", "minutes": "1,2"},
        REMOTE_ADDR=address,
    )


def test_isochrones_are_cached_and_budgeted(client, car_network):
    first = _isochrone(client, "8.9")
    assert first.status_code == 200, first.content
    assert first["X-Nahraum-Cache"] == "miss"
    # The identical request comes from the cache and costs nothing, however often.
    for _ in range(3):
        again = _isochrone(client, "8.9")
        assert again["X-Nahraum-Cache"] == "hit"
        assert again.content == first.content
    assert _isochrone(client, "8.91").status_code == 200  # second new one: within the budget
    refused = _isochrone(client, "8.92")  # third new one from this address
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    # Another address has its own budget; the cached one is still served to the first.
    assert _isochrone(client, "8.92", address="10.2.2.2").status_code == 200
    assert _isochrone(client, "8.9")["X-Nahraum-Cache"] == "hit"


def test_the_429_answer_names_the_limited_work_in_german(client, car_network):
    _isochrone(client, "8.9")
    _isochrone(client, "8.91")
    refused = client.get(
        "/de/analysis/api/isochrone/",
        {"lat": "52.0", "lon": "8.93", "mode": "car", "minutes": "1"},
        REMOTE_ADDR="10.1.1.1",
    )
    assert refused.status_code == 429
    body = refused.json()
    assert body["what"] == "Erreichbarkeitsflächen mit Auto und Fahrrad"


def test_bulk_tables_have_no_delete_receiver():
    """No post_delete receiver on the big tables: deleting a run's or a feed's rows stays one
    DELETE instead of loading every row to send a signal."""
    from django.apps import apps
    from django.db.models.signals import post_delete

    from nahraum.web.pagecache import BULK_TABLES

    for label in BULK_TABLES:
        assert not post_delete.has_listeners(apps.get_model(label)), label
    # …while an ordinary model does get its receiver.
    assert post_delete.has_listeners(Facility)


def test_only_participation_models_shown_on_cached_pages_bump():
    """Comments, supports and survey answers arrive every few seconds while people take part and
    appear on no cached page: they bump nothing. Ideas (linked from measures) do."""
    from nahraum.participation.models import Answer, Comment, Idea, Support
    from nahraum.web.pagecache import connect_data_signals

    connected = connect_data_signals()  # idempotent (dispatch_uid): the models it wires
    for model in (Comment, Support, Answer):
        assert model not in connected, model
    assert Idea in connected and Facility in connected


def test_a_scenario_run_leaves_the_region_pages_cached_a_baseline_run_does_not(client, tiny_region):
    from nahraum.analysis.models import AnalysisRun
    from nahraum.scenarios.models import Scenario, ScenarioRun

    scenario = Scenario.objects.create(region=tiny_region, name="Praxisbus")
    client.get("/de/")
    run = AnalysisRun.objects.create(region=tiny_region, scenario=scenario, status="done")
    ScenarioRun.objects.create(scenario=scenario, run=run)
    assert client.get("/de/")["X-Nahraum-Cache"] == "hit"
    AnalysisRun.objects.create(region=tiny_region, status="done")
    assert client.get("/de/")["X-Nahraum-Cache"] == "miss"
