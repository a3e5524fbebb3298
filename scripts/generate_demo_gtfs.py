#!/usr/bin/env python
"""Generate the ILLUSTRATIVE GTFS feed of the Lemgo–Kalletal demo region (deterministic).

Not a real timetable. It imitates the shape of the real service so that the demo can show
public transport: the Lemgo town bus (four lines from the station on a 30-minute service, as
frequencies.txt), regional buses from Lemgo to the Kalletal and Lemgo villages (hourly or every
two hours; each line visits its villages in the order of the shortest path to its terminus),
the railway (RB to Bielefeld from Lemgo station, hourly, every day) and the demand-responsive
line 737 "Der kleine Kalle" in Kalletal (a route without trips; its area, hours and maximum
wait are in ``kalletal-737.json`` and become a DemandResponsiveService).

Stops are the bus stops and stations of the bundled region (src/nahraum/data/bundled/
lemgo-kalletal/facilities.csv), keeping their ids; Lage, Oerlinghausen and Bielefeld lie
outside the region (approximate positions). Running times: straight line × 1.3 at 22 km/h (bus)
and 70 km/h (train). Every name in agency.txt and feed_info.txt says "illustrativ".

Usage: python scripts/generate_demo_gtfs.py   (writes src/nahraum/transit/bundled/)
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REGION = REPO / "src/nahraum/data/bundled/lemgo-kalletal"
OUT = REPO / "src/nahraum/transit/bundled"
START, END = "20250106", "20251212"
# public holidays in NRW on weekdays in that period: no weekday service
HOLIDAYS = ["20250418", "20250421", "20250501", "20250529", "20250609", "20250619", "20251003"]


def km(a, b):
    dy = (a[0] - b[0]) * 111.2
    dx = (a[1] - b[1]) * 111.2 * math.cos(math.radians(52.05))
    return math.hypot(dx, dy)


def hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def chain(start, points):
    """Order points as a nearest-neighbour chain from ``start``."""
    rest, out, here = list(points), [], start
    while rest:
        nxt = min(rest, key=lambda p: km(here, (p["lat"], p["lon"])))
        rest.remove(nxt)
        out.append(nxt)
        here = (nxt["lat"], nxt["lon"])
    return out


def district_order(start, districts, by_district):
    """The line's villages in the order of the shortest path from ``start`` (lat, lon) through
    their centres to the terminus (the last district named), so that the bus does not zigzag.

    The list in ``regional`` says which villages a line serves and where it ends; visiting them
    in the listed order sent line 732 31.7 km between termini 8.5 km apart (an 8.5 km hop back
    east after Osterhagen), which made the bus slower than walking from Erder to the GP.
    """

    def centre(d):
        pts = by_district[d]
        return (sum(p["lat"] for p in pts) / len(pts), sum(p["lon"] for p in pts) / len(pts))

    *middle, last = districts
    best, best_len = list(districts), math.inf
    for perm in itertools.permutations(middle):
        here, total = start, 0.0
        for d in (*perm, last):
            total += km(here, centre(d))
            here = centre(d)
        if total < best_len - 1e-9:
            best, best_len = [*perm, last], total
    return best


def main() -> None:
    rows = list(csv.DictReader(open(REGION / "facilities.csv", encoding="utf-8")))
    stops = {}
    by_district: dict[str, list] = {}
    for r in rows:
        if r["type"] not in ("bus_stop", "railway_station"):
            continue
        s = {"id": r["id"], "name": r["name"], "lat": float(r["lat"]), "lon": float(r["lon"])}
        stops[s["id"]] = s
        if r["type"] == "bus_stop":
            by_district.setdefault(r["id"].split(":")[1], []).append(s)
    station = next(s for s in stops.values() if s["name"] == "Bahnhof Lemgo")
    luettfeld = next(s for s in stops.values() if "Lüttfeld" in s["name"])
    # Lemgo station becomes a station with a rail platform and a bus platform (ZOB)
    station_id = station["id"]
    station.update(location_type=1)
    rail = {
        "id": f"{station_id}:gleis1",
        "name": "Bahnhof Lemgo, Gleis 1",
        "lat": station["lat"] + 0.0002,
        "lon": station["lon"],
        "parent": station_id,
    }
    zob = {
        "id": f"{station_id}:zob",
        "name": "Bahnhof Lemgo, ZOB",
        "lat": station["lat"] - 0.0003,
        "lon": station["lon"] + 0.0004,
        "parent": station_id,
    }
    outside = [
        {"id": "demo:outside:lage", "name": "Lage (Lippe) Bahnhof", "lat": 51.9899, "lon": 8.7936},
        {
            "id": "demo:outside:oerlinghausen",
            "name": "Oerlinghausen Bahnhof",
            "lat": 51.9590,
            "lon": 8.6650,
        },
        {"id": "demo:outside:bielefeld", "name": "Bielefeld Hbf", "lat": 52.0293, "lon": 8.5327},
    ]
    for s in (rail, zob, *outside):
        stops[s["id"]] = s

    routes, trips, stop_times, frequencies = [], [], [], []

    def add_trip(route_id, service, seq, start_s, speed_kmh, direction, trip_id, dwell=30):
        t = start_s
        trips.append(
            {
                "route_id": route_id,
                "service_id": service,
                "trip_id": trip_id,
                "direction_id": direction,
                "trip_headsign": seq[-1]["name"],
            }
        )
        for i, s in enumerate(seq):
            if i:
                hop = km((seq[i - 1]["lat"], seq[i - 1]["lon"]), (s["lat"], s["lon"]))
                t += max(60, int(round(hop * 1.3 / speed_kmh * 3600 / 30.0)) * 30)
            arr = t
            dep = t + (dwell if 0 < i < len(seq) - 1 else 0)
            stop_times.append(
                {
                    "trip_id": trip_id,
                    "arrival_time": hms(arr),
                    "departure_time": hms(dep),
                    "stop_id": s["id"],
                    "stop_sequence": i + 1,
                }
            )
            t = dep

    # Town bus: four lines from the ZOB into the quarters of the core town, every 30 min.
    core = by_district["kernstadt-lemgo"]
    quarters: dict[int, list] = {0: [], 1: [], 2: [], 3: []}
    for s in core:
        ang = math.atan2(s["lat"] - zob["lat"], (s["lon"] - zob["lon"]) * 0.616)
        quarters[int(((ang + math.pi) / (2 * math.pi)) * 4) % 4].append(s)
    for q, members in quarters.items():
        if not members:
            continue
        rid = f"stadtbus-{q + 1}"
        routes.append(
            {
                "route_id": rid,
                "agency_id": "stadtbus",
                "route_short_name": f"{q + 1}",
                "route_long_name": f"Stadtbus Lemgo Linie {q + 1} (illustrativ)",
                "route_type": 3,
            }
        )
        out = [zob, *chain((zob["lat"], zob["lon"]), members)]
        for direction, seq in ((0, out), (1, out[::-1])):
            for service, first, last, headway in (
                ("WD", 6 * 3600, 20 * 3600, 1800),
                ("SA", 8 * 3600, 16 * 3600, 3600),
            ):
                tid = f"{rid}-{direction}-{service}"
                add_trip(rid, service, seq, first + direction * 900, 22, direction, tid)
                frequencies.append(
                    {
                        "trip_id": tid,
                        "start_time": hms(first + direction * 900),
                        "end_time": hms(last + direction * 900),
                        "headway_secs": headway,
                    }
                )

    # Regional buses: Lemgo ZOB to the villages.
    regional = [
        (
            "730",
            "Lemgo – Kirchheide – Hohenhausen – Kalldorf – Varenholz",
            ["kirchheide", "bavenhausen", "hohenhausen", "westorf", "kalldorf", "varenholz"],
            3600,
        ),
        (
            "731",
            "Lemgo – Brake – Matorf – Talle – Hohenhausen",
            ["brake", "matorf", "talle", "hohenhausen"],
            3600,
        ),
        (
            "732",
            "Hohenhausen – Langenholzhausen – Lüdenhausen – Erder – Stemmen",
            [
                "hohenhausen",
                "luedenhausen",
                "langenholzhausen",
                "harkemissen",
                "osterhagen",
                "echternhagen",
                "erder",
                "stemmen",
            ],
            7200,
        ),
        (
            "733",
            "Lemgo – Entrup – Brosen – Heidelbeck – Langenholzhausen",
            ["entrup", "brosen", "heidelbeck", "langenholzhausen"],
            7200,
        ),
        ("734", "Lemgo – Henstorf – Bavenhausen", ["vossheide", "henstorf", "bavenhausen"], 7200),
        ("740", "Lemgo – Lieme – Welstorf", ["lieme", "welstorf"], 3600),
        ("741", "Lemgo – Hörstmar – Lüerdissen", ["hoerstmar", "lueerdissen"], 3600),
        ("742", "Lemgo – Brüntorf – Leese – Wahmbeck", ["bruentorf", "leese", "wahmbeck"], 7200),
    ]
    for line, name, districts, headway in regional:
        seq = [] if line == "732" else [zob]
        here = (zob["lat"], zob["lon"])
        if line == "732":  # starts in Hohenhausen, not at the ZOB
            first = by_district[districts[0]]
            centre = (
                sum(p["lat"] for p in first) / len(first),
                sum(p["lon"] for p in first) / len(first),
            )
            districts = [districts[0], *district_order(centre, districts[1:], by_district)]
        else:
            districts = district_order(here, districts, by_district)
        for d in districts:
            part = chain(here, by_district[d])
            part = [s for s in part if s not in seq]
            seq += part
            here = (part[-1]["lat"], part[-1]["lon"]) if part else here
        routes.append(
            {
                "route_id": line,
                "agency_id": "regio",
                "route_short_name": line,
                "route_long_name": f"{name} (illustrativ)",
                "route_type": 3,
            }
        )
        for direction, s2 in ((0, seq), (1, seq[::-1])):
            for service, first, last, step in (
                ("WD", 5 * 3600 + 1800, 20 * 3600, headway),
                ("SA", 8 * 3600, 18 * 3600, 7200),
            ):
                t, n = first + direction * 1500, 0
                while t <= last:
                    add_trip(
                        line, service, s2, t, 22, direction, f"{line}-{direction}-{service}-{n}"
                    )
                    t += step
                    n += 1

    # Railway: RB Bielefeld – Lage – Lemgo-Lüttfeld – Lemgo, hourly, every day.
    routes.append(
        {
            "route_id": "rb73",
            "agency_id": "bahn",
            "route_short_name": "RB 73",
            "route_long_name": "Bielefeld – Lage – Lemgo (illustrativ)",
            "route_type": 2,
        }
    )
    rb = [outside[2], outside[1], outside[0], luettfeld, rail]
    for direction, seq in ((0, rb), (1, rb[::-1])):
        for n, h in enumerate(range(5, 23)):
            add_trip(
                "rb73",
                "DAILY",
                seq,
                h * 3600 + (300 if direction == 0 else 2400),
                70,
                direction,
                f"rb73-{direction}-{n}",
                dwell=60,
            )

    # Demand-responsive line 737: a route without trips; area and hours in kalletal-737.json
    routes.append(
        {
            "route_id": "737",
            "agency_id": "regio",
            "route_short_name": "737",
            "route_long_name": "Der kleine Kalle – Rufbus im Kalletal (illustrativ)",
            "route_type": 715,
        }
    )

    files = {
        "agency.txt": [
            {
                "agency_id": "stadtbus",
                "agency_name": "Stadtbus Lemgo (illustrativ, Demo)",
                "agency_url": "https://example.org/nahraum-demo",
                "agency_timezone": "Europe/Berlin",
                "agency_lang": "de",
            },
            {
                "agency_id": "regio",
                "agency_name": "Regionalbus Lippe (illustrativ, Demo)",
                "agency_url": "https://example.org/nahraum-demo",
                "agency_timezone": "Europe/Berlin",
                "agency_lang": "de",
            },
            {
                "agency_id": "bahn",
                "agency_name": "Eisenbahn (illustrativ, Demo)",
                "agency_url": "https://example.org/nahraum-demo",
                "agency_timezone": "Europe/Berlin",
                "agency_lang": "de",
            },
        ],
        "stops.txt": [
            {
                "stop_id": s["id"],
                "stop_name": s["name"],
                "stop_lat": f"{s['lat']:.6f}",
                "stop_lon": f"{s['lon']:.6f}",
                "location_type": s.get("location_type", 0),
                "parent_station": s.get("parent", ""),
            }
            for s in sorted(stops.values(), key=lambda s: s["id"])
        ],
        "routes.txt": routes,
        "trips.txt": trips,
        "stop_times.txt": stop_times,
        "frequencies.txt": frequencies,
        "calendar.txt": [
            {
                "service_id": sid,
                **dict(
                    zip(
                        (
                            "monday",
                            "tuesday",
                            "wednesday",
                            "thursday",
                            "friday",
                            "saturday",
                            "sunday",
                        ),
                        days,
                        strict=True,
                    )
                ),
                "start_date": START,
                "end_date": END,
            }
            for sid, days in (
                ("WD", (1, 1, 1, 1, 1, 0, 0)),
                ("SA", (0, 0, 0, 0, 0, 1, 0)),
                ("DAILY", (1, 1, 1, 1, 1, 1, 1)),
            )
        ],
        "calendar_dates.txt": [
            {"service_id": "WD", "date": d, "exception_type": 2} for d in HOLIDAYS
        ],
        "feed_info.txt": [
            {
                "feed_publisher_name": (
                    "nahraum – illustrativer Demo-Fahrplan (kein echter Fahrplan)"
                ),
                "feed_publisher_url": "https://example.org/nahraum-demo",
                "feed_lang": "de",
                "feed_start_date": START,
                "feed_end_date": END,
                "feed_version": "demo-1",
            }
        ],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, records in files.items():
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(records[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.getvalue())
    (OUT / "lemgo-kalletal-gtfs.zip").write_bytes(buf.getvalue())
    drt = {
        "name": "Der kleine Kalle",
        "line": "737",
        "area_municipality_ags": "05766036",
        "weekdays": [0, 1, 2, 3, 4],
        "start": "08:00",
        "end": "18:00",
        "max_wait_min": 60,
        "speed_kmh": 30,
        "note": "Illustrative: Kalletal runs the demand-responsive line 737 'Der kleine Kalle'; "
        "service area = the municipality, hours, maximum wait and speed are assumptions "
        "of the nahraum demo, not the operator's figures.",
    }
    (OUT / "kalletal-737.json").write_text(
        json.dumps(drt, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"{len(stops)} stops, {len(routes)} routes, {len(trips)} trips, "
        f"{len(stop_times)} stop times → {OUT / 'lemgo-kalletal-gtfs.zip'}"
    )


if __name__ == "__main__":
    main()
