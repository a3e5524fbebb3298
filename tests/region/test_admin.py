"""The Django admin for staff: every region model's list and edit pages open."""

from __future__ import annotations

import pytest

from nahraum.region import models as m

pytestmark = pytest.mark.django_db

MODELS = [
    "datasource",
    "region",
    "municipality",
    "district",
    "populationcell",
    "innovationfield",
    "facilitytype",
    "facility",
]


def test_admin_lists_and_change_pages_open_for_staff(admin_client, tiny_region):
    for name in MODELS:
        r = admin_client.get(f"/de/admin/region/{name}/")
        assert r.status_code == 200, name
    district = m.District.objects.get(key="A1")
    r = admin_client.get(f"/de/admin/region/district/{district.pk}/change/")
    assert r.status_code == 200 and "Ahausen-Mitte" in r.content.decode()
    gp = m.FacilityType.objects.get(key="gp")
    r = admin_client.get(f"/de/admin/region/facilitytype/{gp.pk}/change/")
    assert "15 min zu Fuß" in r.content.decode()  # norms inline


def test_admin_search_and_filter(admin_client, tiny_region):
    r = admin_client.get("/de/admin/region/district/?q=Adorf")
    assert "Adorf" in r.content.decode() and "Ahausen-Mitte" not in r.content.decode()
    r = admin_client.get("/de/admin/region/district/?kind__exact=core")
    html = r.content.decode()
    assert "Ahausen-Mitte" in html and ">Adorf<" not in html


def test_admin_is_closed_to_anonymous_and_citizens(client, django_user_model, tiny_region):
    r = client.get("/de/admin/region/district/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
    user = django_user_model.objects.create_user(username="bürgerin", password="x-long-pass-123")
    client.force_login(user)
    r = client.get("/de/admin/region/district/")
    assert r.status_code == 302


def test_staff_link_in_header(admin_client, client, tiny_region):
    assert 'href="/de/admin/"' in admin_client.get("/de/").content.decode()
    assert 'href="/de/admin/"' not in client.get("/de/").content.decode()
