"""GTFS-Flex through the import: the feed's zones become Rufbus areas with their source, a
re-import replaces them and never the hand-drawn ones, a feed without flex imports as before."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nahraum.access.gtfs import GTFSError
from nahraum.transit import drt, selectors, services
from nahraum.transit.models import DemandResponsiveService, Feed, Stop

from .conftest import make_zip, tiny_feed_files

# a zone around Bedorf (P3, 8.9292 E): not Ahausen or Adorf
BEDORF_ZONE = {
    "type": "Polygon",
    "coordinates": [[[8.922, 51.99], [8.94, 51.99], [8.94, 52.01], [8.922, 52.01], [8.922, 51.99]]],
}


def flex_files(**changes: str | None) -> dict[str, str | None]:
    files: dict[str, str | None] = dict(tiny_feed_files())
    files["routes.txt"] += "R737,T,737,Rufbus Bedorf,715\n"
    files["trips.txt"] += "R737,WD,F1,0\n"
    header, *rows = files["stop_times.txt"].splitlines()
    files["stop_times.txt"] = (
        "\n".join(
            [
                header + ",location_id,start_pickup_drop_off_window,end_pickup_drop_off_window,"
                "pickup_type,drop_off_type,pickup_booking_rule_id",
                *(r + ",,,,,," for r in rows),
                "F1,,,,1,ZONE_B,08:00:00,12:00:00,2,1,BR",
                "F1,,,,2,ZONE_B,08:00:00,12:00:00,1,2,",
            ]
        )
        + "\n"
    )
    files["booking_rules.txt"] = "booking_rule_id,booking_type,prior_notice_duration_min\nBR,1,45\n"
    files["locations.geojson"] = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": "ZONE_B",
                    "properties": {"stop_name": "Rufbus Bedorf"},
                    "geometry": BEDORF_ZONE,
                }
            ],
        }
    )
    files.update({k.replace("__", "."): v for k, v in changes.items()})
    return files


def flex_feed(**changes: str | None) -> bytes:
    return make_zip(flex_files(**changes))


def test_flex_zone_becomes_a_rufbus_area_with_hours_wait_days_and_source(tiny_region):
    feed = services.import_feed(flex_feed(), tiny_region, licence="CC-BY-4.0")
    (area,) = DemandResponsiveService.objects.filter(region=tiny_region)
    assert area.origin == "gtfs_flex" and area.feed == feed and area.zone_id == "ZONE_B"
    assert area.source == feed.source and area.source.licence == "CC-BY-4.0"
    assert (area.name, area.line) == ("Rufbus Bedorf", "737")
    assert (area.start, area.end, area.max_wait_min) == (dt.time(8), dt.time(12), 45)
    assert area.weekdays == [0, 1, 2, 3, 4] and area.stops == []
    # January 2025's weekdays from the 6th, without the 7th (removed by calendar_dates)
    assert len(area.service_dates) == 19 and "2025-01-07" not in area.service_dates
    assert feed.report["flex"]["areas"] == 1
    assert any("GTFS-Flex" in d["reason"] for d in feed.report["dropped"])
    assert "GTFS-Flex: 1 Rufbus areas from 1 zones" in services.import_report_text(feed)
    assert drt.drt_for_day(tiny_region, dt.date(2025, 1, 8)) == [area]
    assert drt.drt_for_day(tiny_region, dt.date(2025, 1, 7)) == []  # no service that day
    assert drt.drt_for_day(tiny_region, dt.date(2025, 1, 11)) == []  # Saturday
    (engine,) = drt.drt_engine([area])
    assert (engine.start_s, engine.end_s, engine.max_wait_s) == (8 * 3600, 12 * 3600, 2700)
    # the zone's stop (Bedorf: 7 buses a direction) gets the Rufbus as one departure per
    # maximum wait in its hours (08–12, 45 min); Adorf does not
    stops = {s.stop_id: s for s in Stop.objects.filter(feed=feed)}
    assert stops["P3"].departures_window == pytest.approx(7 + 4 * 60 / 45, abs=0.01)
    assert stops["P2"].departures_window == 17.5


def test_reimport_replaces_the_feeds_zones_but_not_the_hand_drawn_ones(tiny_region, feed_with):
    hand = services.add_demand_responsive(
        tiny_region,
        name="Rufbus Ahausen",
        line="R1",
        area=BEDORF_ZONE,
        weekdays=[5],
        hours="09:00-13:00",
        max_wait_min=60,
        source_name="von Hand",
    )
    first = services.import_feed(flex_feed(), tiny_region)
    old = DemandResponsiveService.objects.get(feed=first)
    again = services.import_feed(flex_feed(), tiny_region)
    rows = DemandResponsiveService.objects.filter(region=tiny_region)
    assert rows.count() == 2 and DemandResponsiveService.objects.filter(pk=old.pk).count() == 0
    assert rows.get(feed=again).origin == "gtfs_flex"
    assert rows.get(feed=None) == hand and hand.origin == "hand"
    # a newer feed without flex: the old feed's zones no longer count, the hand-drawn one does
    services.import_feed(
        feed_with(feed_info__txt="feed_publisher_name,feed_publisher_url\nNeu,https://x.test\n"),
        tiny_region,
    )
    assert list(selectors.demand_responsive(tiny_region)) == [hand]
    assert drt.drt_for_day(tiny_region, dt.date(2025, 1, 11)) == [hand]
    assert drt.drt_for_day(tiny_region, dt.date(2025, 1, 8)) == []


def test_zone_paired_with_a_stop_group_keeps_its_stops(tiny_region):
    files = flex_files()
    files["stop_times.txt"] = files["stop_times.txt"].replace("F1,,,,2,ZONE_B,", "F1,,,,2,,")
    files["stop_times.txt"] = files["stop_times.txt"].replace(
        "location_id,", "location_id,location_group_id,"
    )
    lines = files["stop_times.txt"].splitlines()
    fixed = [lines[0]]
    for line in lines[1:]:
        parts = line.split(",")
        if line.startswith("F1,,,,1,"):
            parts.insert(6, "")
        elif line.startswith("F1,,,,2,"):
            parts.insert(6, "G_BF")
        else:
            parts.insert(6, "")
        fixed.append(",".join(parts))
    files["stop_times.txt"] = "\n".join(fixed) + "\n"
    files["location_groups.txt"] = "location_group_id,location_group_name\nG_BF,Bahnhof\n"
    files["location_group_stops.txt"] = "location_group_id,stop_id\nG_BF,P1\n"
    services.import_feed(make_zip(files), tiny_region)
    (area,) = DemandResponsiveService.objects.filter(region=tiny_region)
    assert [s["stop_id"] for s in area.stops] == ["P1"]
    (engine,) = drt.drt_engine([area])
    assert engine.stops is not None and len(engine.stops) == 1
    # the Rufbus serves the station (P1), not Bedorf's own stop inside the zone
    stops = {s.stop_id: s for s in Stop.objects.filter(feed=area.feed)}
    assert stops["P3"].departures_window == 7
    assert stops["P1"].departures_window == pytest.approx(84 + 28 + 4 * 60 / 45, abs=0.01)


def test_bad_flex_file_refuses_the_import_and_writes_nothing(tiny_region):
    bad = flex_feed(booking_rules__txt="booking_rule_id,booking_type\nBR,7\n")
    with pytest.raises(GTFSError, match=r"booking_rules.txt, row 2, field booking_type"):
        services.import_feed(bad, tiny_region)
    assert Feed.objects.count() == 0 and DemandResponsiveService.objects.count() == 0


def test_feed_without_flex_imports_exactly_as_before(tiny_region, tiny_feed):
    feed = services.import_feed(tiny_feed, tiny_region)
    assert "flex" not in feed.report and feed.report["dropped"] == []
    assert DemandResponsiveService.objects.count() == 0


def test_overview_says_which_feed_a_zone_came_from(tiny_region, client):
    feed = services.import_feed(flex_feed(), tiny_region)
    text = client.get("/de/transit/").content.decode()
    assert f"aus GTFS-Flex: Zone ZONE_B des Feeds „{feed.name}“" in text
    assert "from GTFS-Flex: zone ZONE_B of the feed" in client.get("/en/transit/").content.decode()


def test_a_zone_booked_a_day_ahead_counts_with_the_planners_wait(tiny_region, settings):
    rules = "booking_rule_id,booking_type,prior_notice_last_day,prior_notice_last_time\n"
    data = flex_feed(booking_rules__txt=rules + "BR,2,1,18:00:00\n")
    settings.TRANSIT_FLEX_DAY_AHEAD_WAIT_MIN = 90
    feed = services.import_feed(data, tiny_region)
    (area,) = DemandResponsiveService.objects.filter(feed=feed)
    assert area.max_wait_min == 90 and "day ahead" in area.booking
    assert feed.report["flex"]["day_ahead_wait_min"] == 90
    del settings.TRANSIT_FLEX_DAY_AHEAD_WAIT_MIN
    again = services.import_feed(data, tiny_region)
    assert DemandResponsiveService.objects.get(feed=again).max_wait_min == drt.DAY_AHEAD_WAIT_MIN
