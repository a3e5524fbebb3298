"""GTFS parsing: hand-built feeds, good and bad; every error names file, row and field."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pytest

from nahraum.access import AccessError
from nahraum.access.gtfs import (
    Feed,
    GTFSError,
    active_services,
    default_service_date,
    parse_time,
    read_feed,
    timetable_for_day,
)

BASE = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Testbus,https://x.test,Europe/Berlin\n",
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "ST,Bahnhof,52.0,8.9,1,\n"
        "S1,Bahnhof Gleis 1,52.0001,8.9001,0,ST\n"
        "S2,Markt,52.01,8.91,0,\n"
        "S3,Dorf,52.02,8.92,,\n"
        "E1,Eingang,52.0,8.9,2,ST\n"
    ),
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,RB,2\n",
    "trips.txt": (
        "route_id,service_id,trip_id,direction_id\n"
        "R1,WD,T1,0\nR1,WD,T2,1\nR2,WD,T3,0\nR1,NOPE,T4,0\nR1,WD,T5,0\n"
    ),
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,07:00:00,07:00:00,S1,1\nT1,,,S2,2\nT1,07:20:00,07:20:00,S3,3\n"
        "T2,24:10:00,24:10:00,S3,1\nT2,24:30:00,24:31:00,S1,2\n"
        "T3,08:00:00,08:00:00,S1,1\nT3,08:30:00,08:30:00,S3,2\n"
        "T4,09:00:00,09:00:00,S1,1\nT4,09:10:00,09:10:00,S2,2\n"
        "T5,09:00:00,09:00:00,S1,1\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20250106,20250131\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20250114,2\nWD,20250111,1\n",
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nT3,08:00:00,09:00:00,1800\n",
}


def make_zip(files: dict[str, str | None]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            if text is not None:
                zf.writestr(name, text)
    return buf.getvalue()


def feed_with(**changes: str | None) -> bytes:
    files = dict(BASE)
    files.update({k.replace("__", "."): v for k, v in changes.items()})
    return make_zip(files)


def test_parse_time_allows_hours_past_24():
    assert parse_time("25:01:02") == 25 * 3600 + 62
    with pytest.raises(GTFSError, match="malformed time"):
        parse_time("7:61:00", file="stop_times.txt", row=3, field="arrival_time")


def test_reads_a_good_feed_and_reports_what_it_dropped():
    feed = read_feed(feed_with())
    assert list(feed.stop_id) == ["ST", "S1", "S2", "S3"]  # the entrance is dropped
    assert feed.stop_parent.tolist() == [-1, 0, -1, -1]
    assert list(feed.trip_id) == ["T1", "T2", "T3"]
    reasons = {d.reason: d for d in feed.dropped}
    assert any("entrances" in r for r in reasons)
    no_cal = next(d for d in feed.dropped if "calendar" in d.reason)
    assert no_cal.examples == ["T4"] and no_cal.count == 1
    few = next(d for d in feed.dropped if "fewer than two" in d.reason)
    assert few.examples == ["T5"]
    # the untimed stop of T1 is interpolated between 07:00 and 07:20
    t1 = slice(feed.st_indptr[0], feed.st_indptr[1])
    assert feed.st_arr[t1].tolist() == [25200, 25800, 26400]
    assert feed.notes and "interpolated" in feed.notes[0]
    # times after midnight survive
    t2 = slice(feed.st_indptr[1], feed.st_indptr[2])
    assert feed.st_dep[t2].tolist() == [24 * 3600 + 600, 24 * 3600 + 1860]


def test_round_trip_through_bytes():
    feed = read_feed(feed_with())
    again = Feed.from_bytes(feed.to_bytes())
    assert np.array_equal(again.st_arr, feed.st_arr)
    assert list(again.stop_name) == list(feed.stop_name)
    assert again.summary() == feed.summary()


def test_service_days_with_calendar_dates():
    feed = read_feed(feed_with())
    assert active_services(feed, dt.date(2025, 1, 7)).tolist() == [True]  # Tuesday
    assert active_services(feed, dt.date(2025, 1, 14)).tolist() == [False]  # removed
    assert active_services(feed, dt.date(2025, 1, 11)).tolist() == [True]  # added Saturday
    assert active_services(feed, dt.date(2025, 1, 12)).tolist() == [False]  # Sunday
    day = default_service_date(feed)
    assert day.weekday() == 1 and day != dt.date(2025, 1, 14)


def test_feed_with_only_calendar_dates():
    feed = read_feed(
        feed_with(
            calendar__txt=None,
            calendar_dates__txt=("service_id,date,exception_type\nWD,20250107,1\nWD,20250108,1\n"),
        )
    )
    assert default_service_date(feed) == dt.date(2025, 1, 7)
    assert feed.validity() == (dt.date(2025, 1, 7), dt.date(2025, 1, 8))


def test_timetable_expands_frequencies_and_takes_trips_past_midnight():
    feed = read_feed(feed_with())
    tt = timetable_for_day(feed, dt.date(2025, 1, 8), end_s=25 * 3600)
    starts = sorted(tt.dep[tt.trip_indptr[:-1]].tolist())
    # T1 07:00, T3 at 08:00 and 08:30 (frequency), T2 of the day (24:10) and of the day before
    # (00:10 today)
    assert starts == [600, 25200, 28800, 30600, 87000]
    # each trip knows its service day: the 00:10 one is yesterday's T2
    day_of = dict(zip(tt.dep[tt.trip_indptr[:-1]].tolist(), tt.trip_day.tolist(), strict=True))
    assert day_of == {600: -1, 25200: 0, 28800: 0, 30600: 0, 87000: 0}
    morning = timetable_for_day(feed, dt.date(2025, 1, 8), start_s=7 * 3600, end_s=9 * 3600)
    assert morning.n_trips == 3


def test_timetable_includes_the_next_days_trips_up_to_the_end():
    """A window up to 47:59 needs day D+1's trips (issue 13, item 3): shifted by +24 h."""
    feed = read_feed(feed_with())
    tt = timetable_for_day(feed, dt.date(2025, 1, 8), start_s=23 * 3600, end_s=33 * 3600)
    got = sorted(zip(tt.dep[tt.trip_indptr[:-1]].tolist(), tt.trip_day.tolist(), strict=True))
    # the day's T2 (24:10), Thursday's T2 at 24:10 + 24 h is after 33:00: not included;
    # Thursday's T1 07:00 → 31:00, its T3 08:00 / 08:30 → 32:00 / 32:30
    assert got == [(87000, 0), (111600, 1), (115200, 1), (117000, 1)]
    # a Friday before a Saturday without service: the next day adds nothing
    friday = timetable_for_day(feed, dt.date(2025, 1, 17), start_s=24 * 3600, end_s=48 * 3600)
    assert friday.trip_day.tolist() == [0]  # only Friday's own T2 after midnight
    with pytest.raises(AccessError, match="end_s"):
        timetable_for_day(feed, dt.date(2025, 1, 8), start_s=9 * 3600, end_s=7 * 3600)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stops__txt": None}, r"^stops\.txt: required file is missing"),
        ({"calendar__txt": None, "calendar_dates__txt": None}, r"^calendar\.txt: required file"),
        (
            {"routes__txt": "route_id,agency_id\nR1,A\n"},
            r"^routes\.txt, field route_type: "
            r"required column",
        ),
        (
            {
                "stop_times__txt": "trip_id,stop_id,stop_sequence,arrival_time\nT1,S1,1,07:00:00\n"
                "T1,S9,2,07:10:00\n"
            },
            r"^stop_times\.txt, row 3, field stop_id: unknown stop id 'S9'",
        ),
        (
            {"stop_times__txt": "trip_id,stop_id,stop_sequence,arrival_time\nTX,S1,1,07:00:00\n"},
            r"^stop_times\.txt, row 2, field trip_id: unknown trip id 'TX'",
        ),
        (
            {
                "stop_times__txt": "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
                "T1,S1,1,07:00:00,07:00:00\nT1,S2,2,7h10,07:10:00\n"
            },
            r"^stop_times\.txt, row 3, field arrival_time: malformed time '7h10'",
        ),
        (
            {"trips__txt": "route_id,service_id,trip_id\nR9,WD,T1\n"},
            r"^trips\.txt, row 2, field route_id: unknown route id 'R9'",
        ),
        (
            {"stops__txt": "stop_id,stop_name,stop_lat,stop_lon,parent_station\nS1,a,52,8.9,XX\n"},
            r"^stops\.txt, row 2, field parent_station: unknown parent stop id 'XX'",
        ),
        (
            {"stops__txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,a,north,8.9\n"},
            r"^stops\.txt, row 2, field stop_lat: invalid coordinate 'north'",
        ),
        (
            {
                "calendar__txt": "service_id,monday,tuesday,wednesday,thursday,friday,"
                "saturday,sunday,start_date,end_date\n"
                "WD,1,1,1,1,1,0,0,20250106,2025-01-31\n"
            },
            r"^calendar\.txt, row 2, field end_date: malformed date",
        ),
        (
            {
                "frequencies__txt": "trip_id,start_time,end_time,headway_secs\n"
                "T1,08:00:00,09:00:00,0\n"
            },
            r"^frequencies\.txt, row 2, field headway_secs",
        ),
        (
            {
                "frequencies__txt": "trip_id,start_time,end_time,headway_secs\n"
                "T9,08:00:00,09:00:00,60\n"
            },
            r"^frequencies\.txt, row 2, field trip_id: unknown trip id 'T9'",
        ),
        (
            {"stops__txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,a,52,8.9\nS1,b,52,8.9\n"},
            r"^stops\.txt, row 3, field stop_id: duplicate id 'S1'",
        ),
    ],
)
def test_bad_feeds_are_named(changes, message):
    with pytest.raises(GTFSError, match=message):
        read_feed(feed_with(**changes))


def test_not_a_zip():
    with pytest.raises(GTFSError, match="not a zip file"):
        read_feed(b"hello")


def test_trips_with_backwards_times_are_dropped():
    feed = read_feed(
        feed_with(
            stop_times__txt=(
                "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                "T1,07:00:00,07:00:00,S1,1\nT1,06:50:00,06:50:00,S2,2\n"
                "T3,08:00:00,08:00:00,S1,1\nT3,08:30:00,08:30:00,S3,2\n"
            ),
            frequencies__txt=None,
        )
    )
    assert list(feed.trip_id) == ["T3"]
    assert any(
        d.reason == "times run backwards within the trip" and d.examples == ["T1"]
        for d in feed.dropped
    )
