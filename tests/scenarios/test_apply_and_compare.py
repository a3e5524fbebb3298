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
    a1 = comp[
        (comp["level"] == "district")
        & (comp["metric"] == "share_within_norm")
        & (comp["facility_type"] == "gp")
        & (comp["age_band"] == "")
        & (
            comp["district"]
            == closure.region.municipalities.get(name="Ahausen").districts.get(key="A1").pk
        )
    ]
    assert a1["value_before"].item() == pytest.approx(1.0)
    assert a1["value_after"].item() == pytest.approx(0.0)
    # the region's data is untouched: the practice still exists, the baseline run is separate
    assert Facility.objects.filter(key="gp-1").exists()
    assert srun.baseline.scenario is None and srun.run.scenario == closure


def test_mobile_service_counts_with_its_weekly_weight(region_two_gps):
    from nahraum.analysis.services import load_inputs

    scenario = services.create_scenario(region_two_gps, "Mobile Praxis")
    services.add_mobile_service(
        scenario,
        type_key="gp",
        name="Praxisbus Adorf",
        lat=52.0,
        lon=8.9146,
        weekday=1,
        start=dt.time(9),
        end=dt.time(13),
        capacity=1.0,
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
    services.add_facility_change(
        child, "open", type_key="gp", name="Praxis Adorf", lat=52.0, lon=8.9146
    )
    applied = apply_scenario(child, load_inputs(closure.region))
    keys = set(applied.inputs.facilities["key"])
    assert "gp-1" not in keys and "gp-2" in keys
    assert sum(k.endswith(":open:" + str(child.facility_changes.get().pk)) for k in keys) == 1
    assert [row["kind"] for row in applied.log] == ["close", "open"]
    assert AnalysisRun.objects.count() == 0  # applying runs nothing


def test_projection_uses_area_rates_and_defaults_from_the_region(tiny_region):
    from django.utils import timezone

    from nahraum.analysis.services import load_inputs
    from nahraum.region.models import Municipality

    Municipality.objects.filter(name="Ahausen").update(annual_growth_rate=-0.01)
    scenario = services.create_scenario(tiny_region, "2035")
    year = timezone.now().year
    # Bedorf's village B1 grows by 2 % a year (district row); Ahausen keeps the region default
    services.set_projection(
        scenario,
        year + 10,
        base_year=year,
        rates={"B1": 0.02},
        birth_rate=0.0,
        top_band_mortality=0.0,
    )
    applied = apply_scenario(scenario, load_inputs(tiny_region))
    cells = applied.inputs.cells.set_index("key")
    assert cells.loc["cell-A1", "population"] == pytest.approx(200 * 0.99**10)
    assert cells.loc["cell-A2", "population"] == pytest.approx(100 * 0.99**10)
    assert cells.loc["cell-B1", "population"] == pytest.approx(100 * 1.02**10)
    # ageing: the 20 children aged 0-5 of A1 lose 1/6 a year to the 6-9 band (no births):
    # after 10 years (5/6)^10 of them are left, before the scaling to the shrunk total
    aged = 20 * (5 / 6) ** 10
    total_before_scaling = 200.0  # no deaths, no births: ageing keeps the total
    scale = 200 * 0.99**10 / total_before_scaling
    assert cells.loc["cell-A1", "0-5"] == pytest.approx(aged * scale)
    rates = {r["area"]: r for r in applied.log[0]["growth_rates"]}
    assert rates["Ahausen"]["annual_rate"] == -0.01 and rates["Ahausen"]["source"] == "region data"
    assert rates["Bedorf"]["annual_rate"] == 0.02 and rates["Bedorf"]["level"] == "district"


def test_speed_change_scales_network_times(tiny_region):
    import numpy as np

    from nahraum.access.network import network_from_edges
    from nahraum.analysis.services import load_inputs

    base = load_inputs(tiny_region)
    base.networks["car"] = network_from_edges(
        np.array([0.0, 1000.0]),
        np.array([0.0, 0.0]),
        np.array([0]),
        np.array([1]),
        np.array([1000.0]),
        mode="car",
        speed_kmh=50,
    )
    scenario = services.create_scenario(tiny_region, "Tempo 30")
    services.add_transport_change(scenario, "speed", mode="car", speed_factor=0.6)
    applied = apply_scenario(scenario, base)
    np.testing.assert_allclose(
        applied.inputs.networks["car"].time_s, base.networks["car"].time_s / 0.6
    )
    assert base.networks["car"].time_s[0] == pytest.approx(1000 / (50 / 3.6))  # baseline untouched


def test_demand_responsive_service_gives_trips_inside_its_area(region_two_gps):
    from nahraum.analysis.services import load_inputs
    from nahraum.scenarios.drt import drt_travel

    scenario = services.create_scenario(region_two_gps, "Rufbus Bedorf")
    services.add_transport_change(
        scenario, "drt", district_keys=["A2", "B1"], wait_minutes=20, detour_factor=1.5
    )
    applied = apply_scenario(scenario, load_inputs(region_two_gps))
    got = drt_travel(applied.inputs, ["gp"])["gp"]
    cells = list(applied.inputs.cells["key"])
    # A1 lies outside the service area; B1's GP is inside it and reached after the waiting time
    assert got["time_s"][cells.index("cell-A1")] == float("inf")
    assert got["time_s"][cells.index("cell-B1")] == pytest.approx(20 * 60)
    # A2 → Praxis Bedorf: 1 km straight × 1.3 at 40 km/h, × 1.5 ride factor, + 20 min
    d = got["time_s"][cells.index("cell-A2")]
    assert d == pytest.approx(20 * 60 + 1.5 * 1.3 * 1000 / (40 / 3.6), rel=0.02)


def test_comparison_page_shows_projected_people_and_assumptions(client, tiny_region, planner):
    from django.utils import timezone

    scenario = services.create_scenario(tiny_region, "Alterung")
    year = timezone.now().year
    services.set_projection(scenario, year + 10, base_year=year, rates={"05766999": -0.02})
    run_scenario(scenario, modes=["walk"], facility_types=["gp"])
    page = client.get(f"/en/scenarios/{scenario.pk}/compare/").content.decode()
    assert 'id="population-table"' in page
    assert f"{year} → {year + 10}" in page
    assert "-0.02 (scenario)" in page  # the rate and where it came from
    # 200 people of Ahausen-Mitte shrink by 2 % a year: 200 · 0.98^10 ≈ 163
    assert '<td class="num">163</td>' in page
    de = client.get(f"/de/scenarios/{scenario.pk}/compare/").content.decode()
    assert "Menschen je Ortsteil" in de


def test_quick_check_on_the_editor_page(client, closure, planner):
    client.force_login(planner)
    page = client.get(f"/en/scenarios/{closure.pk}/?quick_type=gp&quick_mode=walk").content.decode()
    assert 'class="quick-table"' in page
    # Ahausen-Mitte's 200 of 400 people lose the GP within the norm: 75 % → 25 %
    from nahraum.scenarios.compare import quick_check

    rows = {r["metric"]: r for r in quick_check(closure, "gp")["rows"]}
    assert rows["share_within_norm"]["before"] == pytest.approx(0.75)
    assert rows["share_within_norm"]["after"] == pytest.approx(0.25)
    assert client.get(f"/en/scenarios/{closure.pk}/?quick_type=boat").status_code == 200


def test_a_demand_responsive_service_runs_as_its_own_mode(region_two_gps):
    scenario = services.create_scenario(region_two_gps, "Rufbus")
    services.add_transport_change(scenario, "drt", district_keys=["A2", "B1"], wait_minutes=15)
    srun = run_scenario(scenario, modes=["walk"], facility_types=["gp"])
    assert "drt" in srun.run.parameters["modes"] and "drt" not in srun.baseline.parameters["modes"]
    pairs = {(p["mode"], p["type"]): p for p in gains_and_losses(srun.baseline, srun.run)["pairs"]}
    # Adorf (100) and Bedorf (100) get a trip they did not have; Ahausen-Mitte lies outside
    assert pairs[("drt", "gp")]["gain_people"] == 200
    walk = pairs[("straight", "gp")]  # no street network in the tiny region: the estimate
    assert walk["gain_people"] == 0 and walk["loss_people"] == 0
