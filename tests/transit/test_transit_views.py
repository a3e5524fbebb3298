"""Public-transport pages: German and English, map + table + chart + sources, bad requests."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext

from nahraum.transit import services


@pytest.fixture
def imported(tiny_region, tiny_feed):
    return services.import_feed(tiny_feed, tiny_region, licence="CC0-1.0", illustrative=True)


def test_empty_page_explains_the_import(client, tiny_region):
    response = client.get("/de/transit/")
    assert response.status_code == 200
    assert "nahraum transit import" in response.content.decode()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_overview_shows_classes_by_municipality_and_district(client, imported, lang):
    html = client.get(f"/{lang}/transit/").content.decode()
    assert 'id="municipality-classes"' in html and 'id="district-classes"' in html
    assert 'data-nahraum-map="transit-map-spec"' in html
    assert 'data-nahraum-chart="class-chart-spec"' in html
    assert "estimate-badge" in html and "GTFS: Testverbund" in html  # illustrative + source
    # Ahausen: 200 of 300 people in class A = 66.7 %
    assert ("66,7 %" if lang == "de" else "66.7 %") in html


def test_overview_in_german_and_english(client, imported):
    assert "Inhabitants by class and municipality" in client.get("/en/transit/").content.decode()
    assert "Einwohner nach Klasse und Kommune" in client.get("/de/transit/").content.decode()


def test_district_page_lists_stops_and_departures(client, imported):
    html = client.get("/de/transit/district/A1/").content.decode()
    assert "Ahausen Bf Gleis 1" in html and 'id="hour-table"' in html
    assert client.get("/de/transit/district/nope/").status_code == 404


def test_stops_page_and_geojson(client, imported):
    html = client.get("/en/transit/stops/").content.decode()
    assert "Adorf West" in html and 'id="line-table"' in html and "RB 1" in html
    cells = json.loads(client.get("/de/transit/api/cells.geojson").content)
    assert sorted(f["properties"]["klass"] for f in cells["features"]) == ["A", "E", "F"]
    stops = json.loads(client.get("/de/transit/api/stops.geojson?district=B1").content)
    assert [f["properties"]["name"] for f in stops["features"]] == ["Bedorf"]
    assert client.get("/de/transit/api/cells.geojson?district=x").status_code == 400
    assert client.get("/de/transit/api/stops.geojson?district=nope").status_code == 400


@pytest.mark.browser
def test_overview_in_the_browser(live_server, page, imported):
    from tests.conftest import axe_violations

    page.goto(f"{live_server.url}/de/transit/")
    page.wait_for_selector("#transit-map[data-ready='true']")
    assert page.locator("#transit-map .nahraum-point").count() >= 3
    assert page.locator("#class-chart").is_visible()
    # horizontal bars: the share belongs on the value axis (x), the districts on the category
    # axis (y) — a title on the wrong axis is cut off beside the district names
    axes = page.evaluate("""() => {
        const c = Chart.getChart(document.getElementById('class-chart'));
        return [c.options.indexAxis, c.options.scales.x.title.text, c.options.scales.y.title.text];
    }""")
    with translation.override("de"):
        assert axes == ["y", gettext("Share of inhabitants (%)"), gettext("District")]
    assert axes[1].startswith("Anteil")
    assert axe_violations(page) == []
    assert page.console_errors == []
