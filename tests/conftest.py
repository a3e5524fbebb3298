"""Fixtures shared by every part of the suite: a tiny region built by hand, and a real browser.

The browser is Debian's chromium driven by Playwright through ``executable_path``; a browser
download is never attempted. Pages are served by pytest-django's live server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every test starts with an empty cache: cached public pages (nahraum.region.cachever) and
# throttle counts would otherwise carry over from one test's rolled-back data to the next.
from tests.fixtures import fresh_cache  # noqa: F401  (autouse)

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run while
# one is active unless told that this is safe, which it is in tests that do not share connections
# across threads.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("NAHRAUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _reset_language():
    """Every test starts and ends in the default language (German).

    A test that activates English (directly or through a request with LocaleMiddleware) would
    otherwise leave it active in the thread, and the next test would see English pages.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, settings):
    """A fresh browser page; ``page.console_errors`` collects what the page logged as errors."""
    # No map tiles from the internet in tests: the data layers must draw without them.
    settings.NAHRAUM_TILE_URL = ""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.console_errors = []
    pg.on(
        "console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error" else None
    )
    pg.on("pageerror", lambda exc: pg.console_errors.append(str(exc)))
    yield pg
    context.close()


def axe_violations(pg, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (from node_modules) on the page; return violations of the given impacts.

    Injected through the DevTools protocol (``evaluate``), to which the pages' Content-Security-
    Policy does not apply; ``add_script_tag`` writes an inline script, which script-src 'self'
    blocks.
    """
    pg.evaluate((REPO / "node_modules" / "axe-core" / "axe.min.js").read_text())
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def browser_login(context, live_url: str, user) -> None:
    """Sign ``user`` in for a whole browser context (a page's, or one of its own).

    A session made by Django's test client becomes the context's cookie, so browser tests start
    signed in without going through the login form (which has its own test).
    """
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}]
    )


@pytest.fixture
def tiny_region(db):
    """Two municipalities, three Ortsteile, three facility types: small enough to check by hand.

    Lemgo-like "Ahausen" (core town A1 and village A2) and Kalletal-like "Bedorf" (village B1),
    on a straight line west to east, 1 km apart; see the coordinates below.
    """
    from nahraum.region import models as m

    source = m.DataSource.objects.create(
        key="test", name="Test data", licence="CC0-1.0", is_illustrative=True
    )
    region = m.Region.objects.create(slug="test", name="Testregion", source=source)
    health = m.InnovationField.objects.create(
        key="health", name_de="Gesundheit", name_en="Health", order=4
    )
    education = m.InnovationField.objects.create(
        key="education", name_de="Bildung", name_en="Education", order=2
    )
    gp = m.FacilityType.objects.create(
        key="gp",
        field=health,
        name_de="Hausarztpraxis",
        name_en="GP practice",
        capacity_unit="GPs",
    )
    m.Norm.objects.create(
        facility_type=gp,
        mode="walk",
        max_minutes=15,
        label_de="15 min zu Fuß",
        label_en="15 min on foot",
        source="test norm",
    )
    kita = m.FacilityType.objects.create(
        key="kita",
        field=education,
        name_de="Kita",
        name_en="Day care",
        capacity_unit="places",
        demand_age_bands=["0-5"],
    )
    pharmacy = m.FacilityType.objects.create(
        key="pharmacy", field=health, name_de="Apotheke", name_en="Pharmacy"
    )
    a = m.Municipality.objects.create(
        region=region,
        ags="05766999",
        name="Ahausen",
        population=300,
        area_km2=10,
        trend="shrinking",
        source=source,
    )
    b = m.Municipality.objects.create(
        region=region,
        ags="05766998",
        name="Bedorf",
        population=100,
        area_km2=12,
        trend="growing",
        source=source,
    )

    def square(lon: float, lat: float, half: float = 0.004) -> dict:
        return {
            "type": "Polygon",
            "coordinates": [
                [
                    [lon - half, lat - half],
                    [lon + half, lat - half],
                    [lon + half, lat + half],
                    [lon - half, lat + half],
                    [lon - half, lat - half],
                ]
            ],
        }

    def ages(total):
        return {
            "0-5": total // 10,
            "75+": total // 10,
            "30-49": total - 2 * (total // 10),
        }

    a1 = m.District.objects.create(
        municipality=a,
        key="A1",
        name="Ahausen-Mitte",
        kind="core",
        population=200,
        population_by_age=ages(200),
        centre_lat=52.0,
        centre_lon=8.9,
        boundary=square(8.9, 52.0),
        source=source,
    )
    a2 = m.District.objects.create(
        municipality=a,
        key="A2",
        name="Adorf",
        kind="village",
        population=100,
        population_by_age=ages(100),
        centre_lat=52.0,
        centre_lon=8.9146,
        boundary=square(8.9146, 52.0),
        source=source,
    )
    b1 = m.District.objects.create(
        municipality=b,
        key="B1",
        name="Bedorf",
        kind="village",
        population=100,
        population_by_age=ages(100),
        centre_lat=52.0,
        centre_lon=8.9292,
        boundary=square(8.9292, 52.0),
        source=source,
    )
    for d in (a1, a2, b1):
        m.PopulationCell.objects.create(
            region=region,
            key=f"cell-{d.key}",
            lat=d.centre_lat,
            lon=d.centre_lon,
            population=d.population,
            population_by_age=d.population_by_age,
            municipality=d.municipality,
            district=d,
            source=source,
        )
    m.Facility.objects.create(
        key="gp-1",
        type=gp,
        name="Praxis Mitte",
        lat=52.0,
        lon=8.9,
        capacity=2,
        municipality=a,
        district=a1,
        source=source,
    )
    m.Facility.objects.create(
        key="kita-1",
        type=kita,
        name="Kita Bedorf",
        lat=52.0,
        lon=8.9292,
        capacity=40,
        municipality=b,
        district=b1,
        source=source,
    )
    m.Facility.objects.create(
        key="pharmacy-1",
        type=pharmacy,
        name="Apotheke Adorf",
        lat=52.0,
        lon=8.9146,
        municipality=a,
        district=a2,
        source=source,
    )
    return region
