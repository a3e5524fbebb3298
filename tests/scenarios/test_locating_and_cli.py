"""Location planning on region data, and the `nahraum scenario` commands with --json."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nahraum.cli import main
from nahraum.scenarios import locating
from nahraum.scenarios.models import FacilityChange, Scenario


def test_max_coverage_for_the_75_plus_picks_the_village_without_a_gp(tiny_region):
    from nahraum.analysis.services import load_inputs

    inputs = load_inputs(tiny_region)
    candidates = locating.parse_candidates(
        "Adorf Mitte; 52.0; 8.9146\nBedorf Mitte; 52.0; 8.9292\nKöln; 50.93; 6.95"
    )
    problem = locating.build_problem(
        tiny_region,
        inputs,
        type_key="gp",
        method="max_coverage",
        k=1,
        target_bands=["75+"],
        candidates=candidates,
    )
    assert [c.name for c in problem.candidates] == ["Adorf Mitte", "Bedorf Mitte"]
    assert any("outside the region" in n for n in problem.notes)
    result = locating.solve_problem(problem)
    # A1's 20 people aged 75+ already have their GP; Adorf and Bedorf have 10 each, and a site
    # in either village reaches only its own (1 km ≈ 15.6 min > 15 min)
    assert result.objective == 10
    assert result.already_served_weight == 20
    assert result.gap == 0


def test_locate_command_json_and_make_scenario(tiny_region, tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text("Adorf Mitte; 52.0; 8.9146\nBedorf Mitte; 52.0; 8.9292\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "scenario",
            "locate",
            "--type",
            "gp",
            "--method",
            "p_median",
            "--k",
            "1",
            "--candidates",
            str(sites),
            "--make-scenario",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["method"] == "p_median" and data["gap"] == 0 and data["status"] == "optimal"
    assert data["greedy"]["objective"] >= data["objective"]
    scenario = Scenario.objects.get(pk=data["scenario"])
    change = scenario.facility_changes.get()
    assert change.action == FacilityChange.Action.OPEN and change.name == data["sites"][0]["name"]


def test_locate_command_refuses_a_list_without_valid_sites(tiny_region, tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text("Köln; 50.93; 6.95\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "scenario",
            "locate",
            "--type",
            "gp",
            "--method",
            "max_coverage",
            "--k",
            "1",
            "--candidates",
            str(sites),
            "--make-scenario",
        ],
    )
    assert result.exit_code == 1
    assert "no valid candidate site" in result.output
    assert Scenario.objects.count() == 0


def test_scenario_commands_create_change_run_compare(region_two_gps):
    runner = CliRunner()

    def call(*args: str) -> dict:
        res = runner.invoke(main, ["scenario", *args, "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.output)

    sid = str(call("create", "Schließung")["id"])
    call("add-facility", sid, "--action", "close", "--facility", "gp-1")
    shown = call(
        "add-mobile",
        sid,
        "--type",
        "gp",
        "--name",
        "Praxisbus",
        "--lat",
        "52.0",
        "--lon",
        "8.9",
        "--weekday",
        "mi",
        "--from",
        "08:00",
        "--until",
        "10:00",
    )
    assert shown["mobile_services"][0]["weight"] == pytest.approx(2 / 40)
    ran = call("run", sid, "--mode", "walk", "--type", "gp")
    gp = next(p for p in ran["gains_and_losses"] if p["type"] == "gp")
    # the bus stands where the practice was: same place, nobody crosses the norm
    assert gp["newly_beyond_norm"] == 0
    compared = call("compare", sid)
    assert compared["before"] == ran["baseline"] and compared["after"] == ran["run"]
    bad = runner.invoke(main, ["scenario", "add-projection", sid, "--target-year", "1999"])
    assert bad.exit_code == 1 and "lies in the past" in bad.output
    effect = call("effect", sid)
    assert effect["run"] == ran["run"]
