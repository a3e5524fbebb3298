"""``nahraum scenario …``: build, run and compare scenarios, and plan locations, from the shell.

Every command takes ``--json`` and prints machine-readable output; bad input ends with exit
code 1 and a message naming the field, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from nahraum.bootstrap import setup_django

WEEKDAYS = {
    "mo": 0,
    "tu": 1,
    "di": 1,
    "we": 2,
    "mi": 2,
    "th": 3,
    "do": 3,
    "fr": 4,
    "sa": 5,
    "su": 6,
    "so": 6,
}


def _errors(fn: Callable) -> Callable:
    """Turn validation and engine errors into a clean message and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        setup_django()
        from django.core.exceptions import ValidationError

        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            if hasattr(exc, "message_dict"):
                text = "; ".join(
                    " ".join(v) if k == "__all__" else f"{k}: {' '.join(v)}"
                    for k, v in exc.message_dict.items()
                )
            else:
                text = " ".join(exc.messages)
            raise click.ClickException(text) from exc
        except ValueError as exc:  # AccessError and friends
            raise click.ClickException(str(exc)) from exc

    return wrapper


def _echo(data: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(
            text
            if text is not None
            else json.dumps(data, ensure_ascii=False, indent=2, default=str)
        )


def _region(slug: str | None):
    from nahraum.region.models import Region

    qs = Region.objects.all()
    region = qs.filter(slug=slug).first() if slug else qs.order_by("pk").first()
    if region is None:
        raise click.ClickException(f"no region {slug!r}" if slug else "no region loaded yet")
    return region


def _scenario(scenario_id: int):
    from .models import Scenario

    scenario = Scenario.objects.filter(pk=scenario_id).select_related("region").first()
    if scenario is None:
        raise click.ClickException(f"no scenario #{scenario_id}")
    return scenario


def _time(value: str) -> dt.time:
    try:
        return dt.datetime.strptime(value, "%H:%M").time()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a time HH:MM") from exc


@click.group("scenario")
def scenario_group() -> None:
    """Szenarien und Standortplanung / scenarios and location planning."""


@scenario_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@_errors
def list_cmd(as_json: bool) -> None:
    """List the scenarios."""
    from .models import Scenario

    rows = [
        {
            "id": s.pk,
            "name": s.name,
            "region": s.region.slug,
            "parent": s.parent_id,
            "created": s.created.isoformat(),
            "runs": s.scenario_runs.count(),
        }
        for s in Scenario.objects.select_related("region")
    ]
    _echo(
        rows,
        as_json,
        "\n".join(f"#{r['id']:<4} {r['name']} ({r['region']})" for r in rows) or "no scenarios",
    )


@scenario_group.command("create")
@click.argument("name")
@click.option("--description", default="")
@click.option("--parent", "parent_id", type=int, default=None, help="Build on this scenario.")
@click.option("--region", "region_slug", default=None)
@click.option(
    "--municipality",
    "municipality_ags",
    default=None,
    help="AGS of the municipality that owns it (default: joint, the project office).",
)
@click.option("--json", "as_json", is_flag=True)
@_errors
def create_cmd(
    name: str,
    description: str,
    parent_id: int | None,
    region_slug: str | None,
    municipality_ags: str | None,
    as_json: bool,
) -> None:
    """Create an empty scenario."""
    from .services import create_scenario, describe, scenario_municipality

    parent = _scenario(parent_id) if parent_id else None
    region = parent.region if parent and not region_slug else _region(region_slug)
    scenario = create_scenario(
        region,
        name,
        description=description,
        parent=parent,
        municipality=scenario_municipality(region, municipality_ags),
    )
    _echo(describe(scenario), as_json, f"scenario #{scenario.pk} created")


@scenario_group.command("delete")
@click.argument("scenario_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@_errors
def delete_cmd(scenario_id: int, as_json: bool) -> None:
    """Delete a scenario with its changes and runs (refused while others build on it)."""
    from .services import delete_scenario

    scenario = _scenario(scenario_id)
    delete_scenario(scenario)
    _echo({"deleted": scenario_id}, as_json, f"scenario #{scenario_id} deleted")


@scenario_group.command("show")
@click.argument("scenario_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@_errors
def show_cmd(scenario_id: int, as_json: bool) -> None:
    """Show everything a scenario changes."""
    from .services import describe

    _echo(describe(_scenario(scenario_id)), as_json)


@scenario_group.command("add-projection")
@click.argument("scenario_id", type=int)
@click.option("--target-year", type=int, required=True)
@click.option("--base-year", type=int, default=None, help="Default: the year of the data.")
@click.option(
    "--rate",
    "rates",
    multiple=True,
    help="AREA=RATE, area an AGS or a district key, rate a fraction per year (-0.004).",
)
@click.option("--no-ageing", is_flag=True, help="Keep the age structure (no cohort ageing).")
@click.option("--birth-rate", type=float, default=None)
@click.option("--mortality-75", "mortality", type=float, default=None)
@click.option("--json", "as_json", is_flag=True)
@_errors
def add_projection_cmd(
    scenario_id, target_year, base_year, rates, no_ageing, birth_rate, mortality, as_json
) -> None:
    """Project the population to a target year (growth rates, cohort ageing)."""
    from django.core.exceptions import ValidationError

    from .services import describe, set_projection

    parsed: dict[str, float] = {}
    for item in rates:
        area, sep, value = item.partition("=")
        try:
            parsed[area.strip()] = float(value)
        except ValueError as exc:
            raise ValidationError(
                f"--rate {item!r}: expected AREA=RATE, e.g. 05766044=-0.004"
            ) from exc
        if not sep:
            raise ValidationError(f"--rate {item!r}: expected AREA=RATE")
    scenario = _scenario(scenario_id)
    set_projection(
        scenario,
        target_year,
        base_year=base_year,
        rates=parsed,
        cohort_ageing=not no_ageing,
        birth_rate=birth_rate,
        top_band_mortality=mortality,
    )
    _echo(describe(scenario), as_json, "projection set")


@scenario_group.command("add-facility")
@click.argument("scenario_id", type=int)
@click.option("--action", type=click.Choice(["close", "open", "move", "capacity"]), required=True)
@click.option("--facility", "facility_key", default=None, help="Key of the existing facility.")
@click.option("--type", "type_key", default=None, help="Type of a new facility.")
@click.option("--name", default="")
@click.option("--lat", type=float, default=None)
@click.option("--lon", type=float, default=None)
@click.option("--capacity", type=float, default=None)
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@_errors
def add_facility_cmd(
    scenario_id, action, facility_key, type_key, name, lat, lon, capacity, note, as_json
) -> None:
    """Close, open, move a facility or change its capacity."""
    from .services import add_facility_change, describe

    scenario = _scenario(scenario_id)
    add_facility_change(
        scenario,
        action,
        facility_key=facility_key,
        type_key=type_key,
        name=name,
        lat=lat,
        lon=lon,
        capacity=capacity,
        note=note,
    )
    _echo(describe(scenario), as_json, f"{action} added")


@scenario_group.command("add-mobile")
@click.argument("scenario_id", type=int)
@click.option("--type", "type_key", required=True)
@click.option("--name", required=True)
@click.option("--lat", type=float, required=True)
@click.option("--lon", type=float, required=True)
@click.option("--weekday", required=True, help="0–6 or mo, tu/di, we/mi, th/do, fr, sa, su/so")
@click.option("--from", "start", required=True, help="HH:MM")
@click.option("--until", "end", required=True, help="HH:MM")
@click.option("--capacity", type=float, default=None)
@click.option("--json", "as_json", is_flag=True)
@_errors
def add_mobile_cmd(
    scenario_id, type_key, name, lat, lon, weekday, start, end, capacity, as_json
) -> None:
    """Add a stop of a mobile service (weight = weekly hours / 40)."""
    from .services import add_mobile_service, describe

    day = WEEKDAYS.get(weekday.lower()[:2]) if not weekday.isdigit() else int(weekday)
    if day is None or not 0 <= day <= 6:
        raise click.BadParameter(f"unknown weekday {weekday!r}", param_hint="--weekday")
    scenario = _scenario(scenario_id)
    add_mobile_service(
        scenario,
        type_key=type_key,
        name=name,
        lat=lat,
        lon=lon,
        weekday=day,
        start=_time(start),
        end=_time(end),
        capacity=capacity,
    )
    _echo(describe(scenario), as_json, "mobile stop added")


@scenario_group.command("add-transport")
@click.argument("scenario_id", type=int)
@click.option("--kind", type=click.Choice(["speed", "drt"]), required=True)
@click.option("--mode", default="car")
@click.option("--factor", "speed_factor", type=float, default=None, help="speed × factor")
@click.option("--district", "districts", multiple=True, help="District key (service area).")
@click.option("--wait", "wait_minutes", type=float, default=None, help="minutes")
@click.option("--detour", "detour_factor", type=float, default=1.3)
@click.option("--json", "as_json", is_flag=True)
@_errors
def add_transport_cmd(
    scenario_id, kind, mode, speed_factor, districts, wait_minutes, detour_factor, as_json
) -> None:
    """Change travel speeds, or add a demand-responsive service area."""
    from .services import add_transport_change, describe

    scenario = _scenario(scenario_id)
    add_transport_change(
        scenario,
        kind,
        mode=mode,
        speed_factor=speed_factor,
        district_keys=list(districts),
        wait_minutes=wait_minutes,
        detour_factor=detour_factor,
    )
    _echo(describe(scenario), as_json, f"{kind} change added")


@scenario_group.command("add-bus-line")
@click.argument("scenario_id", type=int)
@click.option("--name", required=True, help="Line name, e.g. 'Bus 799'.")
@click.option(
    "--stop",
    "stops",
    multiple=True,
    help="A stop 'NAME;LAT;LON' (or 'LAT;LON'), in order; repeat for each stop.",
)
@click.option(
    "--stops-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A file with one stop a line: name; latitude; longitude.",
)
@click.option("--headway", "headway_min", type=int, required=True, help="minutes between buses")
@click.option("--first", "first_departure", required=True, help="first departure HH:MM")
@click.option("--last", "last_departure", required=True, help="last departure HH:MM")
@click.option("--one-direction", is_flag=True, help="Only from the first to the last stop.")
@click.option(
    "--car-time-factor",
    type=float,
    default=None,
    help="running time = car time × factor (default 1.3)",
)
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@_errors
def add_bus_line_cmd(
    scenario_id,
    name,
    stops,
    stops_file,
    headway_min,
    first_departure,
    last_departure,
    one_direction,
    car_time_factor,
    note,
    as_json,
) -> None:
    """Add a new bus line: stops in order, headway, first and last departure."""
    from pathlib import Path

    from .services import add_bus_line, describe, parse_stops

    text = "\n".join(stops)
    if stops_file:
        text += "\n" + Path(stops_file).read_text(encoding="utf-8")
    scenario = _scenario(scenario_id)
    add_bus_line(
        scenario,
        name=name,
        stops=parse_stops(text),
        headway_min=headway_min,
        first_departure=_time(first_departure),
        last_departure=_time(last_departure),
        both_directions=not one_direction,
        car_time_factor=car_time_factor,
        note=note,
    )
    _echo(describe(scenario), as_json, f"bus line {name} added")


@scenario_group.command("run")
@click.argument("scenario_id", type=int)
@click.option("--mode", "modes", multiple=True, help="walk, bike, car (default: all three)")
@click.option("--type", "types", multiple=True, help="Facility types (default: all).")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--background",
    is_flag=True,
    help="Run it as a job in the worker (progress shown here; Ctrl-C leaves it running).",
)
@_errors
def run_cmd(scenario_id: int, modes, types, as_json: bool, background: bool) -> None:
    """Run the scenario through the engine and compare it with the baseline."""
    from .compare import gains_and_losses, run_scenario
    from .models import ScenarioRun

    scenario = _scenario(scenario_id)
    if background:
        from nahraum.jobs.commands import start_and_watch

        from .jobs import RUN

        params = {"scenario": scenario.pk, "modes": sorted(modes), "types": sorted(types)}
        job = start_and_watch(RUN, params)
        srun = ScenarioRun.objects.select_related("run", "baseline").get(
            pk=job.result["scenario_run"]
        )
    else:
        srun = run_scenario(scenario, modes=list(modes) or None, facility_types=list(types) or None)
    gl = gains_and_losses(srun.baseline, srun.run)
    data = {
        "scenario": scenario.pk,
        "run": srun.run_id,
        "baseline": srun.baseline_id,
        "timings": srun.run.timings,
        "log": srun.log,
        "gains_and_losses": [{k: v for k, v in p.items() if k != "cells"} for p in gl["pairs"]],
    }
    lines = [f"run #{srun.run_id} (baseline #{srun.baseline_id})"]
    for p in gl["pairs"]:
        if p["gain_people"] or p["loss_people"]:
            lines.append(
                f"  {p['mode']}/{p['type']}: +{p['gain_people']:.0f} faster, "
                f"−{p['loss_people']:.0f} slower; newly within norm {p['newly_within_norm']:.0f},"
                f" newly beyond {p['newly_beyond_norm']:.0f}"
            )
    _echo(data, as_json, "\n".join(lines))


@scenario_group.command("compare")
@click.argument("scenario_id", type=int)
@click.option(
    "--with", "other_id", type=int, default=None, help="Another scenario (default: baseline)."
)
@click.option("--json", "as_json", is_flag=True)
@_errors
def compare_cmd(scenario_id: int, other_id: int | None, as_json: bool) -> None:
    """Compare the scenario's newest run with the baseline (or another scenario's run)."""
    from .compare import compare_values, gains_and_losses, summary_rows

    scenario = _scenario(scenario_id)
    srun = scenario.scenario_runs.first()
    if srun is None:
        raise click.ClickException(f"scenario #{scenario_id} has not been run; run it first")
    before = srun.baseline
    if other_id is not None:
        other = _scenario(other_id).scenario_runs.first()
        if other is None:
            raise click.ClickException(f"scenario #{other_id} has not been run")
        before = other.run
    comp = compare_values(before, srun.run)
    changed = comp[comp["change"].fillna(0).abs() > 1e-9]
    gl = gains_and_losses(before, srun.run)
    parts = summary_rows(comp)
    data = {
        "before": before.pk,
        "after": srun.run_id,
        "changed_values": changed.to_dict(orient="records"),
        "summary": {k: v.to_dict(orient="records") for k, v in parts.items()},
        "gains_and_losses": [{k: v for k, v in p.items() if k != "cells"} for p in gl["pairs"]],
    }
    _echo(
        data,
        as_json,
        f"{len(changed)} indicator values changed (run #{before.pk} → #{srun.run_id})",
    )


@scenario_group.command("effect")
@click.argument("scenario_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@_errors
def effect_cmd(scenario_id: int, as_json: bool) -> None:
    """The scenario's expected effect (for a strategy measure)."""
    from .compare import effect

    _echo(effect(_scenario(scenario_id)), True)


@scenario_group.command("locate")
@click.option("--type", "type_key", required=True)
@click.option(
    "--method", type=click.Choice(["max_coverage", "p_median", "set_cover"]), required=True
)
@click.option("--k", type=int, default=None)
@click.option("--mode", default="walk", type=click.Choice(["walk", "bike", "car"]))
@click.option(
    "--norm", "norm_minutes", type=float, default=None, help="minutes (default: the type's norm)"
)
@click.option("--target", "target_bands", multiple=True, help="Age band(s), e.g. 75+")
@click.option(
    "--candidates",
    "candidates_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="File of 'name; lat; lon' lines.",
)
@click.option("--settled", is_flag=True, help="All populated cells as candidates.")
@click.option("--limit", type=int, default=None, help="With --settled: a random sample of N.")
@click.option("--keep", is_flag=True, help="Candidates = the existing facilities: which to keep.")
@click.option("--time-limit", type=float, default=60.0)
@click.option("--make-scenario", is_flag=True, help="Save the answer as a scenario.")
@click.option("--region", "region_slug", default=None)
@click.option("--json", "as_json", is_flag=True)
@_errors
def locate_cmd(
    type_key,
    method,
    k,
    mode,
    norm_minutes,
    target_bands,
    candidates_file,
    settled,
    limit,
    keep,
    time_limit,
    make_scenario,
    region_slug,
    as_json,
) -> None:
    """Where to place k new facilities (or which to keep), solved exactly with HiGHS."""
    from pathlib import Path

    from nahraum.analysis.services import load_inputs

    from . import locating

    region = _region(region_slug)
    inputs = load_inputs(region, modes=[mode])
    if sum(bool(x) for x in (candidates_file, settled, keep)) != 1:
        raise click.UsageError("give exactly one of --candidates FILE, --settled, --keep")
    if candidates_file:
        try:
            text = Path(candidates_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"{candidates_file}: {exc.strerror}") from exc
        candidates = locating.parse_candidates(text)
    elif settled:
        candidates = locating.settled_candidates(inputs, limit=limit)
    else:
        candidates = locating.existing_candidates(inputs, type_key)
    problem = locating.build_problem(
        region,
        inputs,
        type_key=type_key,
        method=method,
        k=k,
        mode=mode,
        norm_minutes=norm_minutes,
        target_bands=list(target_bands),
        candidates=candidates,
        replace_existing=keep,
    )
    result = locating.solve_problem(problem, time_limit_s=time_limit)
    data = result.to_dict()
    data["sites"] = locating.result_rows(problem, result)
    data["greedy"]["sites"] = locating.greedy_rows(problem, result)
    data["notes"] = [*problem.notes, *data["notes"]]
    data["n_candidates"] = len(problem.candidates)
    data["n_cells"] = int(problem.cost_s.shape[0])
    if make_scenario:
        scenario = locating.scenario_from_result(problem, result)
        data["scenario"] = scenario.pk
    text = (
        f"{method}: objective {result.objective:.6g} (bound {result.bound:.6g}, gap "
        f"{result.gap:.3%}, {result.status}) in {result.solve_time_s:.2f} s; greedy "
        f"{result.greedy.objective:.6g}\n"
        + "\n".join(f"  {s['name']} ({s['lat']:.5f}, {s['lon']:.5f})" for s in data["sites"])
    )
    _echo(data, as_json, text)
