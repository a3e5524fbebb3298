"""Importing GTFS into the database: all-or-nothing, service levels, classes, the command."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from nahraum.access import AccessError
from nahraum.access.gtfs import GTFSError
from nahraum.region.models import DataSource
from nahraum.transit import feeds, services
from nahraum.transit.models import CellClass, DemandResponsiveService, Feed, Route, Stop


def counts():
    return (
        Feed.objects.count(),
        Stop.objects.count(),
        Route.objects.count(),
        CellClass.objects.count(),
        DataSource.objects.filter(key__startswith="gtfs-").count(),
    )


def test_import_stores_feed_levels_and_classes(tiny_region, tiny_feed):
    feed = services.import_feed(tiny_feed, tiny_region, licence="CC0-1.0")
    # 2025-01-07 is removed by calendar_dates: the typical Tuesday is another one
    assert feed.service_date.weekday() == 1 and feed.service_date != dt.date(2025, 1, 7)
    assert feed.summary["trips"] == 2 * 84 + 2 * 28 and feed.source.licence == "CC0-1.0"
    assert feed.source.name == "GTFS: Testverbund"
    p1 = Stop.objects.get(feed=feed, stop_id="P1")
    assert p1.parent.stop_id == "S1" and p1.service_group == "A"
    assert p1.departures_window == pytest.approx(84 + 28)  # station: rail + bus, per direction
    assert p1.category == 1
    p2 = Stop.objects.get(feed=feed, stop_id="P2")
    # 28 departures towards Ahausen, but only the 7 trips on to Bedorf leave P2 the other way:
    # per direction (28 + 7) / 2 = 17.5 → interval 48 min → bus category VI
    assert (p2.service_group, p2.departures_window, p2.category) == ("C", 17.5, 6)
    assert p2.departures_by_hour[7:9] == [2, 3]  # 07:00, 07:30 west; 08:00 on to Bedorf too
    p3 = Stop.objects.get(feed=feed, stop_id="P3")
    assert (p3.departures_window, p3.category) == (7, 7)
    classes = dict(CellClass.objects.filter(feed=feed).values_list("cell__key", "klass"))
    assert classes == {"cell-A1": "A", "cell-A2": "E", "cell-B1": "F"}
    shares = services.class_shares(feed)
    assert shares["region"]["A"] == 200 and shares["region"]["E"] == 100
    assert shares["region"]["F"] == 100
    bedorf = tiny_region.municipalities.get(name="Bedorf")
    assert shares["municipality"][bedorf.pk]["F"] == 100
    assert Route.objects.get(feed=feed, route_id="BUS").trips_service_day == 56


def test_reimport_replaces_and_a_new_feed_becomes_active(tiny_region, tiny_feed, feed_with):
    first = services.import_feed(tiny_feed, tiny_region)
    again = services.import_feed(tiny_feed, tiny_region)
    assert Feed.objects.count() == 1 and again.pk != first.pk
    other = services.import_feed(
        feed_with(
            agency__txt="agency_name,agency_url,agency_timezone\n"
            "Andere,https://x.test,Europe/Berlin\n"
        ),
        tiny_region,
    )
    assert list(Feed.objects.filter(is_active=True)) == [other]
    assert services.active_feed(tiny_region) == other


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stop_times__txt": None}, r"stop_times\.txt: required file is missing"),
        (
            {"stops__txt": "stop_id,stop_name,stop_lat\nP1,a,52\n"},
            r"stops\.txt, field stop_lon: required column is missing",
        ),
        (
            {
                "stop_times__txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                "bus-0-0,07:00:00,07:00:00,P1,1\nbus-0-0,07:05:00,07:05:00,NOPE,2\n"
            },
            r"stop_times\.txt, row 3, field stop_id: unknown stop id 'NOPE'",
        ),
        (
            {
                "stop_times__txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                "ghost,07:00:00,07:00:00,P1,1\n"
            },
            r"stop_times\.txt, row 2, field trip_id: unknown trip id 'ghost'",
        ),
        (
            {
                "stop_times__txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                "bus-0-0,07:00,07:00:00,P1,1\n"
            },
            r"stop_times\.txt, row 2, field arrival_time: malformed time '07:00'",
        ),
    ],
)
def test_bad_feeds_are_named_and_nothing_is_imported(tiny_region, feed_with, changes, message):
    before = counts()
    with pytest.raises(GTFSError, match=message):
        services.import_feed(feed_with(**changes), tiny_region)
    assert counts() == before


def test_a_failure_inside_the_transaction_leaves_nothing(tiny_region, tiny_feed, monkeypatch):
    """Fault injection after stops and lines are written: everything must roll back."""

    def broken(feed, parsed=None):
        assert Stop.objects.filter(feed=feed).exists()  # the rows were there …
        raise RuntimeError("disk full")

    before = counts()
    monkeypatch.setattr(feeds, "compute_levels", broken)  # what import_feed calls
    with pytest.raises(RuntimeError, match="disk full"):
        services.import_feed(tiny_feed, tiny_region)
    assert counts() == before  # … and are gone


def test_service_day_must_lie_within_validity(tiny_region, tiny_feed):
    with pytest.raises(AccessError, match=r"service day 2026-01-06: outside the feed's validity"):
        services.import_feed(tiny_feed, tiny_region, service_date=dt.date(2026, 1, 6))
    feed = services.import_feed(
        tiny_feed,
        tiny_region,
        service_date=dt.date(2025, 1, 8),
        window=services.parse_window("06:30-08:00"),
    )
    assert (feed.service_date, feed.window_start, feed.window_end) == (
        dt.date(2025, 1, 8),
        6 * 3600 + 1800,
        8 * 3600,
    )


@pytest.mark.parametrize("text", ["7-9", "09:00-07:00", "07:00", "25:99-26:00"])
def test_bad_windows_are_named(text):
    with pytest.raises(AccessError, match="time window"):
        services.parse_window(text)


def test_a_saturday_gives_no_service_and_no_class(tiny_region, tiny_feed):
    feed = services.import_feed(tiny_feed, tiny_region, service_date=dt.date(2025, 1, 11))
    assert set(CellClass.objects.filter(feed=feed).values_list("klass", flat=True)) == {""}


def test_rufbus_area_adds_departures_and_is_validated(tiny_region, tiny_feed):
    feed = services.import_feed(tiny_feed, tiny_region)
    square = {
        "type": "Polygon",
        "coordinates": [
            [[8.925, 51.996], [8.934, 51.996], [8.934, 52.004], [8.925, 52.004], [8.925, 51.996]]
        ],
    }
    with pytest.raises(AccessError, match="service area: expected Polygon"):
        services.add_demand_responsive(
            tiny_region,
            name="Kalle",
            area={"type": "Point", "coordinates": [8.9, 52.0]},
            weekdays=[0, 1, 2, 3, 4],
            hours="08:00-18:00",
            max_wait_min=30,
            source_name="test",
        )
    with pytest.raises(AccessError, match="municipality '05766998'"):
        services.add_demand_responsive(
            tiny_region,
            name="Kalle",
            municipality_ags="05766998",
            weekdays=[1],
            hours="08:00-18:00",
            max_wait_min=30,
            source_name="test",
        )
    assert not DemandResponsiveService.objects.exists()
    services.add_demand_responsive(
        tiny_region,
        name="Kalle",
        line="737",
        area=square,
        weekdays=[0, 1, 2, 3, 4],
        hours="08:00-18:00",
        max_wait_min=30,
        source_name="test",
        illustrative=True,
    )
    p3 = Stop.objects.get(feed=feed, stop_id="P3")
    # 10 h × one departure per 30 min = 20 more departures: 27 → 31 min interval → category V
    assert p3.departures_window == pytest.approx(27)
    assert p3.category == 5
    assert CellClass.objects.get(feed=feed, cell__key="cell-B1").klass == "D"


def test_weekday_parsing():
    assert services.parse_weekdays("0-4") == [0, 1, 2, 3, 4]
    assert services.parse_weekdays("0,2,6") == [0, 2, 6]
    with pytest.raises(AccessError, match="weekdays '0-9'"):
        services.parse_weekdays("0-9")


def test_command_reports_import_and_errors(tiny_region, tiny_feed, feed_with, tmp_path):
    from nahraum.cli import main

    good = tmp_path / "feed.zip"
    good.write_bytes(tiny_feed)
    result = CliRunner().invoke(main, ["transit", "import", str(good), "--licence", "CC0-1.0"])
    assert result.exit_code == 0, result.output
    assert "3 stops" not in result.output and "4 stops, 1 stations, 2 lines" in result.output
    assert "ÖV-Güteklassen" in result.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(feed_with(routes__txt="route_id,route_short_name\nBUS,10\n"))
    result = CliRunner().invoke(main, ["transit", "import", str(bad)])
    assert result.exit_code == 1
    assert "bad.zip: routes.txt, field route_type: required column is missing" in result.output
    result = CliRunner().invoke(main, ["transit", "show", "--json"])
    assert result.exit_code == 0 and '"stops"' in result.output
    result = CliRunner().invoke(main, ["transit", "classes", "--date", "2030-01-01"])
    assert result.exit_code == 1 and "outside the feed's validity" in result.output
