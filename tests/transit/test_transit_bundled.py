"""The bundled, illustrative Lemgo–Kalletal timetable: reproducible, labelled, used by the demo."""

from __future__ import annotations

import importlib.util

import pytest

from nahraum.transit import bundled
from nahraum.transit.models import DemandResponsiveService, Stop, TravelTimeSummary

REPO = bundled.BUNDLED.parents[3]  # src/nahraum/transit/bundled → the repository


def test_generator_reproduces_the_bundled_feed(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("gen", REPO / "scripts/generate_demo_gtfs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    monkeypatch.setattr(gen, "OUT", tmp_path)
    gen.main()
    assert (tmp_path / "lemgo-kalletal-gtfs.zip").read_bytes() == bundled.FEED_ZIP.read_bytes()
    assert (tmp_path / "kalletal-737.json").read_text() == bundled.RUFBUS_JSON.read_text()


@pytest.mark.slow
def test_demo_region_gets_timetable_rufbus_classes_and_times(db):
    from nahraum.data.bundled import ensure_bundled_region
    from nahraum.region.models import Region

    ensure_bundled_region(echo=lambda *_: None)
    region = Region.objects.get(slug=bundled.REGION_SLUG)
    feed = bundled.load_bundled_transit(region, echo=lambda *_: None)
    assert feed.source.is_illustrative and "illustrativ" in feed.name
    assert "illustrativ" in " ".join(feed.summary["agencies"])
    assert bundled.load_bundled_transit(region) is None  # only once
    kalle = DemandResponsiveService.objects.get(region=region, line="737")
    assert kalle.source.is_illustrative and kalle.max_wait_min == 60
    # the railway at Lemgo station, the Rufbus in Kalletal's villages
    assert Stop.objects.get(feed=feed, name="Bahnhof Lemgo, Gleis 1").service_group == "A"
    talle = Stop.objects.filter(feed=feed, name__startswith="Haltestelle Talle").first()
    assert talle.service_group == "C" and talle.departures_window > 14
    assert TravelTimeSummary.objects.filter(feed=feed, facility_type__key="gp").count() == 29
