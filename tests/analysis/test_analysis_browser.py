"""The supply pages in a real browser: map, table and chart drawn, no console errors, and axe
finds no serious or critical accessibility problem."""

from __future__ import annotations

import pytest

from nahraum.analysis import services
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def live_run(transactional_db, tiny_region, live_server):
    services.run_analysis(tiny_region, modes=["walk"])
    return live_server.url


def check_page(page, map_id: str, chart_id: str) -> None:
    page.wait_for_selector(f"#{map_id}[data-ready='true']", timeout=15000)
    assert page.locator(f"#{map_id} .nahraum-area").count() >= 1
    drawn = page.evaluate(f"() => !!Chart.getChart(document.getElementById('{chart_id}'))")
    assert drawn
    assert page.locator("table.sortable tbody tr").count() >= 1
    assert page.locator(".sources").count() == 1
    assert page.locator(".estimate-badge").count() >= 1
    assert page.console_errors == []
    assert axe_violations(page) == []


def test_overview_in_the_browser(page, live_run):
    page.goto(live_run + "/de/analysis/?type=gp&mode=straight")
    check_page(page, "overview-map", "overview-chart")
    # Sorting the district table by the share within the norm puts Ahausen-Mitte (100 %) last.
    header = page.locator("#district-table thead th").nth(4)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    first = page.locator("#district-table tbody tr").first.locator("th").inner_text()
    assert first == "Ahausen-Mitte"


def test_district_page_in_the_browser(page, live_run):
    page.goto(live_run + "/de/analysis/district/A2/?type=gp&mode=straight")
    check_page(page, "district-map", "district-hist")
    assert "cell-A2" in page.locator("table.worst-cells").inner_text()
