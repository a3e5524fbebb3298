"""Day types, windows and the indicators per Ortsteil on a hand-made feed with known answers.

The feed (tiny region of tests/conftest.py: A1 Ahausen-Mitte is the Kernstadt with stop P1,
A2 Adorf has P2, B1 Bedorf — another municipality without a core — has P3), January 2025:

* line 10 on weekdays: P1→P2→P3 at 07:00 and 12:00, P1→P2 at 19:12 (the last bus to Adorf),
  P3→P2→P1 at 06:30 and 13:00;
* school bus S on school days only (not Monday 6 January, the last day of the NRW Christmas
  holidays): P3→P1 at 07:10, 07:20, 07:30 and P1→P3 at 13:10, 13:20, 13:30 (not via P2);
* Saturday: P1→P2→P3 at 09:00 and a night trip P2→P3 at 24:30 (Sunday 00:30, but the
  Saturday's service);
* Sunday: P1→P2→P3 at 10:00.

Departures (stop times but a trip's last) on the school weekday: A1 3 + 3 = 6, A2 2 + 2 = 4
(the 19:12 trip ends there), B1 2 + 3 = 5; on the school-holiday weekday A1 3, A2 4, B1 2; on
Sunday A1 1, A2 1, B1 0.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from nahraum.transit import daytypes, services
from nahraum.transit.dayservice import compute_day_types, last_back, service_day_trips
from nahraum.transit.models import DayTypeService, DayTypeTime

from .conftest import hms, make_zip, tiny_feed_files


def _trip(tid, route, service, stops, start, rows_t, rows_st, gap=300):
    rows_t.append(f"{route},{service},{tid},0")
    for i, stop in enumerate(stops):
        t = start + gap * i
        rows_st.append(f"{tid},{hms(t)},{hms(t)},{stop},{i + 1}")


def day_type_feed() -> bytes:
    trips = ["route_id,service_id,trip_id,direction_id"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    h = 3600
    for n, start in enumerate((7 * h, 12 * h)):
        _trip(f"out-{n}", "BUS", "WD", ["P1", "P2", "P3"], start, trips, times)
    _trip("out-last", "BUS", "WD", ["P1", "P2"], 19 * h + 12 * 60, trips, times)
    for n, start in enumerate((6 * h + 1800, 13 * h)):
        _trip(f"in-{n}", "BUS", "WD", ["P3", "P2", "P1"], start, trips, times)
    for n, start in enumerate((7 * h + 600, 7 * h + 1200, 7 * h + 1800)):
        _trip(f"school-in-{n}", "SCHOOL", "SCH", ["P3", "P1"], start, trips, times)
    for n, start in enumerate((13 * h + 600, 13 * h + 1200, 13 * h + 1800)):
        _trip(f"school-out-{n}", "SCHOOL", "SCH", ["P1", "P3"], start, trips, times)
    _trip("sat", "BUS", "SA", ["P1", "P2", "P3"], 9 * h, trips, times)
    _trip("sat-night", "BUS", "SA", ["P2", "P3"], 24 * h + 1800, trips, times)
    _trip("sun", "BUS", "SU", ["P1", "P2", "P3"], 10 * h, trips, times)
    files = dict(tiny_feed_files())
    files["routes.txt"] = (
        "route_id,agency_id,route_short_name,route_long_name,route_type\n"
        "BUS,T,10,Ahausen – Bedorf,3\nSCHOOL,T,S,Schulbus,3\n"
    )
    files["trips.txt"] = "\n".join(trips) + "\n"
    files["stop_times.txt"] = "\n".join(times) + "\n"
    files["calendar.txt"] = (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20250106,20250131\n"
        "SCH,1,1,1,1,1,0,0,20250106,20250131\n"
        "SA,0,0,0,0,0,1,0,20250106,20250131\n"
        "SU,0,0,0,0,0,0,1,20250106,20250131\n"
    )
    files["calendar_dates.txt"] = "service_id,date,exception_type\nSCH,20250106,2\n"
    return make_zip(files)


@pytest.fixture
def feed(tiny_region):
    return services.import_feed(day_type_feed(), tiny_region, service_date=dt.date(2025, 1, 8))


def _service(feed, key, day_type):
    return DayTypeService.objects.get(feed=feed, district__key=key, day_type=day_type)


def test_dates_per_day_type_from_the_calendars(tiny_region):
    land = daytypes.region_land(tiny_region)
    assert land == "NW"  # AGS 05…
    hol = daytypes.public_holidays(land, range(2025, 2026))
    school = daytypes.school_holidays(tiny_region, land)
    dates = daytypes.choose_dates(
        dt.date(2025, 1, 6), dt.date(2025, 1, 31), dt.date(2025, 1, 8), hol, school
    )
    assert dates == {
        "school_weekday": dt.date(2025, 1, 8),
        "saturday": dt.date(2025, 1, 11),
        "sunday": dt.date(2025, 1, 12),
        "holiday_weekday": dt.date(2025, 1, 6),  # last day of the Weihnachtsferien 2024/25
    }
    # NRW's holidays: Fronleichnam yes, Heilige Drei Könige (6 January) no
    assert daytypes.classify(dt.date(2025, 6, 19), hol, school) == "sunday"
    assert daytypes.classify(dt.date(2025, 1, 6), hol, school) == "holiday_weekday"
    assert daytypes.classify(dt.date(2025, 4, 18), hol, school) == "sunday"  # Karfreitag
    assert daytypes.classify(dt.date(2025, 3, 12), hol, school) == "school_weekday"


def test_operator_school_holidays_replace_the_bundled_ones(tiny_region, settings):
    settings.TRANSIT_SCHOOL_HOLIDAYS = {
        "test": [{"name": "Projektwoche", "start": "2025-01-20", "end": "2025-01-24"}]
    }
    school = daytypes.school_holidays(tiny_region, "NW")
    assert school.contains(dt.date(2025, 1, 22)) and not school.contains(dt.date(2025, 1, 6))
    dates = daytypes.choose_dates(
        dt.date(2025, 1, 6), dt.date(2025, 1, 31), dt.date(2025, 1, 8), {}, school
    )
    assert dates["holiday_weekday"] == dt.date(2025, 1, 20)


def test_outside_nrw_without_a_setting_there_is_no_school_holiday_day(tiny_region):
    assert daytypes.school_holidays(tiny_region, "BY") is None
    dates = daytypes.choose_dates(
        dt.date(2025, 1, 6), dt.date(2025, 1, 31), dt.date(2025, 1, 8), {}, None
    )
    assert dates["holiday_weekday"] is None and dates["school_weekday"] == dt.date(2025, 1, 8)


def test_service_day_trips_leave_out_the_previous_day_after_midnight(tiny_region):
    from nahraum.access.gtfs import read_feed

    parsed = read_feed(day_type_feed())
    sunday = service_day_trips(parsed, dt.date(2025, 1, 12))
    assert len(sunday.indptr) - 1 == 1  # the 10:00 trip; not Saturday's 24:30
    saturday = service_day_trips(parsed, dt.date(2025, 1, 11))
    assert sorted(saturday.dep[saturday.indptr[:-1]].tolist()) == [9 * 3600, 24 * 3600 + 1800]


def test_last_back_needs_the_core_stop_before_the_districts_stop():
    # two trips: core (stop 0) → 1 at 100, and 1 → core at 500 (wrong direction)
    from nahraum.transit.dayservice import DayTrips

    trips = DayTrips(np.array([0, 2, 4]), np.array([0, 1, 1, 0]), np.array([100, 200, 500, 600]))
    core = np.array([True, False])
    district = np.array([-1, 0])
    assert last_back(trips, core, district, 1).tolist() == [100]
    # a trip starting at midnight (0 s) still counts
    trips0 = DayTrips(np.array([0, 2]), np.array([0, 1]), np.array([0, 60]))
    assert last_back(trips0, core, district, 1).tolist() == [0]


def test_indicators_on_the_hand_made_feed(feed):
    compute_day_types(feed)
    feed.refresh_from_db()
    assert feed.day_types["dates"] == {
        "school_weekday": "2025-01-08",
        "saturday": "2025-01-11",
        "sunday": "2025-01-12",
        "holiday_weekday": "2025-01-06",
    }
    deps = {
        (r.district.key, r.day_type): r.departures
        for r in DayTypeService.objects.filter(feed=feed).select_related("district")
    }
    assert deps[("A1", "school_weekday")] == 6
    assert deps[("A2", "school_weekday")] == 4
    assert deps[("B1", "school_weekday")] == 5
    assert deps[("A1", "holiday_weekday")] == 3
    assert deps[("A2", "holiday_weekday")] == 4
    assert deps[("B1", "holiday_weekday")] == 2
    # Sunday: one trip; Saturday's 24:30 night trip from P2 is not the Sunday's
    assert (deps[("A1", "sunday")], deps[("A2", "sunday")], deps[("B1", "sunday")]) == (1, 1, 0)
    assert deps[("A2", "saturday")] == 2  # 09:00 and the night trip at 24:30
    # last direct trip back from the Kernstadt on the school weekday
    assert _service(feed, "A2", "school_weekday").last_back_s == 19 * 3600 + 12 * 60
    # Bedorf has no core of its own: Ahausen's; the 19:12 trip ends at P2, so the school bus
    assert _service(feed, "B1", "school_weekday").last_back_s == 13 * 3600 + 1800
    assert _service(feed, "A1", "school_weekday").last_back_s is None  # the core itself
    assert _service(feed, "B1", "sunday").last_back_s == 10 * 3600


def test_indicator_flags_against_the_norms(feed, settings):
    from nahraum.transit.dayselectors import district_indicators

    compute_day_types(feed)
    rows = {r["district"].key: r for r in district_indicators(feed)}
    assert rows["B1"]["no_sunday"] is True and rows["A2"]["no_sunday"] is False
    assert rows["A2"]["last_back_flag"] is True  # 19:12 < 20:00
    assert rows["A2"]["last_back"] == "19:12"
    assert rows["A1"]["last_back_flag"] is None  # the Kernstadt itself: not applicable
    assert rows["B1"]["holiday_loss"] == pytest.approx(60.0)  # 5 → 2: the school bus
    assert rows["B1"]["holiday_gap"] is True
    assert rows["A1"]["holiday_loss"] == pytest.approx(50.0) and not rows["A1"]["holiday_gap"]
    assert rows["A2"]["holiday_gap"] is False
    settings.TRANSIT_DAY_TYPE_NORMS = {"last_back_not_before": "19:00", "max_holiday_loss": 0.7}
    rows = {r["district"].key: r for r in district_indicators(feed)}
    assert rows["A2"]["last_back_flag"] is False and rows["B1"]["holiday_gap"] is False


def test_travel_times_per_day_type_and_window(feed):
    summary = compute_day_types(feed)
    assert summary["engine_calls"] == {"prepare": 4, "travel_times": 12}
    rows = DayTypeTime.objects.filter(feed=feed, district__key="A2", target="core")
    assert rows.count() == 4 * 3
    weekday = rows.get(day_type="school_weekday", window="morning")
    sunday = rows.get(day_type="sunday", window="morning")
    assert (weekday.window_start, weekday.window_end) == (6 * 3600, 9 * 3600)
    # Sunday morning has no trip: the fastest way is walking (~1 km); on the school weekday
    # the 06:35 bus from P2 reaches P1 at 06:40 (a walk of ~110 m to P2 first)
    assert weekday.best_min < 9 < sunday.best_min
    assert sunday.best_min == pytest.approx(sunday.median_min)
    assert DayTypeTime.objects.filter(feed=feed, target="core", district__key="A1").count() == 0
    assert DayTypeTime.objects.filter(feed=feed, target="gp").count() == 3 * 4 * 3


def test_the_job_end_to_end_and_the_pages(feed, client):
    from django.urls import reverse

    from nahraum.jobs.models import Job
    from nahraum.transit.jobs import queue_day_types

    job = queue_day_types(feed, windows={"evening": (18 * 3600, 21 * 3600)})
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert DayTypeService.objects.filter(feed=feed).count() == 3 * 4
    evening = DayTypeTime.objects.filter(feed=feed, window="evening").first()
    assert (evening.window_start, evening.window_end) == (18 * 3600, 21 * 3600)
    page = client.get(reverse("transit:overview")).content.decode()
    assert "Tagestypen" in page and "08.01.2025" in page and "Schultag" in page
    page = client.get(reverse("transit:district", args=["B1"])).content.decode()
    assert "Kein Angebot an Sonn- und Feiertagen" in page and "13:30" in page
    page = client.get(reverse("region:district", args=["A2"])).content.decode()
    assert "19:12" in page


def test_the_command_with_own_windows_and_a_bad_window(feed):
    from click.testing import CliRunner

    from nahraum.cli import main

    result = CliRunner().invoke(main, ["transit", "daytypes", "--windows", "night=01:00-02:00"])
    assert result.exit_code == 1 and "unknown window 'night'" in result.output
    result = CliRunner().invoke(
        main, ["transit", "daytypes", "--windows", "midday=10:00-12:30", "--types", "kita"]
    )
    assert result.exit_code == 0, result.output
    assert "2025-01-06" in result.output and "midday 10:00–12:30" in result.output
    assert "4 preparations, 12 runs" in result.output
    feed.refresh_from_db()
    assert feed.day_type_windows == {"midday": [36000, 45000]}
    targets = set(DayTypeTime.objects.filter(feed=feed).values_list("target", flat=True))
    assert targets == {"core", "kita"}
    midday = DayTypeTime.objects.filter(feed=feed, window="midday").first()
    assert (midday.window_start, midday.window_end) == (36000, 45000)


def test_pages_before_the_first_run_say_how_to_compute(feed, client):
    from django.urls import reverse

    page = client.get(reverse("transit:overview")).content.decode()
    assert "nahraum transit daytypes" in page
    # the region's Ortsteil page shows no empty day-type panel
    page = client.get(reverse("region:district", args=["A2"])).content.decode()
    assert "Tagestypen" not in page


def test_an_import_job_queues_the_day_types(tiny_region, tmp_path):
    from nahraum.jobs.models import Job
    from nahraum.jobs.services import start_job
    from nahraum.transit.jobs import DAY_TYPES, IMPORT_GTFS

    path = tmp_path / "feed.zip"
    path.write_bytes(day_type_feed())
    job = start_job(IMPORT_GTFS, {"feed": str(path), "region": "test", "date": "2025-01-08"})
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    day_job = Job.objects.get(pk=job.result["day_types_job"])
    assert day_job.kind == DAY_TYPES and day_job.state == Job.State.DONE, day_job.error
    assert day_job.result["dates"]["holiday_weekday"] == "2025-01-06"
    assert DayTypeService.objects.filter(feed_id=job.result["feed"]).count() == 3 * 4


def test_a_region_without_a_core_town_has_no_last_trip_back_flag(feed):
    from nahraum.region.models import District
    from nahraum.transit.dayselectors import district_indicators

    District.objects.filter(key="A1").update(kind="village")
    compute_day_types(feed)
    rows = {r["district"].key: r for r in district_indicators(feed)}
    assert all(r["last_back_flag"] is None and r["last_back"] is None for r in rows.values())
    assert not DayTypeTime.objects.filter(feed=feed, target="core").exists()
    assert rows["B1"]["no_sunday"] is True  # the other indicators stay
