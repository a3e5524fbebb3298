"""The region's pages: status, content in German and English, 404s, the empty database."""

from __future__ import annotations

import re

import pytest

from nahraum.region import models as m
from nahraum.region.cachever import bump_data_version

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_overview_lists_municipalities_and_districts_core_first(client, tiny_region):
    r = client.get("/de/")
    assert r.status_code == 200
    html = text(r)
    assert "<h1>Testregion</h1>" in html
    # both municipalities and all districts are in the table, each linking to its page
    for name in ("Ahausen", "Bedorf", "Ahausen-Mitte", "Adorf"):
        assert name in html
    assert 'href="/de/district/A1/"' in html
    assert 'href="/de/municipality/05766999/"' in html
    # the core town comes before the village within Ahausen
    assert html.index("Ahausen-Mitte") < html.index("Adorf")
    assert 'class="kind kind-core">Kernstadt<' in html
    assert 'class="kind kind-village">Dorf<' in html
    # region total, German number format
    assert '<span class="value">400</span>' in html


def test_overview_links_to_supply_pages(client, tiny_region):
    html = text(client.get("/de/"))
    assert 'href="/de/analysis/district/A2/"' in html


def test_overview_has_map_chart_and_sources(client, tiny_region):
    html = text(client.get("/de/"))
    assert 'data-nahraum-map="overview-map-spec"' in html
    assert 'data-nahraum-chart="district-chart-spec"' in html
    assert "vendor/leaflet/leaflet.js" in html and "vendor/chart.js/chart.umd.js" in html
    # the data source is named underneath with licence and the illustrative badge
    sources = html[html.index('class="sources"') :]
    assert "Test data" in sources and "CC0-1.0" in sources
    assert 'class="estimate-badge"' in sources


def test_overview_in_english(client, tiny_region):
    r = client.get("/en/")
    assert r.status_code == 200
    html = text(r)
    assert '<html lang="en">' in html
    assert "Municipalities and districts" in html
    assert "core town" in html and "village" in html
    assert "Data sources" in html
    assert "Kommunen und Ortsteile" not in html


def test_german_page_is_german(client, tiny_region):
    html = text(client.get("/de/"))
    assert '<html lang="de">' in html
    assert "Kommunen und Ortsteile" in html
    assert "Datenquellen" in html
    assert "Municipalities and districts" not in html


def test_language_switch_links_to_the_same_page(client, tiny_region):
    html = text(client.get("/de/district/A1/"))
    assert 'href="/en/district/A1/" hreflang="en"' in html


def test_empty_database_shows_a_friendly_page(client):
    assert not m.Region.objects.exists()
    r = client.get("/de/")
    assert r.status_code == 200
    html = text(r)
    assert "Noch keine Region geladen" in html
    assert "nahraum demo" in html
    r = client.get("/en/")
    assert "No region loaded yet" in text(r)


def test_empty_database_facility_index(client):
    r = client.get("/de/facilities/")
    assert r.status_code == 200
    assert "nahraum demo" in text(r)


def test_municipality_page(client, tiny_region):
    r = client.get("/de/municipality/05766999/")
    assert r.status_code == 200
    html = text(r)
    assert "<h1>Ahausen</h1>" in html
    assert "Ahausen-Mitte" in html and "Adorf" in html
    # Bedorf belongs to the other municipality: not in this municipality's district table
    table = html[
        html.index('class="district-table"') : html.index(
            "</table>", html.index('class="district-table"')
        )
    ]
    assert "Ahausen-Mitte" in table and "Adorf" in table and "Bedorf" not in table
    assert "schrumpfend" in html  # trend, translated
    assert 'data-nahraum-map="municipality-map-spec"' in html
    assert "/de/api/districts.geojson?municipality=05766999" in html


def test_unknown_municipality_is_404(client, tiny_region):
    assert client.get("/de/municipality/00000000/").status_code == 404


def test_district_page_age_structure_and_facilities(client, tiny_region):
    r = client.get("/de/district/A2/")
    assert r.status_code == 200
    html = text(r)
    assert "Adorf" in html
    assert 'class="kind kind-village"' in html
    # age table: 10 of 100 in 0-5 → 10,0 %; municipality Ahausen: 30 of 300 → 10,0 %
    age_table = html[html.index('class="age-table"') :]
    age_table = age_table[: age_table.index("</table>")]
    assert re.search(
        r"<th scope=\"row\">30-49</th><td class=\"num\">80</td><td class=\"num\">80,0 %</td>",
        age_table,
    )
    assert 'data-nahraum-chart="age-chart-spec"' in html
    # facilities: the pharmacy inside, the GP 1 km west and the kita 1 km east (across the border)
    fac = html[html.index('class="facility-table"') :]
    fac = fac[: fac.index("</table>")]
    assert fac.index("Apotheke Adorf") < fac.index("Praxis Mitte")
    assert "im Ortsteil" in fac
    assert "Kita Bedorf" in fac and "über die Gemeindegrenze" in fac
    assert 'href="/de/analysis/district/A2/"' in html


def test_district_page_distances(client, tiny_region):
    # A1 is the square 8.9 ± 0.004 °E; the pharmacy stands at 8.9146 °E, 0.0106° east of A1's
    # edge: 0.0106 × 111.32 km × cos 52° ≈ 0.73 km. The kita at 8.9292 °E is ≈ 1.73 km away,
    # still within 2 km.
    html = text(client.get("/de/district/A1/"))
    table = html[html.index('class="facility-table"') :]
    table = table[: table.index("</table>")]
    row = re.search(r"Apotheke Adorf.*?<td class=\"num\">([0-9,]+)</td>", table, re.S)
    assert row and row.group(1) == "0,7"
    row = re.search(r"Kita Bedorf.*?<td class=\"num\">([0-9,]+)</td>", table, re.S)
    assert row and row.group(1) == "1,7"


def test_far_facility_is_not_near(client, tiny_region):
    gp = m.FacilityType.objects.get(key="gp")
    # 0.04° east of A1's edge ≈ 2.7 km: outside the 2 km radius
    m.Facility.objects.create(
        key="gp-far",
        type=gp,
        name="Praxis Fern",
        lat=52.0,
        lon=8.944,
        source=m.DataSource.objects.get(),
    )
    html = text(client.get("/de/district/A1/"))
    assert "Praxis Fern" not in html
    assert "Praxis Fern" in text(client.get("/de/facilities/gp/"))


def test_district_page_english(client, tiny_region):
    html = text(client.get("/en/district/A1/"))
    assert "Age structure" in html
    assert "The core town of Ahausen." in html


def test_unknown_district_is_404(client, tiny_region):
    assert client.get("/de/district/NOPE/").status_code == 404
    assert client.get("/en/district/NOPE/").status_code == 404


def test_district_without_age_structure(client, tiny_region):
    m.District.objects.filter(key="B1").update(population_by_age={})
    r = client.get("/de/district/B1/")
    assert r.status_code == 200
    assert 'data-nahraum-chart="age-chart-spec"' not in text(r)


def test_estimated_district_shows_badge(client, tiny_region):
    m.DataSource.objects.update(is_illustrative=False)
    html = text(client.get("/de/district/A1/"))
    main = html[html.index("<main") : html.index('class="sources"')]
    assert "estimate-badge" not in main
    m.District.objects.filter(key="A1").update(is_estimate=True)
    bump_data_version()  # a bulk update sends no signal: its writer makes the page cache stale
    html = text(client.get("/de/district/A1/"))
    main = html[html.index("<main") : html.index('class="sources"')]
    assert "estimate-badge" in main


def test_facility_type_page(client, tiny_region):
    r = client.get("/de/facilities/gp/")
    assert r.status_code == 200
    html = text(r)
    assert "Hausarztpraxis" in html and "Praxis Mitte" in html
    assert "Kita Bedorf" not in html
    assert "15 min zu Fuß" in html and "test norm" in html
    assert 'data-nahraum-chart="type-chart-spec"' in html
    html_en = text(client.get("/en/facilities/gp/"))
    assert "GP practice" in html_en and "15 min on foot" in html_en


def test_facility_type_index(client, tiny_region):
    html = text(client.get("/de/facilities/"))
    for name in ("Hausarztpraxis", "Apotheke", "Kita", "Gesundheit", "Bildung"):
        assert name in html
    assert 'href="/de/facilities/kita/"' in html


def test_unknown_facility_type_is_404(client, tiny_region):
    assert client.get("/de/facilities/nope/").status_code == 404


def test_district_services_at_a_glance(client, tiny_region):
    html = text(client.get("/de/district/A1/"))
    table = html[html.index('class="supply-table"') :]
    table = table[: table.index("</table>")]
    rows = {
        name: cells
        for name, cells in re.findall(
            r'<th scope="row"><a [^>]+>([^<]+)</a></th>(.*?)</tr>', table, re.S
        )
    }
    cells = lambda name: re.findall(r'<td class="num">(.*?)</td>', rows[name], re.S)  # noqa: E731
    # GP practice inside A1; the pharmacy 0.7 km and the kita 1.7 km away, none inside
    assert cells("Hausarztpraxis") == ["1", "0", "–"]
    assert cells("Apotheke")[1:] == ["1", "0,7"] and "keine" in cells("Apotheke")[0]
    assert cells("Kita")[1:] == ["1", "1,7"]
    assert "2 Angebotsarten fehlen im Ortsteil selbst." in html


def test_capacity_units_are_translated(client, tiny_region):
    html = text(client.get("/de/facilities/kita/"))
    assert "Kapazität (Plätze)" in html
    html = text(client.get("/en/facilities/kita/"))
    assert "Capacity (places)" in html
    html = text(client.get("/de/district/A1/"))
    assert "2 Ärztinnen/Ärzte" in html
