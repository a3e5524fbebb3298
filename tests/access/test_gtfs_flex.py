"""GTFS-Flex: read_feed leaves flex rows to gtfs_flex; read_flex reads zones, groups, booking
rules and windows into Rufbus areas, with errors naming file, row or feature, and field."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import numpy as np
import pytest

from nahraum.access.gtfs import GTFSError, read_feed, timetable_for_day
from nahraum.access.gtfs_flex import REALTIME_WAIT_S, read_flex
from nahraum.access.projection import to_utm
from nahraum.access.transit import TransitParams, prepare, travel_times

# A village (Dorf, around 52.02 N 8.92 E) with a bus stop, and a town stop 3 km away; a Rufbus
# zone around the village runs on weekdays 08:00–12:00, booked 30 minutes ahead.
VILLAGE_ZONE = {
    "type": "Polygon",
    "coordinates": [[[8.90, 52.01], [8.94, 52.01], [8.94, 52.03], [8.90, 52.03], [8.90, 52.01]]],
}

FLEX_FILES: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "A,Testbus,https://x.test,Europe/Berlin\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
    "DORF,Dorf Mitte,52.02,8.92\nDORF_NORD,Dorf Nord,52.028,8.925\nSTADT,Stadt Markt,52.15,8.95\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nB1,A,1,3\nR737,A,737,715\n",
    "trips.txt": "route_id,service_id,trip_id\nB1,WD,T1\nB1,WD,T2\nR737,WD,F1\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,location_id,location_group_id,"
        "stop_sequence,start_pickup_drop_off_window,end_pickup_drop_off_window,"
        "pickup_type,drop_off_type,pickup_booking_rule_id,drop_off_booking_rule_id\n"
        "T1,08:30:00,08:30:00,DORF,,,1,,,,,,\n"
        "T1,08:40:00,08:40:00,STADT,,,2,,,,,,\n"
        "F1,,,,ZONE_DORF,,1,08:00:00,12:00:00,2,1,BR30,\n"
        "F1,,,,ZONE_DORF,,2,08:00:00,12:00:00,1,2,,BR30\n"
        "T2,09:30:00,09:30:00,DORF,,,1,,,,,,\n"
        "T2,09:40:00,09:40:00,STADT,,,2,,,,,,\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20250106,20250131\n"
    ),
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nT1,08:30:00,10:30:00,900\n",
    "booking_rules.txt": "booking_rule_id,booking_type,prior_notice_duration_min,message\n"
    "BR30,1,30,Bitte 30 Minuten vorher anrufen\n",
    "locations.geojson": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": "ZONE_DORF",
                    "properties": {"stop_name": "Rufbus Dorf"},
                    "geometry": VILLAGE_ZONE,
                }
            ],
        }
    ),
}


def make_zip(files: dict[str, str | None]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            if text is not None:
                zf.writestr(name, text)
    return buf.getvalue()


def flex_zip(**changes: str | None) -> bytes:
    files = dict(FLEX_FILES)
    files.update({k.replace("__", "."): v for k, v in changes.items()})
    return make_zip(files)


# -- read_feed: flex rows are not timetable rows, and not errors ------------------------------


def test_read_feed_sets_flex_rows_aside_and_reports_them():
    feed = read_feed(flex_zip())
    assert list(feed.trip_id) == ["T1", "T2"]
    assert len(feed.st_stop) == 4
    dropped = {(d.file, d.count): d.reason for d in feed.dropped}
    assert "GTFS-Flex" in dropped[("stop_times.txt", 2)]
    assert "GTFS-Flex" in dropped[("trips.txt", 1)]
    assert not any("fewer than two" in d.reason for d in feed.dropped)


def test_read_feed_still_validates_regular_rows_with_the_files_row_number():
    # the bad time is on file row 6 (header 1, two regular rows, two flex rows before it);
    # counting by position after the flex rows are taken out would say row 4
    bad = FLEX_FILES["stop_times.txt"].replace("T2,09:30:00,09:30:00", "T2,9h30,09:30:00")
    with pytest.raises(GTFSError, match=r"stop_times.txt, row 6, field arrival_time"):
        read_feed(flex_zip(stop_times__txt=bad))


def test_read_feed_duplicate_sequence_after_flex_rows_names_the_files_row():
    bad = FLEX_FILES["stop_times.txt"].replace(
        "T2,09:40:00,09:40:00,STADT,,,2", "T2,09:40:00,09:40:00,STADT,,,1"
    )
    with pytest.raises(GTFSError, match=r"stop_times.txt, row 7, field stop_sequence"):
        read_feed(flex_zip(stop_times__txt=bad))


def test_row_without_stop_or_zone_is_still_an_error():
    bad = FLEX_FILES["stop_times.txt"].replace("F1,,,,ZONE_DORF,,1", "F1,,,,,,1")
    with pytest.raises(
        GTFSError, match=r"stop_times.txt, row 4, field stop_id: unknown stop id ''"
    ):
        read_feed(flex_zip(stop_times__txt=bad))


def test_flex_row_with_unknown_trip_names_its_row():
    bad = FLEX_FILES["stop_times.txt"].replace("F1,,,,ZONE_DORF,,2", "F9,,,,ZONE_DORF,,2")
    with pytest.raises(
        GTFSError, match=r"stop_times.txt, row 5, field trip_id: unknown trip id 'F9'"
    ):
        read_feed(flex_zip(stop_times__txt=bad))


def test_feed_without_flex_reads_as_before():
    plain = {
        k: v for k, v in FLEX_FILES.items() if k not in ("booking_rules.txt", "locations.geojson")
    }
    plain["stop_times.txt"] = (
        "\n".join(
            line.split(",")[0] + "," + ",".join(line.split(",")[1:4]) + "," + line.split(",")[6]
            for line in FLEX_FILES["stop_times.txt"].splitlines()
            if not line.startswith("F1")
        )
        + "\n"
    )
    plain["trips.txt"] = "route_id,service_id,trip_id\nB1,WD,T1\nB1,WD,T2\n"
    feed = read_feed(make_zip(plain))
    assert feed.dropped == []
    assert np.array_equal(feed.st_arr, [30600, 31200, 34200, 34800])


# -- read_flex: zones, rules, windows → Rufbus areas ------------------------------------------

DAY = dt.date(2025, 1, 8)  # a Wednesday


def test_zone_becomes_a_rufbus_area_with_the_windows_hours_and_the_booking_wait():
    feed = read_feed(flex_zip())
    flex = read_flex(flex_zip(), feed=feed)
    (area,) = flex.areas(feed)
    assert (area.zone_id, area.name, area.route) == ("ZONE_DORF", "Rufbus Dorf", "737")
    assert (area.start_s, area.end_s) == (8 * 3600, 12 * 3600)
    assert area.max_wait_s == 30 * 60 and not area.day_ahead
    assert area.weekdays == (0, 1, 2, 3, 4)
    assert area.days[0] == dt.date(2025, 1, 6) and len(area.days) == 20
    assert area.runs_on(DAY) and not area.runs_on(dt.date(2025, 1, 11))  # Saturday
    assert area.stop_ids == ()  # zone to zone: every stop inside the zone


def test_real_time_and_day_ahead_waits():
    feed = read_feed(flex_zip())
    rules = "booking_rule_id,booking_type,prior_notice_last_day,prior_notice_last_time\n"
    ahead = read_flex(flex_zip(booking_rules__txt=rules + "BR30,2,1,18:00:00\n"), feed=feed)
    (area,) = ahead.areas(feed, day_ahead_wait_s=5400)
    assert area.max_wait_s == 5400 and area.day_ahead and "day ahead" in area.booking
    realtime = read_flex(flex_zip(booking_rules__txt=rules + "BR30,0,,\n"), feed=feed)
    assert realtime.areas(feed)[0].max_wait_s == REALTIME_WAIT_S


def test_a_zone_paired_with_a_stop_group_serves_only_those_stops():
    st = FLEX_FILES["stop_times.txt"] + (
        "F2,,,,ZONE_DORF,,1,08:00:00,12:00:00,2,1,BR30,\nF2,,,,,G_DORF,2,08:00:00,12:00:00,1,2,,\n"
    )
    files = {
        "stop_times__txt": st,
        "trips__txt": FLEX_FILES["trips.txt"] + "R737,WD,F2\n",
        "location_groups__txt": "location_group_id,location_group_name\nG_DORF,Dorfmitte\n",
        "location_group_stops__txt": "location_group_id,stop_id\nG_DORF,DORF\n",
    }
    feed = read_feed(flex_zip(**files))
    areas = read_flex(flex_zip(**files), feed=feed).areas(feed)
    restricted = [a for a in areas if a.stop_ids]
    assert len(areas) == 2 and [a.stop_ids for a in restricted] == [("DORF",)]
    sx, sy = to_utm(feed.stop_lon, feed.stop_lat)
    served = {a.stop_ids: a.demand_responsive(to_utm).serves_stops(sx, sy) for a in areas}
    assert served[()].tolist() == [True, True, False]  # both village stops, not the town
    assert served[("DORF",)].tolist() == [True, False, False]


def test_a_cell_in_the_zone_reaches_the_town_through_the_rufbus():
    feed = read_feed(flex_zip())
    (area,) = read_flex(flex_zip(), feed=feed).areas(feed)
    tt = timetable_for_day(feed, DAY)
    sx, sy = to_utm(feed.stop_lon, feed.stop_lat)
    # a farm 1.4 km from the village stop: too far to walk to the bus (15 min)
    ox, oy = to_utm(np.array([8.935]), np.array([52.012]))
    facilities = {"gp": (sx[2:3], sy[2:3])}  # the GP at the town stop, 14 km away
    params = TransitParams(window=(8 * 3600, 9 * 3600))
    without = travel_times(prepare(tt, sx, sy, params=params), ox, oy, facilities)
    assert np.isinf(without.median["gp"][0])
    drt = area.demand_responsive(to_utm)
    res = travel_times(
        prepare(tt, sx, sy, params=params, drt=[drt]), ox, oy, facilities, keep_minutes=True
    )
    # leave at 08:00: wait 30 min (booked 30 min ahead), ride to the stop, bus at the next
    # quarter hour (every 15 min from 08:30), 10 min to town
    ride = np.hypot(ox[0] - sx[0], oy[0] - sy[0]) * 1.3 / (30 / 3.6)
    at_stop = 8 * 3600 + 1800 + ride
    bus = 8 * 3600 + 1800 + 900 * np.ceil((at_stop - 8 * 3600 - 1800) / 900)
    assert res.times[0, 0, 0] == pytest.approx(bus + 600 - 8 * 3600, abs=1)
    assert np.isfinite(res.median["gp"][0])


def test_a_feed_without_flex_files_has_no_flex_services():
    plain = {
        k: v for k, v in FLEX_FILES.items() if k not in ("booking_rules.txt", "locations.geojson")
    }
    plain["stop_times.txt"] = "\n".join(
        line for line in FLEX_FILES["stop_times.txt"].splitlines() if not line.startswith("F1")
    )
    plain["trips.txt"] = "route_id,service_id,trip_id\nB1,WD,T1\nB1,WD,T2\n"
    flex = read_flex(make_zip(plain))
    assert not flex and flex.areas(read_feed(make_zip(plain))) == []


def _zone_feature(**changes) -> str:
    feature = {
        "type": "Feature",
        "id": "ZONE_DORF",
        "properties": {"stop_name": "Rufbus Dorf"},
        "geometry": VILLAGE_ZONE,
    }
    feature.update(changes)
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[8.9, 52.0], [8.95, 52.05], [8.95, 52.0], [8.9, 52.05], [8.9, 52.0]]],
}
OPEN_RING = {
    "type": "Polygon",
    "coordinates": [[[8.9, 52.0], [8.95, 52.0], [8.95, 52.05], [8.9, 52.05]]],
}
ST = FLEX_FILES["stop_times.txt"]
ZONE = r"^locations.geojson, feature 1 \(id 'ZONE_DORF'\), field "
NOTICE = "booking_rule_id,booking_type,prior_notice_duration_min\n"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"locations__geojson": "{not json"}, r"^locations.geojson: not valid JSON"),
        (
            {"locations__geojson": _zone_feature(id="")},
            r"^locations.geojson, feature 1, field id: missing id",
        ),
        (
            {
                "locations__geojson": _zone_feature(
                    geometry={"type": "Point", "coordinates": [8.9, 52]}
                )
            },
            ZONE + r"geometry.type: geometry type 'Point'",
        ),
        (
            {"locations__geojson": _zone_feature(geometry=OPEN_RING)},
            ZONE + r"geometry.coordinates: ring is not closed",
        ),
        (
            {"locations__geojson": _zone_feature(geometry=BOWTIE)},
            ZONE + r"geometry: invalid polygon \(Self-intersection",
        ),
        (
            {"locations__geojson": _zone_feature(id="DORF")},
            r"^locations.geojson, feature 1 \(id 'DORF'\), field id: id is also a stop_id",
        ),
        (
            {"booking_rules__txt": "booking_rule_id,booking_type\nBR30,5\n"},
            r"^booking_rules.txt, row 2, field booking_type: invalid value '5'",
        ),
        (
            {"booking_rules__txt": "booking_rule_id,booking_type\nBR30,1\n"},
            r"^booking_rules.txt, row 2, field prior_notice_duration_min: required for",
        ),
        (
            {"booking_rules__txt": NOTICE + "X,0,\nBR30,1,-5\n"},
            r"^booking_rules.txt, row 3, field prior_notice_duration_min: invalid value '-5'",
        ),
        (
            {"booking_rules__txt": "booking_rule_id,booking_type\nBR30,2\n"},
            r"^booking_rules.txt, row 2, field prior_notice_last_day: required for booking_type 2",
        ),
        (
            {"stop_times__txt": ST.replace(",ZONE_DORF,,2,", ",ZONE_X,,2,")},
            r"^stop_times.txt, row 5, field location_id: unknown location id 'ZONE_X'",
        ),
        (
            {"stop_times__txt": ST.replace(",ZONE_DORF,,1,08:00:00,", ",ZONE_DORF,,1,,")},
            r"^stop_times.txt, row 4, field start_pickup_drop_off_window: required",
        ),
        (
            {"stop_times__txt": ST.replace("12:00:00,1,2,,BR30", "07:00:00,1,2,,BR30")},
            r"^stop_times.txt, row 5, field end_pickup_drop_off_window: the window ends before",
        ),
        (
            {"stop_times__txt": ST.replace(",BR30,\n", ",BR99,\n")},
            r"^stop_times.txt, row 4, field pickup_booking_rule_id: unknown booking rule id 'BR99'",
        ),
    ],
)
def test_malformed_flex_files_are_named(changes, message):
    data = flex_zip(**changes)
    with pytest.raises(GTFSError, match=message):
        read_flex(data)


def test_trips_between_stop_groups_only_are_reported_not_imported():
    st = FLEX_FILES["stop_times.txt"].replace(",ZONE_DORF,,", ",,G_ALL,")
    groups = {
        "location_groups__txt": "location_group_id\nG_ALL\n",
        "location_group_stops__txt": "location_group_id,stop_id\nG_ALL,DORF\nG_ALL,STADT\n",
    }
    feed = read_feed(flex_zip(stop_times__txt=st, **groups))
    flex = read_flex(flex_zip(stop_times__txt=st, **groups), feed=feed)
    assert flex.groups == {"G_ALL": ("DORF", "STADT")}
    assert flex.areas(feed) == []
    (dropped,) = flex.dropped
    assert (
        dropped.count == 1 and dropped.examples == ["F1"] and "stop groups only" in dropped.reason
    )


def test_group_with_an_unknown_stop_is_named():
    groups = {
        "location_groups__txt": "location_group_id\nG_ALL\n",
        "location_group_stops__txt": "location_group_id,stop_id\nG_ALL,DORF\nG_ALL,NOWHERE\n",
    }
    with pytest.raises(
        GTFSError, match=r"^location_group_stops.txt, row 3, field stop_id: unknown stop id"
    ):
        read_flex(flex_zip(**groups))


def test_a_bus_rider_reaches_a_farm_in_the_zone_through_the_rufbus():
    # egress: bus from town to the village stop, then the Rufbus to a farm 1.4 km away
    changes = {
        "trips__txt": FLEX_FILES["trips.txt"] + "B1,WD,T3\n",
        "stop_times__txt": FLEX_FILES["stop_times.txt"]
        + "T3,09:00:00,09:00:00,STADT,,,1,,,,,,\nT3,09:10:00,09:10:00,DORF,,,2,,,,,,\n",
    }
    feed = read_feed(flex_zip(**changes))
    (area,) = read_flex(flex_zip(**changes), feed=feed).areas(feed)
    tt = timetable_for_day(feed, DAY)
    sx, sy = to_utm(feed.stop_lon, feed.stop_lat)
    farm = to_utm(np.array([8.935]), np.array([52.012]))
    ox, oy = sx[2:3], sy[2:3]  # leave from the town stop
    params = TransitParams(window=(8 * 3600, 9 * 3600))
    without = travel_times(prepare(tt, sx, sy, params=params), ox, oy, {"farm": farm})
    assert np.isinf(without.median["farm"][0])
    drt = area.demand_responsive(to_utm)
    res = travel_times(
        prepare(tt, sx, sy, params=params, drt=[drt]), ox, oy, {"farm": farm}, keep_minutes=True
    )
    ride = np.hypot(farm[0][0] - sx[0], farm[1][0] - sy[0]) * 1.3 / (30 / 3.6)
    # leave at 08:00, bus at 09:00, at the village 09:10, wait 30 min, ride
    assert res.times[0, 0, 0] == pytest.approx(3600 + 600 + 1800 + ride, abs=1)
