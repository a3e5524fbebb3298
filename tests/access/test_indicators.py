"""Indicators on populations built by hand; every expected figure is worked out in the test.

The toy region: municipality 10 has a core town (district 1, cells c0 and c1) and a village
(district 2, cell c2); municipality 20 has a village (district 3, cell c3) which reaches nothing.

    cell  district kind    muni  people  0-5  30-49  75+   minutes to GP   nearest GP in
    c0    1        core    10    100     10   70     20    5               10
    c1    1        core    10    50      5    40     5     20              20 (across)
    c2    2        village 10    30      0    20     10    12              20 (across)
    c3    3        village 20    20      4    10     6     unreachable     –
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nahraum.access import AccessError
from nahraum.access.indicators import (
    DETOUR_FACTOR,
    Travel,
    compute_indicators,
    grouped_weighted_quantile,
    norm_thresholds,
    who_serves_whom,
    worst_served,
)

BANDS = ["0-5", "30-49", "75+"]
INF = np.inf


@pytest.fixture
def cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "population": [100, 50, 30, 20],
            "0-5": [10, 5, 0, 4],
            "30-49": [70, 40, 20, 10],
            "75+": [20, 5, 10, 6],
            "district_id": [1, 1, 2, 3],
            "municipality_id": [10, 10, 10, 20],
            "area_kind": ["core", "core", "village", "village"],
        }
    )


@pytest.fixture
def facilities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "type_key": ["gp", "gp", "kita", "kita"],
            "capacity": [np.nan, np.nan, 10.0, 6.0],
            "municipality_id": [10, 20, 10, 20],
            "district_id": [1, 3, 1, 3],
        }
    )


def gp_travel(mode: str = "walk") -> Travel:
    minutes = np.array([5.0, 20.0, 12.0, INF])
    return Travel(
        mode, "gp", minutes * 60, np.array([400.0, 1600, 1000, INF]), np.array([0, 1, 1, -1])
    )


GP_NORMS = [
    {
        "type_key": "gp",
        "mode": "walk",
        "max_minutes": 15,
        "max_metres": None,
        "area_kind": "any",
        "age_bands": [],
    },
    {
        "type_key": "gp",
        "mode": "walk",
        "max_minutes": 10,
        "max_metres": None,
        "area_kind": "any",
        "age_bands": ["75+"],
    },
]


def value(values: pd.DataFrame, **where) -> float:
    sel = values
    for k, v in where.items():
        sel = sel[sel[k].isna()] if v is None else sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows for {where}"
    found = sel["value"].iloc[0]
    return None if pd.isna(found) else float(found)


def test_travel_times_weighted_by_people(cells, facilities):
    v = compute_indicators(cells, facilities, [gp_travel()], GP_NORMS, age_bands=BANDS).values
    # District 1: 100 people at 5 min, 50 at 20 min.
    assert value(
        v, level="district", district_id=1, metric="mean_minutes", age_band=""
    ) == pytest.approx((100 * 5 + 50 * 20) / 150)
    # Half of 150 is 75; the 100 people at 5 min already reach it.
    assert value(v, level="district", district_id=1, metric="median_minutes") == 5
    # 90 % of 150 is 135 > 100, so the 90th percentile is the next time, 20 min.
    assert value(v, level="district", district_id=1, metric="p90_minutes") == 20
    # Region: mean over the 180 people who reach a GP; 20 of 200 reach none.
    assert value(v, level="region", metric="mean_minutes", age_band="") == pytest.approx(
        (100 * 5 + 50 * 20 + 30 * 12) / 180
    )
    assert value(v, level="region", metric="share_unreachable") == pytest.approx(20 / 200)
    # 90 % of 200 = 180 is reached exactly by the reachable people, 20 min being the last.
    assert value(v, level="region", metric="p90_minutes") == 20
    # District 3 reaches nothing: no mean, an unreachable median.
    assert value(v, level="district", district_id=3, metric="median_minutes") is None
    assert value(v, level="district", district_id=3, metric="share_unreachable") == 1.0
    # Travel times are reported for everybody; age bands get their shares within the norm.
    assert v[(v.metric == "mean_minutes") & (v.age_band != "")].empty


def test_share_within_norm_in_total_and_per_age_band(cells, facilities):
    v = compute_indicators(cells, facilities, [gp_travel()], GP_NORMS, age_bands=BANDS).values
    # 15 min for everybody: c0 (100) and c2 (30) of 200.
    assert value(v, level="region", metric="share_within_norm", age_band="") == pytest.approx(
        130 / 200
    )
    # 10 min for people aged 75+: only c0's 20 of 41.
    assert value(v, level="region", metric="share_within_norm", age_band="75+") == pytest.approx(
        20 / 41
    )
    # Children 0-5 fall under the general norm: c0's 10 of 19.
    assert value(v, level="region", metric="share_within_norm", age_band="0-5") == pytest.approx(
        10 / 19
    )
    # Municipality 20 (c3) reaches nothing.
    assert (
        value(v, level="municipality", municipality_id=20, metric="share_within_norm", age_band="")
        == 0.0
    )
    # The "population" column says how many people a share is about.
    row = v[
        (v.level == "district")
        & (v.district_id == 1)
        & (v.metric == "share_within_norm")
        & (v.age_band == "75+")
    ]
    assert row["population"].iloc[0] == 25


def test_core_town_vs_villages(cells, facilities):
    v = compute_indicators(cells, facilities, [gp_travel()], GP_NORMS, age_bands=BANDS).values
    core, village = 100 / 150, 30 / 50
    assert value(
        v,
        level="area_kind",
        area_kind="core",
        municipality_id=None,
        metric="share_within_norm",
        age_band="",
    ) == pytest.approx(core)
    assert value(v, level="region", metric="core_village_gap_pp", age_band="") == pytest.approx(
        (core - village) * 100
    )
    assert value(v, level="region", metric="core_village_ratio", age_band="") == pytest.approx(
        village / core
    )
    # Within municipality 10 the village is c2 alone (30 of 30 within 15 min).
    assert value(
        v, level="municipality", municipality_id=10, metric="core_village_gap_pp", age_band=""
    ) == pytest.approx((core - 1.0) * 100)
    # Municipality 20 has no core town: no balance figure for it.
    assert v[(v.metric == "core_village_gap_pp") & (v.municipality_id == 20)].empty


def test_area_kind_norms_apply_per_cell(cells, facilities):
    norms = [
        {"type_key": "gp", "mode": "walk", "max_minutes": 10, "area_kind": "core", "age_bands": []},
        {
            "type_key": "gp",
            "mode": "walk",
            "max_minutes": 15,
            "area_kind": "village",
            "age_bands": [],
        },
    ]
    v = compute_indicators(cells, facilities, [gp_travel()], norms, age_bands=BANDS).values
    # Core: c0 (5 ≤ 10) yes, c1 (20) no; village: c2 (12 ≤ 15) yes, c3 no.
    assert value(v, level="region", metric="share_within_norm", age_band="") == pytest.approx(
        130 / 200
    )
    norms[1]["max_minutes"] = 11
    v = compute_indicators(cells, facilities, [gp_travel()], norms, age_bands=BANDS).values
    assert value(v, level="region", metric="share_within_norm", age_band="") == pytest.approx(
        100 / 200
    )


def test_norm_for_one_area_kind_leaves_the_other_without_a_share(cells, facilities):
    norms = [
        {"type_key": "gp", "mode": "walk", "max_minutes": 10, "area_kind": "core", "age_bands": []}
    ]
    v = compute_indicators(cells, facilities, [gp_travel()], norms, age_bands=BANDS).values
    assert value(
        v, level="district", district_id=1, metric="share_within_norm", age_band=""
    ) == pytest.approx(100 / 150)
    assert (
        value(v, level="district", district_id=2, metric="share_within_norm", age_band="") is None
    )
    # The region's share counts only people a norm speaks of.
    assert value(v, level="region", metric="share_within_norm", age_band="") == pytest.approx(
        100 / 150
    )


def test_metre_norm_and_no_norm(cells, facilities):
    norms = [{"type_key": "gp", "mode": "walk", "max_metres": 1000, "age_bands": []}]
    v = compute_indicators(cells, facilities, [gp_travel()], norms, age_bands=BANDS).values
    # c0 at 400 m and c2 at 1000 m are within 1,000 m.
    assert value(v, level="region", metric="share_within_norm", age_band="") == pytest.approx(
        130 / 200
    )
    v = compute_indicators(cells, facilities, [gp_travel("car")], norms, age_bands=BANDS).values
    assert v[v.metric == "share_within_norm"].empty  # no car norm: no share, not 100 %


def test_across_the_border(cells, facilities):
    ind = compute_indicators(cells, facilities, [gp_travel()], GP_NORMS, age_bands=BANDS)
    v = ind.values
    assert value(v, level="district", district_id=1, metric="cross_border_share") == pytest.approx(
        50 / 150
    )
    assert value(v, level="district", district_id=2, metric="cross_border_share") == 1.0
    assert value(
        v, level="municipality", municipality_id=10, metric="cross_border_share"
    ) == pytest.approx(80 / 180)
    table = who_serves_whom(ind.flows, "walk", "gp")
    assert table.loc[10, 10] == 100 and table.loc[10, 20] == 80
    assert 20 not in table.index  # municipality 20's people reach no GP


def test_capacity_nearest_catchment(cells, facilities):
    # Kita places for children 0-5; each cell belongs to its nearest kita.
    tr = Travel(
        "walk", "kita", np.array([300.0, 600, 900, 600]), np.zeros(4), np.array([2, 2, 3, 3])
    )
    ind = compute_indicators(
        cells, facilities, [tr], [], age_bands=BANDS, demand_bands={"kita": ["0-5"]}
    )
    v = ind.values
    assert ind.methods["walk/kita"] == "nearest_catchment"
    # Kita 2: 10 places for 10 + 5 children; kita 3: 6 places for 0 + 4 children.
    assert value(v, level="district", district_id=1, metric="capacity_per_demand") == pytest.approx(
        10 / 15
    )
    assert value(v, level="district", district_id=3, metric="capacity_per_demand") == pytest.approx(
        6 / 4
    )
    # Every place is counted once: the region's ratio is all places over all children.
    assert value(v, level="region", metric="capacity_per_demand") == pytest.approx(16 / 19)
    assert value(
        v, level="district", district_id=1, metric="capacity_in_unit_per_demand"
    ) == pytest.approx(10 / 15)
    assert value(v, level="district", district_id=2, metric="capacity_in_unit_per_demand") is None


def test_capacity_two_step_floating_catchment(cells, facilities):
    od_minutes = np.array([[5, 30], [10, 14], [40, 8], [16, 9]], dtype=float)
    tr = Travel(
        "walk",
        "kita",
        od_minutes.min(axis=1) * 60,
        np.zeros(4),
        np.array([2, 2, 3, 3]),
        od_time_s=od_minutes * 60,
        od_facility=np.array([2, 3]),
    )
    norms = [{"type_key": "kita", "mode": "walk", "max_minutes": 15, "age_bands": ["0-5"]}]
    ind = compute_indicators(
        cells, facilities, [tr], norms, age_bands=BANDS, demand_bands={"kita": ["0-5"]}
    )
    assert ind.methods["walk/kita"] == "2sfca"
    # Within 15 min: kita 2 ← c0, c1 (15 children); kita 3 ← c1, c2, c3 (5 + 0 + 4 = 9).
    r2, r3 = 10 / 15, 6 / 9
    a = np.array([r2, r2 + r3, r3, r3])
    demand = np.array([10, 5, 0, 4])
    v = ind.values
    assert value(v, level="district", district_id=1, metric="capacity_per_demand") == pytest.approx(
        (demand[:2] @ a[:2]) / 15
    )
    assert value(v, level="region", metric="capacity_per_demand") == pytest.approx(demand @ a / 19)


def test_capacity_left_out_when_some_capacities_are_missing(cells, facilities):
    facilities.loc[3, "capacity"] = np.nan
    tr = Travel("walk", "kita", np.full(4, 60.0), np.zeros(4), np.array([2, 2, 3, 3]))
    ind = compute_indicators(
        cells, facilities, [tr], [], age_bands=BANDS, demand_bands={"kita": ["0-5"]}
    )
    assert ind.values[ind.values.metric == "capacity_per_demand"].empty
    assert "1 of 2 facilities lack a capacity" in ind.notes[0]


def test_straight_mode_falls_back_to_walking_norm_scaled_by_detour():
    kinds = np.array(["core", "village"])
    norms = [
        {"type_key": "x", "mode": "walk", "max_minutes": 10, "max_metres": 1300, "age_bands": []}
    ]
    max_s, max_m, has = norm_thresholds(norms, "x", "straight", kinds, [""])
    assert has.all() and (max_s == 600).all()
    assert max_m[0, 0] == pytest.approx(1300 / DETOUR_FACTOR)
    # A norm of its own for the straight line (BBSR's 1,000 m) wins over the fallback.
    norms.append({"type_key": "x", "mode": "straight", "max_metres": 1000, "age_bands": []})
    max_s, max_m, has = norm_thresholds(norms, "x", "straight", kinds, [""])
    assert (max_m == 1000).all() and np.isinf(max_s).all()


def test_weighted_quantile_by_hand():
    values = np.array([1.0, 2.0, 3.0, 10.0, 4.0])
    weights = np.array([[1, 0], [1, 5], [1, 0], [1, 1], [0, 1]], dtype=float)
    codes = np.array([0, 0, 0, 0, 1])
    med = grouped_weighted_quantile(values, weights, codes, 2, 0.5)
    # Group 0, column 0: weights 1,1,1,1 → half (2) reached at value 2.
    # Column 1: weights 0,5,0,1 → half (3) reached at value 2 already.
    assert med[0].tolist() == [2.0, 2.0]
    # Group 1, column 0 has no weight: NaN; column 1: value 4.
    assert np.isnan(med[1, 0]) and med[1, 1] == 4.0
    assert grouped_weighted_quantile(values, weights[:, 0], codes, 2, 1.0)[0] == 10.0


def test_worst_served_names_unreachable_first():
    rows = worst_served(np.array([60.0, INF, 600, 600, 30]), np.array([5, 3, 10, 20, 0]), n=3)
    assert rows.tolist() == [1, 3, 2]


def test_bad_input_is_named(cells, facilities):
    with pytest.raises(AccessError, match="lacks column"):
        compute_indicators(cells.drop(columns=["75+"]), facilities, [], [], age_bands=BANDS)
    bad = cells.copy()
    bad.loc[2, "area_kind"] = "suburb"
    with pytest.raises(AccessError, match="unknown area kind"):
        compute_indicators(bad, facilities, [], [], age_bands=BANDS)
    short = Travel("walk", "gp", np.zeros(3), np.zeros(3), np.zeros(3, int))
    with pytest.raises(AccessError, match="walk/gp: time_s has 3 values for 4 cells"):
        compute_indicators(cells, facilities, [short], [], age_bands=BANDS)
    bad = cells.copy()
    bad.loc[1, "population"] = -5
    with pytest.raises(AccessError, match="cell row 1"):
        compute_indicators(bad, facilities, [], [], age_bands=BANDS)


def test_field_share_needs_every_norm_of_the_field(cells, facilities):
    pharmacy = Travel(
        "walk", "pharmacy", np.array([20.0, 5, 5, INF]) * 60, np.zeros(4), np.array([0, 0, 1, -1])
    )
    norms = GP_NORMS + [
        {"type_key": "pharmacy", "mode": "walk", "max_minutes": 10, "age_bands": []}
    ]
    v = compute_indicators(
        cells,
        facilities,
        [gp_travel(), pharmacy],
        norms,
        age_bands=BANDS,
        fields={"gp": "health", "pharmacy": "health"},
    ).values
    # c0 reaches a GP (5 min) but no pharmacy within 10 min; c1 no GP within 15 min;
    # only c2 (30 people) meets both norms.
    assert value(
        v, level="region", metric="share_within_all_norms", field_key="health", mode="walk"
    ) == pytest.approx(30 / 200)
    assert value(v, level="district", district_id=2, metric="share_within_all_norms") == 1.0
    # Per-type rows name their field too.
    assert set(v[v.type_key == "gp"]["field_key"]) == {"health"}
