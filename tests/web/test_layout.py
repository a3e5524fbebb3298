"""The base layout every page shares: language switch, skip link, navigation, 404 page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_base_layout_in_german(client, tiny_region):
    html = client.get("/de/facilities/").content.decode()
    assert '<a class="skip-link" href="#main">Zum Inhalt springen</a>' in html
    assert '<main id="main"' in html
    assert 'aria-label="Hauptnavigation"' in html
    assert ">Versorgung</a>" in html and ">Beteiligung</a>" in html
    # the language switch: plain links to the same page, the current one marked
    assert (
        '<a href="/de/facilities/" hreflang="de" lang="de" aria-current="true">Deutsch</a>' in html
    )
    assert '<a href="/en/facilities/" hreflang="en" lang="en">English</a>' in html
    assert "Freie Software unter der EUPL-1.2." in html


def test_base_layout_in_english(client, tiny_region):
    html = client.get("/en/facilities/").content.decode()
    assert ">Skip to content</a>" in html and ">Supply</a>" in html
    assert '<a href="/de/facilities/" hreflang="de" lang="de">Deutsch</a>' in html
    assert "Free software under the EUPL-1.2." in html


def test_navigation_marks_the_current_section(client, tiny_region):
    html = client.get("/de/").content.decode()
    assert 'href="/de/" aria-current="page">Region</a>' in html
    assert 'href="/de/analysis/" aria-current' not in html


def test_not_found_page_is_friendly_and_translated(client, tiny_region):
    r = client.get("/de/district/NOPE/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "Seite nicht gefunden" in html and 'href="/de/"' in html
    r = client.get("/en/no-such-page/")
    assert r.status_code == 404 and "Page not found" in r.content.decode()


def test_sources_include_marks_illustrative_data(client, tiny_region):
    from django.template.loader import render_to_string

    from nahraum.region.models import DataSource

    official = DataSource.objects.create(
        key="it-nrw",
        name="Bevölkerungsstand",
        publisher="IT.NRW",
        licence="dl-de/by-2-0",
        url="https://www.it.nrw/",
    )
    html = render_to_string(
        "nahraum/_sources.html", {"sources": [official, DataSource.objects.get(key="test")]}
    )
    official_item, test_item = html.split('<li class="source">')[1:3]
    assert 'href="https://www.it.nrw/"' in official_item and "IT.NRW" in official_item
    assert "dl-de/by-2-0" in official_item and "estimate-badge" not in official_item
    assert "estimate-badge" in test_item and "CC0-1.0" in test_item


def test_unique_sources_filter(tiny_region):
    from nahraum.region.models import District
    from nahraum.web.templatetags.nahraum_web import unique_sources

    districts = list(District.objects.all())
    sources = unique_sources(districts + [tiny_region.source, None])
    assert [s.key for s in sources] == ["test"]
