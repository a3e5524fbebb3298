"""Scenarios change a copy of the inputs; the comparison counts who gains and who loses."""

from __future__ import annotations

import datetime as dt

import pytest

from nahraum.analysis.models import AnalysisRun
from nahraum.region.models import Facility
from nahraum.scenarios import services
from nahraum.scenarios.apply import apply_scenario
from nahraum.scenarios.compare import compare_values, gains_and_losses, run_scenario


@pytest.fixture
def closure(region_two_gps):
    scenario = services.create_scenario(region_two_gps, "Praxis Mitte schließt")
    services.add_facility_change(scenario, "close", facility_key="gp-1")
    return scenario


def test_closing_the_only_gp_of_an_ortsteil_moves_exactly_its_people_beyond_the_norm(closure):
    srun = run_scenario(closure, modes=["walk"], facility_types=["gp"])
    result = gains_and_losses(srun.baseline, srun.run)
    gp = next(p for p in result["pairs"] if p["type"] == "gp")
    # A1's 200 people lose their GP within 15 minutes; A2 was beyond, B1 keeps its own GP
    assert gp["newly_beyond_norm"] == 200
    assert gp["newly_within_norm"] == 0
    assert gp["loss_people"] == 200
    assert [d["district"] for d in gp["districts"]] == ["Ahausen-Mitte"]
    assert gp["loss_places"] == 1
    comp = compare_values(srun.baseline, srun.run)
    a1 = comp[(comp["level"] == "district") & (comp["metric"] == "share_within_norm")
              & (comp["facility_type"] == "gp") & (comp["age_band"] == "")
              & (comp["district"] == closure.region.municipalities.get(name="Ahausen")
                 .districts.get(key="A1").pk)]
    assert a1["value_before"].item() == pytest.approx(1.0)
    assert a1["value_after"].item() == pytest.approx(0.0)
    # the region's data is untouched: the practice still exists, the baseline run is separate
    assert Facility.objects.filter(key="gp-1").exists()
    assert srun.baseline.scenario is None and srun.run.scenario == closure


def test_mobile_service_counts_with_its_weekly_weight(region_two_gps):
    from nahraum.analysis.services import load_inputs

    scenario = services.create_scenario(region_two_gps, "Mobile Praxis")
    services.add_mobile_service(
        scenario, type_key="gp", name="Praxisbus Adorf", lat=52.0, lon=8.9146, weekday=1,
        start=dt.time(9), end=dt.time(13), capacity=1.0,
    )
    applied = apply_scenario(scenario, load_inputs(region_two_gps))
    bus = applied.inputs.facilities[applied.inputs.facilities["name"] == "Praxisbus Adorf"]
    assert len(bus) == 1
    assert bus["mobile_weight"].item() == pytest.approx(4 / 40)
    assert bus["capacity"].item() == pytest.approx(0.1)
    assert any("weight 0.100 = 4 h / 40 h" in row["text"] for row in applied.log)


def test_child_scenario_builds_on_its_parent(closure):
    from nahraum.analysis.services import load_inputs

    child = services.create_scenario(closure.region, "… und neue Praxis in Adorf", parent=closure)
    services.add_facility_change(child, "open", type_key="gp", name="Praxis Adorf",
                                 lat=52.0, lon=8.9146)
    applied = apply_scenario(child, load_inputs(closure.region))
    keys = set(applied.inputs.facilities["key"])
    assert "gp-1" not in keys and "gp-2" in keys
    assert sum(k.endswith(":open:" + str(child.facility_changes.get().pk)) for k in keys) == 1
    assert [row["kind"] for row in applied.log] == ["close", "open"]
    assert AnalysisRun.objects.count() == 0  # applying runs nothing
