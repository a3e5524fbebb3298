"""Counts per service day leave out the neighbouring days' trips (issue 13, item 1)."""

from __future__ import annotations

import datetime as dt

from nahraum.transit import services
from nahraum.transit.models import Route, Stop

from .conftest import hms, make_zip, tiny_feed_files


def _with_late_trip() -> bytes:
    """The tiny feed plus a late bus on every weekday: P3 23:58 → P2 24:03 → P1 24:08."""
    files = tiny_feed_files()
    files["routes.txt"] += "LATE,T,N1,Nachtbus,3\n"
    files["trips.txt"] += "LATE,WD,late-0,1\n"
    files["stop_times.txt"] += "".join(
        f"late-0,{hms(t)},{hms(t)},{s},{i + 1}\n"
        for i, (s, t) in enumerate([("P3", 86280), ("P2", 86580), ("P1", 86880)])
    )
    return make_zip(files)


def test_the_previous_days_trip_after_midnight_is_not_counted(tiny_region):
    # Thursday 2025-01-09: Wednesday's late bus leaves P2 at 00:03 on Thursday's clock, but it
    # belongs to Wednesday; Thursday's own late bus leaves at 24:03 (hour 24).
    feed = services.import_feed(_with_late_trip(), tiny_region, service_date=dt.date(2025, 1, 9))
    p2 = Stop.objects.get(feed=feed, stop_id="P2")
    # 28 buses towards Ahausen + 7 on to Bedorf (06:00–20:00) + the day's own late bus
    assert p2.departures_day == 28 + 7 + 1  # 37 before the fix (Wednesday's bus in hour 0)
    assert p2.departures_by_hour[0] == 0
    assert p2.departures_by_hour[24] == 1
    assert sum(p2.departures_by_hour) == p2.departures_day
    assert Route.objects.get(feed=feed, route_id="LATE").trips_service_day == 1


def test_the_methods_text_states_the_journey_model_in_german():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("de"):
        html = render_to_string(
            "transit/_method.html", {"method": {"category_table": [], "class_table": []}}
        )
    for text in (
        "Methode: Reisezeiten mit Bus und Bahn",
        "Fußwege werden nicht aneinandergereiht",
        "Typ 3 verbietet den Umstieg",
        "Wartezeit zählt mit",
        "die Fahrten des Folgetags",
    ):
        assert text in html
