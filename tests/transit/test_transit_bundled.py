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
    from nahraum.region.models import Norm, Region

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
    times = {
        (r.district.name, r.facility_type.key): r
        for r in TravelTimeSummary.objects.filter(
            feed=feed, facility_type__key__in=["gp", "hospital"]
        ).select_related("district")
    }
    # walking all the way is always allowed, so the bus never makes a district slower
    assert all(r.median_min <= r.walk_min + 0.01 for r in times.values())
    # Kalldorf (no GP; the 730 to Varenholz or Hohenhausen): the bus clearly wins the median
    kalldorf = times["Kalldorf", "gp"]
    assert kalldorf.median_min < kalldorf.walk_min - 15
    # Bavenhausen (GP a ~30 min walk away in Hohenhausen or Kirchheide, 730 hourly): the median
    # counts the wait, so it equals the walk, but the timed connection is quicker
    baven = times["Bavenhausen", "gp"]
    assert baven.median_min == pytest.approx(baven.walk_min, abs=0.1)
    assert baven.best_min < baven.walk_min - 5
    # Erder (GP in Langenholzhausen): line 732 once zigzagged 32 km between termini 9 km apart
    # and was slower than walking at every minute; in geographic order the bus is quicker
    erder = times["Erder", "gp"]
    assert erder.best_min < erder.walk_min - 5
    # the hospital in Lemgo: the bus (and the train) beat a two-hour walk by far
    assert (
        times["Bavenhausen", "hospital"].median_min < times["Bavenhausen", "hospital"].walk_min - 30
    )
    # public-transport norms of the bundled taxonomy (RIN 2008 central-place targets)
    gp_norm = Norm.objects.get(facility_type__key="gp", mode="transit")
    hospital_norm = Norm.objects.get(facility_type__key="hospital", mode="transit")
    assert (gp_norm.max_minutes, hospital_norm.max_minutes) == (30, 45)
    assert "RIN 2008" in gp_norm.source and "RIN 2008" in hospital_norm.source
