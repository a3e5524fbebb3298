"""Supply indicators and ÖV-Güteklassen on the region overview and the district profile.

The figures are stored by hand (``supply_data.build_supply_results``), so every number the page
must show is known; decoys (a newer failed run, a per-municipality and an age-band figure) must
not appear.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from tests.region.supply_data import FINISHED, build_supply_results

pytestmark = pytest.mark.django_db


def section(html: str, heading_id: str) -> str:
    """The <section> labelled by ``heading_id`` (the supply sections are one each)."""
    start = html.index(f'<section aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def cells(row_html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row_html, re.S)
    ]


def rows(table_html: str, css: str) -> list[list[str]]:
    return [cells(r) for r in re.findall(rf'<tr class="{css}"[^>]*>(.*?)</tr>', table_html, re.S)]


def test_overview_shows_shares_within_norm_core_and_villages(client, tiny_region):
    run, _feed = build_supply_results(tiny_region)
    r = client.get("/de/")
    html = r.content.decode()
    supply = section(html, "supply-heading")
    # GP on foot: region 50 %, core towns 100 %, villages 0 %, median 12.4 min; by car likewise
    table = rows(supply, "supply-row")
    assert table[0] == ["Hausarztpraxis", "zu Fuß", "50,0 %", "100,0 %", "0,0 %", "12,4"]
    assert table[1] == ["mit dem Auto", "87,5 %", "93,8 %", "81,2 %", "3,6"]
    # kita: only a car figure; the mode without any figure is left out, missing ones are dashes
    assert table[2] == ["Kita", "mit dem Auto", "68,8 %", "–", "–", "5,7"]
    assert len(table) == 3
    # the pharmacy has no figure in this run: said in words
    assert "keine Zahlen in diesem Lauf" in supply
    # decoys: per-municipality core figure, age band, newer failed run
    for decoy in ("33,3 %", "99,1 %", "12,3 %"):
        assert decoy not in supply
    # run number and date, estimate badge, link to the analysis
    with translation.override("de"):
        when = date_format(timezone.localtime(FINISHED), "DATETIME_FORMAT")
    assert f"Analyselaufs Nr. {run.pk} vom {when}" in supply
    assert "estimate-badge" in supply
    assert 'href="/de/analysis/"' in supply
    # chart: one dataset per mode with figures, in per cent, types in the key order
    chart = r.context["supply"]["chart"]
    assert chart["data"]["labels"] == ["Hausarztpraxis", "Apotheke", "Kita"]
    assert [d["data"] for d in chart["data"]["datasets"]] == [
        [50.0, None, None],
        [87.5, None, 68.8],
    ]
    gap = r.context["supply"]["gap_chart"]["data"]["datasets"]
    assert [d["data"] for d in gap] == [[100.0, None, None], [0.0, None, None]]
    # map: districts shaded by the GP-on-foot share, with the share in classes A–D
    props = {
        f["properties"]["key"]: f["properties"]
        for f in r.context["supply_map"]["spec"]["layers"][0]["data"]["features"]
    }
    assert {k: p["value"] for k, p in props.items()} == {"A1": 100.0, "A2": 25.0, "B1": 0.0}
    assert {k: p["share_a_to_d"] for k, p in props.items()} == {"A1": 100.0, "A2": 0.0, "B1": 0.0}
    assert 'id="supply-map-spec"' in html and 'data-nahraum-chart="supply-chart-spec"' in html


def test_overview_shows_classes_per_municipality(client, tiny_region):
    build_supply_results(tiny_region)
    r = client.get("/de/")
    classes = section(r.content.decode(), "classes-heading")
    table = rows(classes, "class-row")
    # name, inhabitants, A, B, C, D, E, F, none, A–D
    assert table == [
        [
            "Ahausen",
            "300",
            "0,0 %",
            "66,7 %",
            "0,0 %",
            "0,0 %",
            "33,3 %",
            "0,0 %",
            "0,0 %",
            "66,7 %",
        ],
        ["Bedorf", "100", "0,0 %", "0,0 %", "0,0 %", "0,0 %", "0,0 %", "0,0 %", "100,0 %", "0,0 %"],
    ]
    footer = cells(re.search(r"<tfoot>(.*?)</tfoot>", classes, re.S).group(1))
    assert footer[0] == "Testregion" and footer[-1] == "50,0 %"
    assert "Testfahrplan" in classes and "estimate-badge" in classes
    assert 'href="/de/transit/"' in classes
    chart = r.context["classes"]["chart"]
    assert chart["data"]["labels"] == ["Ahausen", "Bedorf"]
    assert [d["data"] for d in chart["data"]["datasets"]][1] == [66.7, 0.0]  # class B
    # the feed is listed among the sources underneath
    assert "Testfahrplan" in r.content.decode().split('class="sources')[-1]


def test_badges_only_where_inputs_are_illustrative(client, tiny_region):
    build_supply_results(tiny_region, run_is_estimate=False, feed_illustrative=False)
    html = client.get("/de/").content.decode()
    assert "estimate-badge" not in section(html, "supply-heading")
    assert "estimate-badge" not in section(html, "classes-heading")


def test_district_page_shows_its_figures_and_links(client, tiny_region):
    build_supply_results(tiny_region)
    r = client.get("/de/district/A2/")
    html = r.content.decode()
    supply = section(html, "district-supply-heading")
    table = {row[0]: row[1:] for row in rows(supply, "supply-row")}
    # per mode: within the norm, median (walk, car)
    assert table["Hausarztpraxis"] == ["25,0 %", "21,6", "100,0 %", "4,2"]
    assert table["Apotheke"] == ["–", "–", "–", "–"]
    assert table["Kita"] == ["–", "–", "–", "6,8"]
    assert 'href="/de/analysis/district/A2/"' in supply
    chart = r.context["supply"]["chart"]
    assert [d["data"] for d in chart["data"]["datasets"]] == [[21.6, None, None], [4.2, None, 6.8]]
    classes = section(html, "district-classes-heading")
    table = rows(classes, "class-row")
    assert table[0] == [
        "Adorf",
        "100",
        "0,0 %",
        "0,0 %",
        "0,0 %",
        "0,0 %",
        "100,0 %",
        "0,0 %",
        "0,0 %",
        "0,0 %",
    ]
    assert table[1][0] == "Ahausen" and table[1][-1] == "66,7 %"
    assert 'href="/de/transit/district/A2/"' in classes
    assert 'data-nahraum-chart="district-classes-chart-spec"' in classes


def test_district_in_english(client, tiny_region):
    build_supply_results(tiny_region)
    html = client.get("/en/district/A1/").content.decode()
    assert "Travel times and norms" in section(html, "district-supply-heading")
    assert "Class B" in section(html, "district-classes-heading")


def test_no_run_and_no_feed_hide_the_sections_with_a_sentence(client, tiny_region):
    from nahraum.analysis.models import AnalysisRun

    # a failed run does not count
    AnalysisRun.objects.create(region=tiny_region, status=AnalysisRun.Status.FAILED)
    for url in ("/de/", "/de/district/A1/"):
        r = client.get(url)
        assert r.status_code == 200
        html = r.content.decode()
        assert "noch keine Versorgungsanalyse gerechnet" in html
        assert "noch kein Fahrplan (GTFS-Feed) importiert" in html
        assert "supply-row" not in html and "class-row" not in html
        assert "supply-chart-spec" not in html and "classes-chart-spec" not in html
        assert r.context["supply"] is None and r.context["classes"] is None


def test_run_without_figures_for_the_types(client, tiny_region):
    from nahraum.analysis.models import AnalysisRun

    AnalysisRun.objects.create(
        region=tiny_region,
        status=AnalysisRun.Status.DONE,
        parameters={"modes": ["walk"], "facility_types": ["gp"]},
    )
    html = client.get("/de/").content.decode()
    supply = section(html, "supply-heading")
    assert "keine Zahlen für diese Einrichtungsarten" in supply
    assert "supply-chart-spec" not in supply
