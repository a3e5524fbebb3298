"""Transfer walks in the journey engine: the two minimal cases of issue 13 item 2, the change
time at a stop, and transfers.txt rules applied (types 1–3, stations), worked by hand.

Stops lie on the x axis; without a street network a walk takes metres × 1.3 / (5 km/h), so
214 m ≈ 200.3 s and 150 m ≈ 140.4 s; B (x = 2,000) and D (x = 2,364) are 364 m apart, beyond a
5-minute transfer walk (≈ 320 m). The cell sits on A, the facility on E (x = 10,000): walking
all the way takes 9,360 s.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from nahraum.access import AccessError
from nahraum.access.gtfs import Timetable, TransferRules
from nahraum.access.transit import TransitParams, prepare, travel_times

WALK = 5.0 / 3.6
DETOUR = 1.3
S_PER_M = DETOUR / WALK
X = np.array([0.0, 2000.0, 2214.0, 2364.0, 10000.0])  # A B C D E
A, B, C, D, E = range(5)
PARAMS = TransitParams(
    window=(1000, 1060), step_s=60, walk_speed_ms=WALK, detour=DETOUR, max_transfer_s=300
)


def timetable(trips, n_stops=5, transfers=None) -> Timetable:
    """``trips``: [(stops, times)] with arrival = departure."""
    lengths = [len(s) for s, _ in trips]
    times = np.concatenate([np.asarray(t) for _, t in trips]).astype(np.int32)
    return Timetable(
        trip_indptr=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        stop=np.concatenate([np.asarray(s) for s, _ in trips]).astype(np.int32),
        arr=times,
        dep=times.copy(),
        trip_route=np.zeros(len(trips), np.int32),
        trip_direction=np.zeros(len(trips), np.int8),
        trip_source=np.arange(len(trips)),
        n_stops=n_stops,
        day=dt.date(2025, 1, 7),
        transfers=transfers,
    )


def journey(tt, params=PARAMS, x=X) -> float:
    prep = prepare(tt, x, np.zeros(len(x)), params=params)
    res = travel_times(prep, np.array([0.0]), np.array([0.0]), {"f": (x[-1:], np.zeros(1))})
    return float(res.best["f"][0])


def test_a_stop_first_reached_on_foot_keeps_its_later_trip_arrival():
    """Round 1: A → B by bus (1,100), walk B → C (1,300.3). Round 2: bus B 1,200 → C 1,400;
    from that arrival one walk C → D (1,540.4) catches the 1,600 bus D → E (2,000): 1,000 s.
    With one label per stop the bus arrival at C (later than the walk) was dropped and the
    walk onward with it: D unreachable, so walking all the way (9,360 s)."""
    tt = timetable(
        [
            ([A, B], [1000, 1100]),
            ([B, C], [1200, 1400]),
            ([D, E], [1600, 2000]),
            ([D, E], [5000, 5400]),
        ]
    )
    assert journey(tt) == pytest.approx(1000.0)


def test_walks_do_not_chain():
    """Round 1: bus A → B (1,100) and bus A → C (1,500). Walking B → C (1,300.3) and on to D
    (1,440.7) would catch the 1,500 bus to E, but that is two walks; from the bus arrival at C
    the walk reaches D at 1,640.4: the 5,000 bus, arriving 5,400 (4,400 s). With one label the
    second walk started from C's walk arrival: 1,000 s, too early."""
    tt = timetable(
        [
            ([A, B], [1000, 1100]),
            ([A, C], [1000, 1500]),
            ([D, E], [1500, 2000]),
            ([D, E], [5000, 5400]),
        ]
    )
    assert journey(tt) == pytest.approx(4400.0)


def _change_at_c(min_change_s=0.0, transfers=None):
    """Bus A → C arrives 1,400; buses C → E leave 1,400, 1,500 and 2,000 (arriving 1,900,
    2,000, 2,500)."""
    tt = timetable(
        [
            ([A, C], [1000, 1400]),
            ([C, E], [1400, 1900]),
            ([C, E], [1500, 2000]),
            ([C, E], [2000, 2500]),
        ],
        transfers=transfers,
    )
    params = TransitParams(
        window=(1000, 1060), walk_speed_ms=WALK, detour=DETOUR, min_change_s=min_change_s
    )
    return journey(tt, params)


def rules(*rows) -> TransferRules:
    a = np.array(rows, np.int64).reshape(-1, 4)
    return TransferRules(a[:, 0], a[:, 1], a[:, 2], a[:, 3])


def test_change_time_at_a_stop():
    assert _change_at_c() == pytest.approx(900.0)  # the bus waiting at 1,400
    assert _change_at_c(min_change_s=60) == pytest.approx(1000.0)  # the 1,500 bus
    # transfers.txt: type 2 at C (180 s) → 1,580 → the 2,000 bus; type 1 (timed) overrides
    # min_change_s; type 3: no change at C at all (walking is all that is left)
    assert _change_at_c(60, rules((C, C, 2, 180))) == pytest.approx(1500.0)
    assert _change_at_c(60, rules((C, C, 1, -1))) == pytest.approx(900.0)
    assert _change_at_c(0, rules((C, C, 3, -1))) == pytest.approx(10000 * S_PER_M)


def _walk_b_to_c(transfers=None, x=X):
    """Bus A → B arrives 1,100; buses C → E leave 1,250, 1,400 and 1,700 (arriving 1,650,
    1,800, 2,100); B → C is 214 m (200.3 s)."""
    tt = timetable(
        [
            ([A, B], [1000, 1100]),
            ([C, E], [1250, 1650]),
            ([C, E], [1400, 1800]),
            ([C, E], [1700, 2100]),
        ],
        transfers=transfers,
    )
    return journey(tt, x=x)


def test_transfers_txt_between_stops():
    assert _walk_b_to_c() == pytest.approx(800.0)  # walk arrives 1,300.3: the 1,400 bus
    assert _walk_b_to_c(rules((B, C, 0, -1))) == pytest.approx(800.0)  # recommended: as usual
    assert _walk_b_to_c(rules((B, C, 1, -1))) == pytest.approx(650.0)  # timed: 0 s, 1,250
    assert _walk_b_to_c(rules((B, C, 2, 60))) == pytest.approx(800.0)  # max(walk, 60 s)
    assert _walk_b_to_c(rules((B, C, 2, 400))) == pytest.approx(1100.0)  # 1,500: the 1,700
    assert _walk_b_to_c(rules((B, C, 3, -1))) == pytest.approx(10000 * S_PER_M)  # no walk
    assert _walk_b_to_c(rules((C, B, 3, -1))) == pytest.approx(800.0)  # rules have a direction
    # C 600 m from B: no transfer walk, unless a type 2 row says the change can be made;
    # then the street walk (561.6 s, longer than the minimum time) counts: 1,661.6 → 1,700
    far = X.copy()
    far[C] = 2600.0
    assert _walk_b_to_c(x=far) == pytest.approx(10000 * S_PER_M)
    assert _walk_b_to_c(rules((B, C, 2, 100)), x=far) == pytest.approx(1100.0)


def test_bad_stop_arrays_are_named():
    tt = timetable([([A, B], [1000, 1100])])
    with pytest.raises(AccessError, match="stop_x"):
        prepare(tt, X[:3], np.zeros(5), params=PARAMS)
    with pytest.raises(AccessError, match="stop_y"):
        prepare(tt, X, np.zeros(4), params=PARAMS)
