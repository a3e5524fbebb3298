"""A hand-built GTFS feed for the tiny region of tests/conftest.py.

Stops: P1 at the centre of Ahausen-Mitte (A1; a railway station served every 10 minutes each
way), P2 110 m west of Adorf (A2; a bus every 30 minutes, three in four turning at P2) and P3 at
Bedorf (B1; only every fourth bus). From 06:00 to 20:00 that gives P1 84 rail + 28 bus departures
per direction (interval 7.5 min, rail → category I → class A at 0 m), P2 (28 + 7) / 2 = 17.5
(48 min, bus → VI → class E within 300 m) and P3 7 (120 min, bus → VII → class F).
"""

from __future__ import annotations

import io
import zipfile

import pytest


def hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def make_zip(files: dict[str, str | None]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            if text is not None:
                zf.writestr(name, text)
    return buf.getvalue()


def tiny_feed_files() -> dict[str, str]:
    trips = ["route_id,service_id,trip_id,direction_id"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for d in (0, 1):
        for n, t in enumerate(range(6 * 3600, 20 * 3600, 600)):  # rail P1 – far away, 10 min
            tid = f"rail-{d}-{n}"
            trips.append(f"RAIL,WD,{tid},{d}")
            seq = ["P1", "FAR"] if d == 0 else ["FAR", "P1"]
            times += [
                f"{tid},{hms(t)},{hms(t)},{seq[0]},1",
                f"{tid},{hms(t + 1200)},{hms(t + 1200)},{seq[1]},2",
            ]
        for n, t in enumerate(range(6 * 3600, 20 * 3600, 1800)):  # bus P1 – P2 (– P3)
            tid = f"bus-{d}-{n}"
            trips.append(f"BUS,WD,{tid},{d}")
            seq = ["P1", "P2", "P3"] if d == 0 else ["P3", "P2", "P1"]
            if n % 4:  # only every fourth trip serves P3
                seq = seq[:2] if d == 0 else seq[1:]
            for i, stop in enumerate(seq):
                times.append(f"{tid},{hms(t + 300 * i)},{hms(t + 300 * i)},{stop},{i + 1}")
    return {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "T,Testverkehr,https://example.org,Europe/Berlin\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "S1,Ahausen Bf,52.0,8.9,1,\n"
        "P1,Ahausen Bf Gleis 1,52.0,8.9,0,S1\n"
        "P2,Adorf West,52.0,8.913,0,\n"
        "P3,Bedorf,52.0,8.9292,0,\n"
        "FAR,Fernstadt,52.3,8.5,0,\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
        "RAIL,T,RB 1,Ahausen – Fernstadt,2\nBUS,T,10,Ahausen – Bedorf,3\n",
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(times) + "\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nWD,1,1,1,1,1,0,0,20250106,20250131\n",
        "calendar_dates.txt": "service_id,date,exception_type\nWD,20250107,2\n",
        "feed_info.txt": "feed_publisher_name,feed_publisher_url,feed_lang\n"
        "Testverbund,https://example.org,de\n",
    }


@pytest.fixture
def tiny_feed() -> bytes:
    return make_zip(tiny_feed_files())


@pytest.fixture
def feed_with():
    def build(**changes: str | None) -> bytes:
        files: dict[str, str | None] = dict(tiny_feed_files())
        files.update({k.replace("__", "."): v for k, v in changes.items()})
        return make_zip(files)

    return build
