"""Supply pages and JSON endpoints on the tiny region after a stored run."""

from __future__ import annotations

import pytest

from nahraum.analysis import services


@pytest.fixture
def run(tiny_region):
    return services.run_analysis(tiny_region, modes=["walk"])


def test_pages_without_a_run_explain_what_to_do(client, tiny_region):
    page = client.get("/de/analysis/")
    assert page.status_code == 200
    assert "nahraum analyze" in page.content.decode()


def test_overview_shows_map_table_chart_and_sources(client, run):
    page = client.get("/de/analysis/?type=gp&mode=straight")
    html = page.content.decode()
    assert page.status_code == 200
    for part in (
        'data-nahraum-map="overview-map-spec"',
        'data-nahraum-chart="overview-chart-spec"',
        'class="district-table sortable"',
        "estimate-badge",
        "Test data",
        f"Analyselauf Nr. {run.pk}",
    ):
        assert part in html, part
    # The GP table row of Bedorf: nobody within the norm, all served across the border.
    assert page.context["rows"][2]["district"].key == "B1"
    assert page.context["rows"][2]["share"] == 0.0 and page.context["rows"][2]["cross"] == 100.0
    flows = page.context["flows"]["rows"]
    assert {r["home"].name: r["total"] for r in flows} == {"Ahausen": 300, "Bedorf": 100}


def test_district_and_type_pages(client, run):
    page = client.get("/de/analysis/district/A2/?type=gp&mode=straight")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-nahraum-map="district-map-spec"' in html and "district-hist-spec" in html
    cells = page.context["map_spec"]["layers"][0]["data"]["features"]
    assert [c["properties"]["name"] for c in cells] == ["cell-A2"]
    assert page.context["worst_cells"][0]["cell"] == "cell-A2"
    bins = page.context["histogram"]["data"]["bins"]
    assert sum(b["count"] for b in bins) == 100  # Adorf's 100 people
    page = client.get("/en/analysis/type/kita/")
    assert page.status_code == 200 and "type-hist-spec" in page.content.decode()
    assert client.get("/de/analysis/district/nowhere/").status_code == 404


def test_bad_page_parameters_give_400_with_a_message(client, run):
    page = client.get("/de/analysis/?mode=boat")
    assert page.status_code == 400
    assert "boat" in page.content.decode() and "straight" in page.content.decode()
    assert client.get("/de/analysis/?age_band=100-120").status_code == 400
    assert client.get("/de/analysis/?run=abc").status_code == 400


def test_indicator_api(client, run):
    data = client.get(
        "/de/analysis/api/indicators/",
        {
            "metric": "share_within_norm",
            "mode": "straight",
            "type": "gp",
            "level": "region",
            "age_band": "",
        },
    ).json()
    assert data["run"] == run.pk and data["is_estimate"] is True
    assert [v["value"] for v in data["values"]] == [0.5]
    data = client.get(
        "/de/analysis/api/indicators/",
        {"metric": "cross_border_share", "type": "gp", "district": "B1"},
    ).json()
    assert [v["value"] for v in data["values"]] == [1.0]
    # Innovation field "health": GP (and pharmacy, no norm) — the GP norm decides.
    data = client.get(
        "/de/analysis/api/indicators/",
        {"metric": "share_within_all_norms", "field": "health", "level": "region"},
    ).json()
    assert [(v["type"], v["field"], v["value"]) for v in data["values"]] == [(None, "health", 0.5)]


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"metric": "happiness"}, "unknown metric 'happiness'"),
        ({"mode": "boat"}, "unknown mode 'boat'; this run has: straight"),
        ({"type": "spa"}, "unknown facility type 'spa'"),
        ({"district": "Z9"}, "unknown district 'Z9'"),
        ({"level": "planet"}, "unknown level 'planet'"),
        ({"age_band": "99+"}, "unknown age_band '99+'"),
        ({"run": "999"}, "kein abgeschlossener Analyselauf Nr. 999"),  # German first
        ({"colour": "red"}, "unknown parameter(s) colour"),
        ({"field": "space"}, "unknown innovation field 'space'"),
    ],
)
def test_indicator_api_rejects_bad_queries(client, run, query, fragment):
    response = client.get("/de/analysis/api/indicators/", query)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"lat": "x", "lon": "8.9"}, "lat and lon must be numbers"),
        ({"lat": "95", "lon": "8.9"}, "lat must lie in"),
        ({"lat": "52", "lon": "8.9", "mode": "boat"}, "unknown mode 'boat'"),
        ({"lat": "52", "lon": "8.9", "minutes": "5,abc"}, "minutes must be comma-separated"),
        ({"lat": "52", "lon": "8.9", "minutes": "500"}, "at most 120"),
    ],
)
def test_isochrone_rejects_bad_queries(client, tiny_region, query, fragment):
    response = client.get("/de/analysis/api/isochrone/", query)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_isochrone_without_a_network_says_so(client, tiny_region, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    response = client.get("/de/analysis/api/isochrone/", {"lat": "52", "lon": "8.9"})
    assert response.status_code == 404
    assert "no street network for walk" in response.json()["error"]
