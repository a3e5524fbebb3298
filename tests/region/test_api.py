"""The map endpoints: GeoJSON in, filters, and a JSON 404 naming the unknown id."""

from __future__ import annotations

import pytest

from nahraum.region import models as m

pytestmark = pytest.mark.django_db


def test_districts_geojson(client, tiny_region):
    r = client.get("/de/api/districts.geojson")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/geo+json"
    data = r.json()
    assert data["type"] == "FeatureCollection"
    by_key = {f["id"]: f for f in data["features"]}
    assert set(by_key) == {"A1", "A2", "B1"}
    a1 = by_key["A1"]["properties"]
    assert a1["population"] == 200 and a1["kind"] == "core" and a1["municipality"] == "Ahausen"
    assert a1["url"] == "/de/district/A1/"
    assert a1["facilities"] == 1
    # 75+ is a tenth of the people in the tiny region, 65-74 is empty
    assert a1["share_65_plus"] == 10.0
    assert a1["is_estimate"] is True  # the test source is illustrative
    assert by_key["A1"]["geometry"]["type"] == "Polygon"


def test_districts_geojson_english_labels_and_urls(client, tiny_region):
    props = {
        f["id"]: f["properties"] for f in client.get("/en/api/districts.geojson").json()["features"]
    }
    assert props["A2"]["kind_label"] == "village" and props["A2"]["url"] == "/en/district/A2/"
    props = {
        f["id"]: f["properties"] for f in client.get("/de/api/districts.geojson").json()["features"]
    }
    assert props["A2"]["kind_label"] == "Dorf"


def test_district_without_boundary_is_a_point(client, tiny_region):
    m.District.objects.filter(key="B1").update(boundary=None)
    feature = client.get("/de/api/districts/B1.geojson").json()
    assert feature["geometry"] == {"type": "Point", "coordinates": [8.9292, 52.0]}


def test_districts_of_one_municipality(client, tiny_region):
    data = client.get("/de/api/districts.geojson?municipality=05766998").json()
    assert [f["id"] for f in data["features"]] == ["B1"]


def test_unknown_ids_give_json_404(client, tiny_region):
    cases = [
        ("/de/api/districts.geojson?municipality=123", "municipality", "123"),
        ("/de/api/districts/XX.geojson", "key", "XX"),
        ("/de/api/facilities.geojson?type=nope", "type", "nope"),
        ("/de/api/facilities.geojson?field=nope", "field", "nope"),
        ("/de/api/facilities.geojson?municipality=nope", "municipality", "nope"),
        ("/de/api/facilities.geojson?district=nope", "district", "nope"),
        ("/de/api/facilities.geojson?near=nope", "near", "nope"),
    ]
    for url, parameter, value in cases:
        r = client.get(url)
        assert r.status_code == 404, url
        assert r["Content-Type"] == "application/json"
        body = r.json()
        assert body["parameter"] == parameter
        assert body["error"].startswith("unknown ") and repr(value) in body["error"], body


def test_api_is_read_only(client, tiny_region):
    assert client.post("/de/api/districts.geojson").status_code == 405
    assert client.post("/de/api/facilities.geojson").status_code == 405
    assert m.District.objects.count() == 3


def test_facilities_geojson_and_filters(client, tiny_region):
    data = client.get("/de/api/facilities.geojson").json()
    assert {f["id"] for f in data["features"]} == {"gp-1", "kita-1", "pharmacy-1"}
    gp = next(f for f in data["features"] if f["id"] == "gp-1")
    assert gp["geometry"] == {"type": "Point", "coordinates": [8.9, 52.0]}
    assert (
        gp["properties"]["field"] == "health" and gp["properties"]["type_label"] == "Hausarztpraxis"
    )

    def ids(q):
        return sorted(
            f["id"] for f in client.get("/de/api/facilities.geojson" + q).json()["features"]
        )

    assert ids("?field=health") == ["gp-1", "pharmacy-1"]
    assert ids("?type=kita") == ["kita-1"]
    assert ids("?municipality=05766999") == ["gp-1", "pharmacy-1"]
    assert ids("?district=A2") == ["pharmacy-1"]
    assert ids("?field=health&municipality=05766998") == []


def test_facilities_near_a_district(client, tiny_region):
    data = client.get("/de/api/facilities.geojson?near=B1").json()
    props = {f["id"]: f["properties"] for f in data["features"]}
    # the kita is inside B1; the pharmacy at A2's centre is ≈ 0.73 km from B1's edge; the GP at
    # A1's centre ≈ 1.73 km: all within 2 km
    assert props["kita-1"]["inside"] is True and props["kita-1"]["distance_m"] == 0
    assert 700 < props["pharmacy-1"]["distance_m"] < 760
    assert 1700 < props["gp-1"]["distance_m"] < 1760
    assert [f["id"] for f in data["features"]] == ["kita-1", "pharmacy-1", "gp-1"]


def test_empty_database_gives_empty_collections(client):
    assert client.get("/de/api/districts.geojson").json() == {
        "type": "FeatureCollection",
        "features": [],
    }
    assert client.get("/de/api/facilities.geojson").json()["features"] == []


def test_municipalities_geojson_lists_only_those_with_a_boundary(client, tiny_region):
    assert client.get("/de/api/municipalities.geojson").json()["features"] == []
    square = {
        "type": "Polygon",
        "coordinates": [
            [[8.89, 51.99], [8.92, 51.99], [8.92, 52.01], [8.89, 52.01], [8.89, 51.99]]
        ],
    }
    m.Municipality.objects.filter(ags="05766999").update(boundary=square)
    data = client.get("/en/api/municipalities.geojson").json()
    assert [f["id"] for f in data["features"]] == ["05766999"]
    props = data["features"][0]["properties"]
    assert props["name"] == "Ahausen" and props["url"] == "/en/municipality/05766999/"
    assert data["features"][0]["geometry"] == square
