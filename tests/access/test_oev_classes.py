"""ÖV-Güteklassen: stops with known departure counts give the classes of the ARE tables."""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access import oev_classes as oev

WINDOW = oev.WINDOW_S[1] - oev.WINDOW_S[0]  # 14 h = 840 min


@pytest.mark.parametrize(
    ("group", "departures", "category"),
    [
        ("A", 168, 1),  # 840/168 = 5 min → I
        ("A", 84, 1),  # 10 min → I
        ("A", 42, 2),  # 20 min → II
        ("A", 28, 3),  # 30 min → III
        ("A", 14, 4),  # 60 min → IV
        ("A", 7, 5),  # 120 min → V
        ("A", 6, None),  # 140 min → none
        ("B", 168, 1),
        ("B", 100, 2),  # 8.4 min → II
        ("B", 14, 5),
        ("C", 168, 2),  # bus every 5 min → II
        ("C", 28, 5),  # bus every 30 min (Lemgo's town bus) → V
        ("C", 21, 5),  # 40 min → V (≤ 40)
        ("C", 20, 6),  # 42 min → VI
        ("C", 14, 6),  # hourly bus → VI
        ("C", 7, 7),  # every two hours → VII
        ("C", 0, None),
    ],
)
def test_stop_category_from_the_table(group, departures, category):
    assert oev.stop_category(group, departures, WINDOW) == category


@pytest.mark.parametrize(
    ("category", "distance", "klass"),
    [
        (1, 300, "A"),
        (1, 750, "B"),
        (1, 1000, "C"),
        (1, 1001, None),
        (2, 301, "B"),
        (3, 200, "B"),
        (4, 900, "F"),
        (5, 450, "E"),
        (5, 600, "F"),
        (5, 800, None),
        (6, 500, "F"),
        (7, 300, "F"),
        (7, 301, None),
    ],
)
def test_class_from_category_and_distance(category, distance, klass):
    assert oev.quality_class(category, distance) == klass


def test_service_groups_of_route_types():
    assert [oev.service_group(t) for t in (2, 109, 400, 0, 900, 3, 700, 715, 4)] == [
        "A",
        "A",
        "A",
        "B",
        "B",
        "C",
        "C",
        "C",
        "C",
    ]


def _events(stop, route, times):
    return np.full(len(times), stop), np.full(len(times), route), np.asarray(times)


def test_stop_levels_count_each_direction_once_and_group_platforms():
    # stops: 0 station, 1 and 2 its platforms, 3 a village stop
    parent = np.array([-1, 0, 0, -1])
    route_type = np.array([3, 2])  # route 0 bus, route 1 rail
    hours = np.arange(6 * 3600, 20 * 3600, 1800)  # every 30 min for 14 h = 28 departures
    # trips: bus both directions at platform 1; rail one direction at platform 2;
    # bus hourly both ways at the village stop
    trips, trip_route, trip_dir = [], [], []
    stops, times = [], []
    for direction in (0, 1):
        for t in hours:
            trips.append(len(trips))
            trip_route.append(0)
            trip_dir.append(direction)
            stops.append(1)
            times.append(t)
    for t in hours[::4]:  # rail every 2 h: 7 departures
        trips.append(len(trips))
        trip_route.append(1)
        trip_dir.append(0)
        stops.append(2)
        times.append(t)
    for direction in (0, 1):
        for t in hours[::2]:  # hourly: 14 per direction
            trips.append(len(trips))
            trip_route.append(0)
            trip_dir.append(direction)
            stops.append(3)
            times.append(t)
    times.append(21 * 3600)  # outside the window: not counted
    stops.append(3)
    trips.append(len(trips))
    trip_route.append(0)
    trip_dir.append(0)
    levels = oev.stop_levels(
        parent,
        np.array(trip_route),
        np.array(trip_dir),
        route_type,
        np.array(stops),
        np.array(trips),
        np.array(times),
    )
    station = levels.group_of_stop[1]
    village = levels.group_of_stop[3]
    assert levels.group_of_stop[2] == station
    # 28 bus departures per direction + 7 rail = 35 → 24 min, rail group → category III
    assert levels.departures[station] == pytest.approx(35)
    assert levels.service_group[station] == "A"
    assert levels.category[station] == 3
    assert levels.departures[village] == pytest.approx(14)
    assert levels.category[village] == 6
    # a cell 250 m from the station and 600 m from the village stop: class B (III ≤300 m)
    dist = np.array(
        [
            [np.inf, 250.0, np.inf, 600.0],
            [np.inf, np.inf, np.inf, 280.0],
            [np.inf, np.inf, np.inf, 1200.0],
        ]
    )
    classes = oev.place_classes(dist, levels.category[levels.group_of_stop])
    assert classes.tolist() == ["B", "E", ""]


def test_demand_responsive_area_counts_one_departure_per_max_wait():
    assert oev.drt_departures(6 * 3600, 22 * 3600, 3600) == pytest.approx(14)
    assert oev.stop_category("C", oev.drt_departures(8 * 3600, 12 * 3600, 1800)) == 7
