"""GTFS-Flex: read_feed leaves flex rows to gtfs_flex; read_flex reads zones, groups, booking
rules and windows into Rufbus areas, with errors naming file, row or feature, and field."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from nahraum.access.gtfs import GTFSError, read_feed

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
    "DORF,Dorf Mitte,52.02,8.92\nSTADT,Stadt Markt,52.05,8.95\n",
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
