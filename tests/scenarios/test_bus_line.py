"""A new bus line as a scenario change: trips added to a copy of the timetable.

The region is tests/conftest.py's tiny region (A1 — A2 — B1 on a line, 1 km apart; the only
GP practice "gp-1" stands at the centre of A1). The feed has a single railway stop, at A1, so
the people of B1 live 2 km from the nearest stop — beyond the 15 min walk to a first stop —
and their quickest way to the GP by "bus and train" is to walk all the way.

The scenario's line "Bus 99" runs B1 → A1 (and back) every 10 minutes, 06:00–20:00. The region
has no street network, so the running time is the straight line × 1.3 at 40 km/h × the line's
factor (1.0 here), rounded up to whole minutes: 2,000 m × 1.3 / 11.1 m/s = 234 s → 4 min.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError
from django.utils import translation

from nahraum.access.projection import to_utm
from nahraum.analysis.services import unpack_cells
from nahraum.cli import main
from nahraum.scenarios.compare import run_scenario
from nahraum.scenarios.models import BusLine, Scenario
from nahraum.scenarios.services import add_bus_line, create_scenario, parse_stops
from nahraum.transit import services as transit
from nahraum.transit.models import Feed, Stop
from tests.transit.conftest import hms, make_zip

WALK_MS = 5.0 / 3.6
B1 = {"name": "Bedorf", "lat": 52.0, "lon": 8.9292}
A1 = {"name": "Ahausen Mitte", "lat": 52.0, "lon": 8.9}


def rail_only_feed() -> bytes:
    """One railway line from A1 to far away, every 10 minutes each way, 06:00–20:00."""
    trips = ["route_id,service_id,trip_id,direction_id"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for d in (0, 1):
        for n, t in enumerate(range(6 * 3600, 20 * 3600, 600)):
            tid = f"rail-{d}-{n}"
            trips.append(f"RAIL,WD,{tid},{d}")
            seq = ["P1", "FAR"] if d == 0 else ["FAR", "P1"]
            times += [
                f"{tid},{hms(t)},{hms(t)},{seq[0]},1",
                f"{tid},{hms(t + 1200)},{hms(t + 1200)},{seq[1]},2",
            ]
    return make_zip(
        {
            "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
            "T,Testverkehr,https://example.org,Europe/Berlin\n",
            "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
            "P1,Ahausen Bf,52.0,8.9\nFAR,Fernstadt,52.3,8.5\n",
            "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
            "RAIL,T,RB 1,Ahausen – Fernstadt,2\n",
            "trips.txt": "\n".join(trips) + "\n",
            "stop_times.txt": "\n".join(times) + "\n",
            "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
            "start_date,end_date\nWD,1,1,1,1,1,0,0,20250106,20250131\n",
        }
    )


@pytest.fixture
def rail_region(tiny_region):
    transit.import_feed(rail_only_feed(), tiny_region)  # window 07:00–09:00
    return tiny_region


def metres(a: dict, b: dict) -> float:
    ax, ay = to_utm(np.array([a["lon"]]), np.array([a["lat"]]))
    bx, by = to_utm(np.array([b["lon"]]), np.array([b["lat"]]))
    return float(np.hypot(ax - bx, ay - by)[0])


def feed_state(region) -> tuple:
    feed = Feed.objects.get(region=region, is_active=True)
    stops = list(
        Stop.objects.filter(feed=feed)
        .order_by("position")
        .values_list("stop_id", "departures_day", "category")
    )
    parsed = transit.parsed_feed(feed)
    return (
        feed.checksum,
        bytes(feed.timetable),
        stops,
        parsed.n_stops,
        Feed.objects.count(),
        Stop.objects.count(),
    )


def test_new_line_brings_the_far_village_closer_to_the_gp(rail_region):
    scenario = create_scenario(rail_region, "Bus 99 nach Bedorf")
    add_bus_line(
        scenario,
        name="Bus 99",
        stops=[B1, A1],
        headway_min=10,
        first_departure=dt.time(6, 0),
        last_departure=dt.time(20, 0),
        car_time_factor=1.0,
    )
    before = feed_state(rail_region)

    srun = run_scenario(scenario, modes=["transit"], facility_types=["gp"])

    # --- hand computation
    d = metres(B1, A1)
    assert 1990 < d < 2010
    walk_s = d * 1.3 / WALK_MS  # baseline: walk all the way (~31 min)
    ride_s = np.ceil(d * 1.3 / (40 / 3.6) / 60) * 60  # 234 s → 4 whole minutes
    assert ride_s == 240
    # departures 07:00, 07:10, …; leaving at each minute of 07:00–08:59 the wait is 0…9 min,
    # each 12 times: median of 120 values = (4 + 5) / 2 = 4.5 min; cell and stop at the same
    # place, stop and practice at the same place: no walking
    expected = 4.5 * 60 + ride_s
    assert expected <= 10 * 60 + ride_s  # ≤ headway + ride

    def transit_time(run, key: str) -> float:
        cells = unpack_cells(run)
        pair = list(cells["pairs"]).index("transit/gp")
        row = list(cells["cell_key"]).index(key)
        return float(cells["time_s"][pair, row])

    base_b1 = transit_time(srun.baseline, "cell-B1")
    new_b1 = transit_time(srun.run, "cell-B1")
    assert base_b1 == pytest.approx(walk_s, abs=1.0)
    assert new_b1 == pytest.approx(expected, abs=1.0)
    assert new_b1 < base_b1
    # A1 has the practice next door either way
    assert transit_time(srun.run, "cell-A1") == transit_time(srun.baseline, "cell-A1") == 0

    # the stored baseline feed (row, blob, stops, cached arrays) is as it was
    assert feed_state(rail_region) == before

    # the log documents the line and its running times …
    line_note = next(e for e in srun.log if e["kind"] == "bus_line")
    assert line_note["hop_min"] == [4.0] and line_note["departures_per_direction"] == 85
    # … and the ÖV-Güteklassen: B1's new stop has 84 departures 06–20 in its one direction,
    # every 10 min → bus category III → class B at 0 m; before, B1 had no class (2 km to rail)
    classes = next(e for e in srun.log if e["kind"] == "bus_line_classes")
    assert classes["changed_cells"] == {"cell-B1": ["", "B"]}
    assert classes["people_before"]["none"] - classes["people_after"].get("none", 0) == 100
    first_stop = classes["new_stops"][0]
    assert first_stop["departures_window"] == 84 and first_stop["category"] == 3


def test_one_direction_and_factor_change_the_trips(rail_region):
    from nahraum.analysis.services import load_inputs
    from nahraum.scenarios.apply import apply_scenario

    scenario = create_scenario(rail_region, "Einseitig")
    add_bus_line(
        scenario,
        name="Bus 98",
        stops=[B1, A1],
        headway_min=30,
        first_departure=dt.time(7, 0),
        last_departure=dt.time(8, 0),
        both_directions=False,
        car_time_factor=2.0,
    )
    applied = apply_scenario(scenario, load_inputs(rail_region, with_networks=False))
    (line,) = applied.inputs.transit_extra_lines
    # 07:00, 07:30, 08:00 — one direction; 234 s × 2 = 468 s → 8 min
    assert [t["times"] for t in line["trips"]] == [[25200, 25680], [27000, 27480], [28800, 29280]]
    assert {t["direction"] for t in line["trips"]} == {0}


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"stops": [B1]}, "stops", "at least 2 stops"),
        ({"stops": []}, "stops", "at least 2 stops"),
        (
            {"stops": [B1, {"name": "Paris", "lat": 48.85, "lon": 2.35}]},
            "stops",
            "outside the region",
        ),
        ({"stops": [B1, {"name": "x", "lat": "nord", "lon": 8.9}]}, "stops", "must be numbers"),
        ({"headway_min": 0}, "headway_min", "at least 1 minute"),
        ({"headway_min": -5}, "headway_min", "at least 1 minute"),
        ({"last_departure": dt.time(5, 0)}, "last_departure", "lies before the first"),
    ],
)
def test_bad_bus_lines_are_refused_and_nothing_is_saved(
    rail_region, db_counts, changes, field, words
):
    scenario = create_scenario(rail_region, "Falsch")
    counts = db_counts()
    args = {
        "name": "Bus X",
        "stops": [B1, A1],
        "headway_min": 20,
        "first_departure": dt.time(6, 0),
        "last_departure": dt.time(20, 0),
        **changes,
    }
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        add_bus_line(scenario, **args)
    assert field in exc.value.message_dict
    assert words in " ".join(exc.value.message_dict[field])
    assert db_counts() == counts


def test_stop_list_lines_are_read_or_named_when_wrong():
    assert parse_stops("Bedorf; 52.0; 8.9292\n\n52,0; 8,9\n") == [
        {"name": "Bedorf", "lat": 52.0, "lon": 8.9292},
        {"name": "2", "lat": 52.0, "lon": 8.9},
    ]
    with pytest.raises(ValidationError, match="line 2"):
        parse_stops("Bedorf; 52.0; 8.9292\nAhausen 52.0 8.9")


def test_add_bus_line_command_json_and_errors(rail_region, db_counts):
    runner = CliRunner()
    sid = str(Scenario.objects.create(region=rail_region, name="Kommando").pk)
    ok = runner.invoke(
        main,
        [
            "scenario",
            "add-bus-line",
            sid,
            "--name",
            "Bus 99",
            "--stop",
            "Bedorf;52.0;8.9292",
            "--stop",
            "Ahausen;52.0;8.9",
            "--headway",
            "15",
            "--first",
            "06:30",
            "--last",
            "19:30",
            "--json",
        ],
    )
    assert ok.exit_code == 0, ok.output
    line = json.loads(ok.output)["bus_lines"][0]
    assert line["headway_min"] == 15 and [s["name"] for s in line["stops"]] == ["Bedorf", "Ahausen"]
    assert line["first_departure"] == "06:30" and line["both_directions"] is True
    counts = db_counts()
    # the commands speak the site's first language, German
    for args, words in [
        (["--stop", "Bedorf;52.0;8.9292", "--headway", "15"], "mindestens 2 Haltestellen"),
        (["--stop", "52.0;8.9292", "--stop", "52.0;8.9", "--headway", "0"], "mindestens 1 Minute"),
        (
            ["--stop", "52.0;8.9292", "--stop", "53.5;10.0", "--headway", "10"],
            "Haltestelle 2 (2): Der Ort 53.50000, 10.00000 liegt außerhalb der Region",
        ),
    ]:
        bad = runner.invoke(
            main,
            [
                "scenario",
                "add-bus-line",
                sid,
                "--name",
                "B",
                *args,
                "--first",
                "06:00",
                "--last",
                "20:00",
                "--json",
            ],
        )
        assert bad.exit_code == 1 and words in bad.output, bad.output
    bad = runner.invoke(
        main,
        [
            "scenario",
            "add-bus-line",
            sid,
            "--name",
            "B",
            "--stop",
            "52.0;8.9292",
            "--stop",
            "52.0;8.9",
            "--headway",
            "10",
            "--first",
            "20:00",
            "--last",
            "06:00",
        ],
    )
    assert bad.exit_code == 1 and "liegt vor der ersten" in bad.output
    assert db_counts() == counts and BusLine.objects.count() == 1


def test_editor_form_adds_a_line_or_shows_the_error(client, planner, rail_region, db_counts):
    client.force_login(planner)
    scenario = Scenario.objects.create(region=rail_region, name="Formular")
    url = f"/en/scenarios/{scenario.pk}/"
    form = {
        "form": "busline",
        "busline-name": "Bus 99",
        "busline-headway_min": "20",
        "busline-first_departure": "06:00",
        "busline-last_departure": "20:00",
        "busline-both_directions": "on",
        "busline-car_time_factor": "1.3",
    }
    counts = db_counts()
    r = client.post(url, {**form, "busline-stops": "Bedorf; 52.0; 8.9292"})
    assert r.status_code == 200 and "at least 2 stops" in r.content.decode()
    r = client.post(
        url,
        {
            **form,
            "busline-stops": "Bedorf; 52.0; 8.9292\nAhausen; 52.0; 8.9",
            "busline-last_departure": "05:00",
        },
    )
    assert r.status_code == 200 and "lies before the first" in r.content.decode()
    assert db_counts() == counts
    r = client.post(url, {**form, "busline-stops": "Bedorf; 52.0; 8.9292\nAhausen; 52.0; 8.9"})
    assert r.status_code == 302
    line = BusLine.objects.get(scenario=scenario)
    assert [s["name"] for s in line.stops] == ["Bedorf", "Ahausen"] and line.headway_min == 20
    page = client.get(url).content.decode()
    assert "Bus 99" in page and "Bedorf – Ahausen" in page
    de = client.get(f"/de/scenarios/{scenario.pk}/").content.decode()
    assert "Neue Buslinie" in de


def test_running_times_follow_the_car_network_times_the_factor():
    from nahraum.access.network import network_from_edges
    from nahraum.scenarios.busline import car_seconds, hop_seconds

    # a road 0 → 1 → 2 along x, 1,000 m each, driven at 36 km/h (10 m/s): 100 s per segment;
    # a detour node 3 that the stops do not use
    net = network_from_edges(
        np.array([0.0, 1000.0, 2000.0, 0.0]),
        np.array([0.0, 0, 0, 500]),
        np.array([0, 1, 0]),
        np.array([1, 2, 3]),
        np.array([1000.0, 1000.0, 500.0]),
        mode="car",
        speed_kmh=36.0,
    )
    car = car_seconds(np.array([0.0, 2000.0, 1000.0]), np.array([0.0, 0.0, 0.0]), net)
    assert car.tolist() == pytest.approx([200.0, 100.0])
    # × 1.3 = 260 s and 130 s → rounded up to 5 and 3 minutes
    assert hop_seconds(car, 1.3).tolist() == [300, 180]
    # without a network: straight line × 1.3 at 40 km/h
    straight = car_seconds(np.array([0.0, 1000.0]), np.array([0.0, 0.0]))
    assert straight.tolist() == pytest.approx([1000 * 1.3 / (40 / 3.6)])
