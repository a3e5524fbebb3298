"""run_analysis on the hand-built tiny region: stored figures, labels, and all-or-nothing storage.

The tiny region has no street network, so every figure is a straight-line estimate; expected
values are worked out here from the cells' projected coordinates, the detour factor and the
walking speed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nahraum.access import AccessError
from nahraum.access.indicators import DETOUR_FACTOR, STRAIGHT_SPEED_KMH
from nahraum.access.projection import to_utm
from nahraum.analysis import services
from nahraum.analysis.models import AnalysisRun, CellResults, CrossBorderFlow, IndicatorValue
from nahraum.region.models import District, Municipality


def straight_minutes(lon_a: float, lon_b: float, lat: float = 52.0) -> float:
    x, y = to_utm(np.array([lon_a, lon_b]), np.array([lat, lat]))
    metres = float(np.hypot(x[1] - x[0], y[1] - y[0]))
    return metres * DETOUR_FACTOR / (STRAIGHT_SPEED_KMH / 3.6) / 60


def stored(run, **where) -> float | None:
    qs = IndicatorValue.objects.filter(run=run, **where)
    assert qs.count() == 1, f"{qs.count()} values for {where}"
    return qs.get().value


def test_run_stores_labelled_straight_line_figures(tiny_region):
    run = services.run_analysis(tiny_region, modes=["walk"])
    assert run.status == "done" and run.is_estimate
    assert run.parameters["modes"] == ["straight"]
    assert "no street network for walk" in run.parameters["notes"][0]
    assert {"load", "route", "indicators", "store", "total"} <= set(run.timings)
    assert {"db:cells", "db:facilities", "db:norms"} <= set(run.input_checksums)
    assert set(IndicatorValue.objects.filter(run=run).values_list("mode", flat=True)) == {
        "straight"
    }
    assert not IndicatorValue.objects.filter(run=run, is_estimate=False).exists()

    a1, a2, b1 = (District.objects.get(key=k) for k in ("A1", "A2", "B1"))
    to_a2 = straight_minutes(8.9, 8.9146)
    to_b1 = straight_minutes(8.9, 8.9292)
    assert to_a2 > 15  # 1 km × 1.3 at 5 km/h is 15.6 min: beyond the 15-minute walking norm
    gp = {"facility_type__key": "gp", "mode": "straight"}
    assert stored(
        run, level="district", district=a2, metric="mean_minutes", age_band="", **gp
    ) == pytest.approx(to_a2, rel=1e-6)
    assert stored(run, level="region", metric="mean_minutes", age_band="", **gp) == pytest.approx(
        (200 * 0 + 100 * to_a2 + 100 * to_b1) / 400, rel=1e-6
    )
    # Only Ahausen-Mitte's 200 of 400 people live within the GP norm.
    assert stored(run, level="region", metric="share_within_norm", age_band="", **gp) == 0.5
    # Core town 100 %, villages 0 %: a gap of 100 points.
    assert stored(run, level="region", metric="core_village_gap_pp", age_band="", **gp) == 100
    # Bedorf's people have their nearest GP in Ahausen.
    assert stored(run, level="district", district=b1, metric="cross_border_share", **gp) == 1.0
    ahausen, bedorf = (
        Municipality.objects.get(name="Ahausen"),
        Municipality.objects.get(name="Bedorf"),
    )
    flow = CrossBorderFlow.objects.get(run=run, facility_type__key="gp", home=bedorf)
    assert flow.serving == ahausen and flow.people == 100
    # The only kita (40 places, in Bedorf) serves all 40 children aged 0-5: one place each.
    kita = {"facility_type__key": "kita", "mode": "straight"}
    for d in (a1, a2, b1):
        assert (
            stored(run, level="district", district=d, metric="capacity_per_demand", **kita) == 1.0
        )
    assert stored(run, level="district", district=a1, metric="cross_border_share", **kita) == 1.0

    cells = services.unpack_cells(run)
    assert sorted(cells["cell_key"]) == ["cell-A1", "cell-A2", "cell-B1"]
    row = list(cells["pairs"]).index("straight/gp")
    i = list(cells["cell_key"]).index("cell-B1")
    assert cells["time_s"][row, i] / 60 == pytest.approx(to_b1, rel=1e-5)
    assert cells["facility_key"][cells["facility"][row, i]] == "gp-1"


def test_failed_run_leaves_nothing_stored(tiny_region):
    calls = []

    def interrupt(done: int, total: int, step: str = "") -> None:
        calls.append(step)
        if step == "store":  # after the first batch of values has been written
            raise KeyboardInterrupt("stopped by the user")

    with pytest.raises(KeyboardInterrupt):
        services.run_analysis(tiny_region, modes=["walk"], progress=interrupt)
    assert "store" in calls
    assert AnalysisRun.objects.count() == 0
    assert IndicatorValue.objects.count() == 0
    assert CellResults.objects.count() == 0 and CrossBorderFlow.objects.count() == 0


def test_bad_modes_and_types_are_named(tiny_region):
    with pytest.raises(AccessError, match="unknown mode 'boat'; known: walk, bike, car"):
        services.run_analysis(tiny_region, modes=["boat"])
    with pytest.raises(AccessError, match="unknown facility type.*'spa'"):
        services.run_analysis(tiny_region, modes=["walk"], facility_types=["gp", "spa"])
    assert AnalysisRun.objects.count() == 0


def test_scenario_inputs_and_registered_mode(tiny_region):
    inputs = services.load_inputs(tiny_region)
    changed = inputs.copy()
    # Open a GP practice in Bedorf: its people are then served at home.
    row = changed.facilities.index[changed.facilities["key"] == "gp-1"][0]
    new = changed.facilities.loc[[row]].copy()
    new["key"], new["x"] = (
        "gp-new",
        changed.cells.loc[changed.cells["key"] == "cell-B1", "x"].iloc[0],
    )
    new["municipality_id"] = changed.cells.loc[
        changed.cells["key"] == "cell-B1", "municipality_id"
    ].iloc[0]
    changed.facilities = pd.concat([changed.facilities, new], ignore_index=True)
    res = services.run_analysis(
        tiny_region, inputs=changed, modes=["walk"], facility_types=["gp"], store=False
    )
    v = res.values
    share = v[(v.level == "region") & (v.metric == "share_within_norm") & (v.age_band == "")]
    assert share["value"].iloc[0] == 0.75  # A1 and B1 (300 of 400) now within the norm
    assert len(inputs.facilities) == 3  # the original inputs are untouched
    assert AnalysisRun.objects.count() == 0

    def slow_bus(inp, type_keys):
        return {k: np.full(len(inp.cells), 20 * 60.0) for k in type_keys}

    services.register_mode("testbus", slow_bus)
    try:
        run = services.run_analysis(tiny_region, modes=["testbus"], facility_types=["gp"])
    finally:
        services.unregister_mode("testbus")
    assert (
        stored(
            run,
            level="region",
            metric="mean_minutes",
            age_band="",
            mode="testbus",
            facility_type__key="gp",
        )
        == 20
    )
    # The tiny region has no norm for the new mode: no share is claimed.
    assert not IndicatorValue.objects.filter(run=run, metric="share_within_norm").exists()
