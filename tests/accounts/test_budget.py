"""Heavy-work budgets (issue 11, item 6): the N+1st request in a window gets the 429 page with
Retry-After; another address, or a signed-in person, has its own budget."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from nahraum.accounts import throttle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _request(address: str, user=None, path: str = "/de/heavy/"):
    request = RequestFactory().get(path, REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


def test_budget_refuses_the_n_plus_first_request_per_address():
    for _ in range(3):
        assert throttle.budget("t", _request("10.0.0.1"), per_address=3, window=600) is None
    wait = throttle.budget("t", _request("10.0.0.1"), per_address=3, window=600)
    assert wait is not None and 1 <= wait <= 600
    # another address is unaffected
    assert throttle.budget("t", _request("10.0.0.2"), per_address=3, window=600) is None


def test_signed_in_people_have_their_own_budget(django_user_model):
    user = django_user_model.objects.create_user("budgeter", password="x-long-password-1")
    for _ in range(3):
        assert throttle.budget("t", _request("10.0.0.1"), per_address=3) is None
    assert throttle.budget("t", _request("10.0.0.1"), per_address=3) is not None
    assert throttle.budget("t", _request("10.0.0.1", user), per_user=1, per_address=3) is None
    assert throttle.budget("t", _request("10.0.0.1", user), per_user=1, per_address=3) is not None


def test_decorator_answers_429_with_retry_after_and_a_german_page():
    @throttle.heavy_work("deco", "Testarbeit", per_address=1, window=600)
    def view(request):
        return HttpResponse("done")

    assert view(_request("10.0.0.3")).status_code == 200
    refused = view(_request("10.0.0.3"))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    body = refused.content.decode()
    assert "Testarbeit" in body and "Zu viele Anfragen" in body
    assert view(_request("10.0.0.4")).status_code == 200


def test_json_clients_get_json():
    @throttle.heavy_work("deco-json", "x", per_address=0)
    def view(request):
        return HttpResponse("never")

    refused = view(_request("10.0.0.5", path="/de/analysis/api/isochrone/"))
    assert refused.status_code == 429
    assert json.loads(refused.content)["retry_after"] == int(refused["Retry-After"])
