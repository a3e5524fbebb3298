"""In chromium: a planner builds a scenario (a closure and a mobile service), runs it and reads
who gains and who loses on the comparison page; axe-core finds no serious problem there."""

from __future__ import annotations

import re

import pytest

from tests.conftest import axe_violations, browser_login

pytestmark = [pytest.mark.browser]


def test_planner_builds_runs_and_compares_a_scenario(
    page, live_server, transactional_db, region_two_gps, planner
):
    live = live_server.url
    browser_login(page.context, live_server.url, planner)

    page.goto(f"{live}/de/scenarios/")
    page.fill("#id_name", "Praxis Mitte schließt, Praxisbus in Adorf")
    page.click("form.scenario-form button[type=submit]")
    page.wait_for_url(re.compile(r"/de/scenarios/\d+/$"))

    # 1. the closure
    page.select_option("#id_facility-action", "close")
    page.select_option("#id_facility-facility", label="Hausarztpraxis: Praxis Mitte")
    page.click("#form-facility button[type=submit]")
    page.wait_for_selector("table.changes-table >> text=Praxis Mitte")

    # 2. the mobile service: a click on the map fills the place, then we set it exactly
    page.wait_for_selector("#scenario-map[data-ready='true'][data-editor='ready']")
    page.click("#scenario-map", position={"x": 500, "y": 100})  # empty ground, no marker
    page.wait_for_function("() => document.querySelector('#id_mobile-lat').value !== ''")
    lat = float(page.input_value("#id_mobile-lat"))
    lon = float(page.input_value("#id_mobile-lon"))
    assert 51.5 < lat < 52.5 and 8.5 < lon < 9.3
    page.select_option("#id_mobile-facility_type", label="Hausarztpraxis")
    page.fill("#id_mobile-name", "Praxisbus Adorf")
    page.fill("#id_mobile-lat", "52.0")
    page.fill("#id_mobile-lon", "8.9146")
    page.select_option("#id_mobile-weekday", "1")
    page.fill("#id_mobile-start", "09:00")
    page.fill("#id_mobile-end", "13:00")
    page.click("#form-mobile button[type=submit]")
    page.wait_for_selector("table.changes-table >> text=Praxisbus Adorf")
    assert "0,100" in page.inner_text("table.changes-table")  # weight 4 h / 40 h

    assert axe_violations(page) == []  # the editor, with its forms and the map

    # 3. run (on foot, GPs only) and land on the comparison
    page.uncheck("input[name=modes][value=bike]")
    page.uncheck("input[name=modes][value=car]")
    page.select_option("#id_types", "gp")
    page.click("#run-button")
    # the run is a job: its page shows the progress (done at once under the test queue), then
    # links to the comparison
    page.wait_for_url(re.compile(r"/de/jobs/[0-9a-f-]+/$"))
    assert page.get_attribute("#job-progress", "value") == "100"
    page.click("#job-result-link")
    page.wait_for_url(re.compile(r"/de/scenarios/\d+/compare/$"))

    # Ahausen-Mitte (200 people) loses its GP within 15 minutes on foot; Adorf (100) gains one
    assert page.inner_text("#fig-newly-beyond .value") == "200"
    assert page.inner_text("#fig-newly-within .value") == "100"
    rows = {
        r.split("\t")[0]: r.split("\t") for r in page.inner_text("#gains-table tbody").split("\n")
    }
    assert rows["Ahausen-Mitte"][-1] == "200" and rows["Ahausen-Mitte"][-2] == "0"
    assert rows["Adorf"][-2] == "100" and rows["Adorf"][-1] == "0"
    assert "Bedorf" not in rows
    page.wait_for_selector("#compare-map[data-ready='true']")
    assert page.locator("#compare-map .nahraum-point").count() == 2
    assert page.locator("#compare-chart").is_visible()
    assert "Praxisbus Adorf" in page.inner_text(".scenario-log")
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_location_planning_page_solves_and_makes_a_scenario(
    page, live_server, transactional_db, tiny_region, planner
):
    live = live_server.url
    browser_login(page.context, live_server.url, planner)
    page.goto(f"{live}/de/scenarios/locate/")
    page.select_option("#id_facility_type", "gp")
    page.select_option("#id_method", "max_coverage")
    page.fill("#id_k", "1")
    page.check("input[name=target_bands][value='75+']")
    page.select_option("#id_candidate_source", "list")
    page.fill("#id_candidates", "Adorf Mitte; 52.0; 8.9146\nBedorf Mitte; 52.0; 8.9292")
    page.click("#locate-form button[type=submit]")
    page.wait_for_url(re.compile(r"/de/jobs/[0-9a-f-]+/$"))  # solved as a job
    page.click("#job-result-link")
    page.wait_for_url(re.compile(r"/de/scenarios/locate/\?job=[0-9a-f-]+$"))
    page.wait_for_selector("#sites-table")
    assert page.input_value("#id_k") == "1"  # the question stays with its answer
    # 10 people aged 75+ live in either village; the GP of Ahausen-Mitte already serves its 20
    assert page.inner_text("#fig-objective .value") == "10,0"
    assert page.inner_text("#fig-gap .value") == "0,000 %"
    page.wait_for_selector("#locate-map[data-ready='true']")
    assert page.locator("#locate-map .nahraum-point-exact").count() == 1
    assert axe_violations(page) == []
    page.click("#make-scenario")
    page.wait_for_url(re.compile(r"/de/scenarios/\d+/$"))
    assert "Hausarztpraxis" in page.inner_text("h1")
    assert "Mitte" in page.inner_text("table.changes-table")
    assert page.console_errors == []
