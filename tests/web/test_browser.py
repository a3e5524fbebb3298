"""The region pages in a real browser (Debian's chromium via Playwright), without map tiles.

What a person would check: the map draws its areas and points, the table and chart are there,
nothing is logged as an error, and axe-core finds no serious or critical accessibility problem.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import axe_violations

pytestmark = pytest.mark.browser

CHART_SIZE = """(id) => {
  const c = document.getElementById(id);
  const chart = Chart.getChart(c);
  return chart ? {w: c.width, h: c.height, sets: chart.data.datasets.length,
                  values: chart.data.datasets.map(d => d.data)} : null;
}"""


def test_overview_draws_map_table_and_chart(page, live_region):
    page.goto(live_region + "/de/")
    page.wait_for_selector("#overview-map[data-ready=true]", timeout=15_000)
    # three districts as shaded areas, three facilities as points, no tiles fetched
    assert page.locator("#overview-map path.nahraum-area").count() == 3
    assert page.locator("#overview-map path.nahraum-point").count() == 3
    assert page.locator("#overview-map .leaflet-tile").count() == 0
    # the core town stands out by its outline, and the legend says so
    assert page.locator("#overview-map path.nahraum-area-highlight").count() == 1
    assert "Kernstadt" in page.locator("#overview-map .nahraum-legend").inner_text()
    # one layer per innovation field in the layer control (Gesundheit: GP + pharmacy)
    control = page.locator("#overview-map .leaflet-control-layers").inner_text()
    assert "Gesundheit (2)" in control and "Bildung (1)" in control
    assert "Einwohner" in page.locator("#overview-map .nahraum-legend").inner_text()
    # the table: three district rows
    assert page.locator("table.district-table tr.district-row").count() == 3
    chart = page.evaluate(CHART_SIZE, "district-chart")
    assert chart and chart["w"] > 0 and chart["h"] > 0 and chart["sets"] == 2
    # no analysis run, no feed: the supply sections say so instead of drawing
    assert page.locator("#supply-heading ~ p.no-run").is_visible()
    assert page.locator("#classes-heading ~ p.no-feed").is_visible()
    assert page.locator("#supply-chart").count() == 0
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_overview_draws_supply_and_transit_classes(page, live_supply):
    page.goto(live_supply + "/de/")
    for chart_id in ("supply-chart", "supply-gap-chart", "classes-chart"):
        page.wait_for_selector(f"#{chart_id}[data-ready=true]", timeout=15_000)
    page.wait_for_selector("#supply-map[data-ready=true]", timeout=15_000)
    # the map: three districts shaded by the GP-on-foot share, one of them the core town
    assert page.locator("#supply-map path.nahraum-area").count() == 3
    assert "Hausarztpraxis" in page.locator("#supply-map .nahraum-legend").inner_text()
    # the charts hold the table's figures (walk and car datasets; class B of Ahausen 66.7 %)
    supply = page.evaluate(CHART_SIZE, "supply-chart")
    assert supply["w"] > 0 and supply["h"] > 0
    assert supply["values"] == [[50.0, None, None], [87.5, None, 68.8]]
    classes = page.evaluate(CHART_SIZE, "classes-chart")
    assert classes["sets"] == 7 and classes["values"][1] == [66.7, 0.0]
    assert page.locator("table.supply-summary-table tr.supply-row").count() == 3
    assert page.locator("table.classes-table tr.class-row").count() == 2
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_municipal_border_is_drawn_above_the_districts(page, live_region):
    from nahraum.region.models import Municipality

    square = {
        "type": "Polygon",
        "coordinates": [
            [[8.895, 51.995], [8.919, 51.995], [8.919, 52.005], [8.895, 52.005], [8.895, 51.995]]
        ],
    }
    Municipality.objects.filter(ags="05766999").update(boundary=square)
    page.goto(live_region + "/de/")
    page.wait_for_selector("#overview-map[data-ready=true]", timeout=15_000)
    assert page.locator("#overview-map path.nahraum-outline").count() == 1
    assert "Gemeindegrenze" in page.locator("#overview-map .leaflet-control-layers").inner_text()
    assert page.console_errors == []


def test_clicking_a_district_opens_a_popup_with_a_link(page, live_region):
    page.goto(live_region + "/de/")
    page.wait_for_selector("#overview-map[data-ready=true]", timeout=15_000)
    # the western square is Ahausen-Mitte; click near its corner, away from the point
    area = page.locator("#overview-map path.nahraum-area").first
    area.click(position={"x": 6, "y": 6})
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert popup.locator("a").first.get_attribute("href").startswith("/de/district/")
    assert page.console_errors == []


def test_district_page_draws_age_pyramid(page, live_region):
    page.goto(live_region + "/de/district/A1/")
    page.wait_for_selector("#age-chart[data-ready=true]", timeout=15_000)
    chart = page.evaluate(CHART_SIZE, "age-chart")
    assert chart and chart["w"] > 0 and chart["h"] > 0
    # two sides: the district (drawn leftwards, negative) and the municipality; oldest first
    left, right = chart["values"]
    assert left[0] == -10.0 and right[0] == 10.0  # 75+: 10 % in both
    page.wait_for_selector("#district-map[data-ready=true]", timeout=15_000)
    assert page.locator("#district-map path.nahraum-area").count() == 1
    # the GP inside, the pharmacy and the kita within 2 km
    assert page.locator("#district-map path.nahraum-point").count() == 3
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_district_page_draws_supply_and_transit_classes(page, live_supply):
    page.goto(live_supply + "/de/district/A2/")
    for chart_id in ("district-supply-chart", "district-classes-chart", "age-chart"):
        page.wait_for_selector(f"#{chart_id}[data-ready=true]", timeout=15_000)
    page.wait_for_selector("#district-map[data-ready=true]", timeout=15_000)
    times = page.evaluate(CHART_SIZE, "district-supply-chart")
    assert times["w"] > 0 and times["h"] > 0
    assert times["values"] == [[21.6, None, None], [4.2, None, 6.8]]
    classes = page.evaluate(CHART_SIZE, "district-classes-chart")
    # Adorf all in class E, Ahausen one third (dataset 4 = class E)
    assert classes["values"][4] == [100.0, 33.3]
    row = page.locator("table.district-supply-table tr.supply-row").first.inner_text()
    assert "25,0 %" in row and "21,6" in row
    link = page.get_by_role("link", name=re.compile("Haltestellen und Abfahrten in Adorf"))
    assert link.get_attribute("href") == "/de/transit/district/A2/"
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_language_switch_to_english(page, live_region):
    page.goto(live_region + "/de/district/A2/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/district/A2/")
    assert page.locator("h2#ages-heading").inner_text() == "Age structure"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.console_errors == []


def test_facility_type_page(page, live_region):
    page.goto(live_region + "/de/facilities/gp/")
    page.wait_for_selector("#type-map[data-ready=true]", timeout=15_000)
    assert page.locator("#type-map path.nahraum-point").count() == 1
    chart = page.evaluate(CHART_SIZE, "type-chart")
    assert chart and chart["w"] > 0
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_empty_database_page_is_accessible(page, live_server, transactional_db):
    page.goto(live_server.url + "/de/")
    assert "Noch keine Region geladen" in page.locator("h1").inner_text()
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_municipality_page_in_english(page, live_region):
    page.goto(live_region + "/en/municipality/05766999/")
    page.wait_for_selector("#municipality-map[data-ready=true]", timeout=15_000)
    # Ahausen: its two districts and its two facilities, not Bedorf's
    assert page.locator("#municipality-map path.nahraum-area").count() == 2
    assert page.locator("#municipality-map path.nahraum-point").count() == 2
    assert "Health (2)" in page.locator("#municipality-map .leaflet-control-layers").inner_text()
    chart = page.evaluate(CHART_SIZE, "district-chart")
    assert chart and chart["w"] > 0 and chart["values"] == [[200, None], [None, 100]]
    assert page.console_errors == []
    assert axe_violations(page) == []
