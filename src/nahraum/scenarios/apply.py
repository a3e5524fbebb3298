"""Applying a scenario: copy the baseline inputs, change them, hand them to the same engine.

A scenario never touches the region's data; it changes a *copy* of the arrays the analysis runs
on (:class:`nahraum.analysis.services.Inputs`). That keeps the baseline intact, lets several
scenarios be compared side by side, and guarantees that a scenario's figures come from exactly
the code that produced the baseline's.

Order of application: the chain of parents from the root down to the scenario itself, each
scenario's changes in the order they were entered. A later change of the same facility wins
(close after move = closed). The population projection is not cumulative: the projection of the
nearest scenario in the chain that has one applies, from the base data — projecting twice would
compound the growth of both.

Every step is written to a log (:class:`Applied.log`) that the pages and ``--json`` output show:
what was changed, and every assumption the change relies on (growth rate and where it came from,
the weight of a mobile stop, a speed factor).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nahraum.access.indicators import DETOUR_FACTOR
from nahraum.access.population_projection import project_age_structure
from nahraum.access.projection import to_utm
from nahraum.region.models import AGE_BANDS

from .drt import STRAIGHT_CAR_KMH
from .models import REFERENCE_WEEKLY_HOURS, FacilityChange, Scenario


class ScenarioError(ValueError):
    """A scenario cannot be applied (a cycle of parents, a change naming a missing facility …)."""


@dataclass
class Applied:
    """The changed inputs and the log of what was changed and assumed."""

    inputs: Any
    log: list[dict] = field(default_factory=list)
    drt: list[dict] = field(default_factory=list)
    bus_lines: list[dict] = field(default_factory=list)

    def note(self, scenario: Scenario, kind: str, text: str, **detail: Any) -> None:
        self.log.append({"scenario": scenario.name, "kind": kind, "text": text, **detail})


def chain(scenario: Scenario) -> list[Scenario]:
    """The scenario's ancestors, root first, then the scenario itself."""
    seen: set[int] = set()
    out: list[Scenario] = []
    current: Scenario | None = scenario
    while current is not None:
        if current.pk in seen:
            raise ScenarioError(f"scenario {current.name!r} builds on itself (a cycle of parents)")
        seen.add(current.pk)
        out.append(current)
        current = current.parent
    return out[::-1]


def copy_inputs(inputs: Any) -> Any:
    """A copy whose tables and network dict can be changed without touching the baseline."""
    if hasattr(inputs, "copy"):
        return inputs.copy()
    return dataclasses.replace(
        inputs,
        cells=inputs.cells.copy(),
        facilities=inputs.facilities.copy(),
        networks=dict(inputs.networks),
        checksums=dict(inputs.checksums),
    )


def _place(region_id: int, lon: float, lat: float) -> dict:
    from nahraum.region.models import District, planar_crs

    from .geo import district_of

    x, y = to_utm(lon, lat, planar_crs(region_id))
    district_id, municipality_id = district_of(region_id, lon, lat)
    kind = District.objects.filter(pk=district_id).values_list("kind", flat=True).first()
    return {
        "x": float(x),
        "y": float(y),
        "lon": float(lon),
        "lat": float(lat),
        "is_estimate": False,
        "district_id": district_id,
        "municipality_id": municipality_id,
        "area_kind": kind if kind else np.nan,
    }


def growth_rates(scenario_projection, cells: pd.DataFrame) -> tuple[np.ndarray, list[dict]]:
    """The annual rate for every cell and the table of rates with where each comes from."""
    from nahraum.region.models import District, Municipality

    region_id = scenario_projection.scenario.region_id
    municipalities = {m.id: m for m in Municipality.objects.filter(region_id=region_id)}
    by_municipality = {
        m_id: (m.annual_growth_rate, "region data") for m_id, m in municipalities.items()
    }
    by_district: dict[int, tuple[float, str]] = {}
    for rate in scenario_projection.rates.all():
        if rate.district_id:
            by_district[rate.district_id] = (rate.annual_rate, rate.note or "scenario")
        else:
            by_municipality[rate.municipality_id] = (rate.annual_rate, rate.note or "scenario")
    district_mun = dict(
        District.objects.filter(municipality__region_id=region_id).values_list(
            "id", "municipality_id"
        )
    )
    rates = np.zeros(len(cells))
    for pos, (d_id, m_id) in enumerate(
        zip(cells["district_id"].to_numpy(), cells["municipality_id"].to_numpy(), strict=True)
    ):
        if d_id is not None and not pd.isna(d_id) and int(d_id) in by_district:
            rates[pos] = by_district[int(d_id)][0]
        else:
            mid = m_id if m_id is not None and not pd.isna(m_id) else district_mun.get(d_id)
            rates[pos] = by_municipality.get(int(mid), (0.0, ""))[0] if mid is not None else 0.0
    table = [
        {
            "area": municipalities[m_id].name,
            "level": "municipality",
            "annual_rate": r,
            "source": src,
        }
        for m_id, (r, src) in by_municipality.items()
    ]
    names = dict(District.objects.filter(id__in=by_district).values_list("id", "name"))
    table += [
        {"area": names.get(d_id, str(d_id)), "level": "district", "annual_rate": r, "source": src}
        for d_id, (r, src) in by_district.items()
    ]
    return rates, table


def _apply_projection(applied: Applied, scenario: Scenario) -> None:
    projection = scenario.projection
    cells = applied.inputs.cells
    bands = [b for b in AGE_BANDS if b in cells.columns]
    rates, table = growth_rates(projection, cells)
    by_age = cells[bands].to_numpy(dtype=float)
    # cells without an age structure: project their total as one band without ageing
    no_ages = by_age.sum(axis=1) == 0
    assumptions = projection.assumptions()
    projected = project_age_structure(by_age, bands, rates, assumptions)
    totals = cells["population"].to_numpy(dtype=float)
    factor = np.power(1.0 + rates, assumptions.years)
    new_total = np.where(no_ages, totals * factor, projected.sum(axis=1))
    cells[bands] = projected
    cells["population"] = new_total
    applied.note(
        scenario,
        "projection",
        f"population projected {assumptions.base_year} → {assumptions.target_year}",
        assumptions=assumptions.describe(),
        growth_rates=table,
        population_before=float(totals.sum()),
        population_after=float(new_total.sum()),
    )


def _apply_facility_change(applied: Applied, scenario: Scenario, change: FacilityChange) -> None:
    fac = applied.inputs.facilities
    if change.action == FacilityChange.Action.OPEN:
        row = {
            "key": f"scenario:{scenario.pk}:open:{change.pk}",
            "type_key": change.facility_type.key,
            "capacity": change.capacity if change.capacity is not None else np.nan,
            "name": change.name or "",
            **_place(scenario.region_id, change.lon, change.lat),
        }
        applied.inputs.facilities = pd.concat([fac, pd.DataFrame([row])], ignore_index=True)
        applied.note(
            scenario,
            "open",
            f"opened {change.facility_type} {change.name}".strip(),
            lat=change.lat,
            lon=change.lon,
            key=row["key"],
            type_key=row["type_key"],
        )
        return
    key = change.facility.key
    hit = fac.index[fac["key"] == key]
    if hit.empty:
        applied.note(
            scenario,
            change.action,
            f"{change.facility} is not in the inputs any more "
            "(closed by an earlier change); change skipped",
            key=key,
            skipped=True,
        )
        return
    if change.action == FacilityChange.Action.CLOSE:
        applied.inputs.facilities = fac.drop(index=hit).reset_index(drop=True)
        applied.note(
            scenario,
            "close",
            f"closed {change.facility}",
            key=key,
            type_key=change.facility.type.key,
        )
    elif change.action == FacilityChange.Action.MOVE:
        for column, value in _place(scenario.region_id, change.lon, change.lat).items():
            fac.loc[hit, column] = value
        applied.note(
            scenario,
            "move",
            f"moved {change.facility}",
            key=key,
            lat=change.lat,
            lon=change.lon,
            type_key=change.facility.type.key,
        )
    elif change.action == FacilityChange.Action.CAPACITY:
        before = fac.loc[hit, "capacity"].iloc[0] if "capacity" in fac else None
        fac.loc[hit, "capacity"] = change.capacity
        applied.note(
            scenario,
            "capacity",
            f"capacity of {change.facility}: {before} → {change.capacity}",
            key=key,
            type_key=change.facility.type.key,
        )


def _apply_mobile(applied: Applied, scenario: Scenario) -> None:
    """Stops at one place for one type become one facility; weight = weekly hours / 40."""
    groups: dict[tuple, list] = {}
    for stop in scenario.mobile_services.select_related("facility_type"):
        groups.setdefault(
            (stop.facility_type.key, round(stop.lat, 6), round(stop.lon, 6)), []
        ).append(stop)
    rows = []
    for (type_key, lat, lon), stops in groups.items():
        hours = sum(s.weekly_hours for s in stops)
        weight = min(1.0, hours / REFERENCE_WEEKLY_HOURS)
        capacities = [s.capacity for s in stops if s.capacity is not None]
        capacity = max(capacities) * weight if capacities else np.nan
        rows.append(
            {
                "key": f"scenario:{scenario.pk}:mobile:{stops[0].pk}",
                "type_key": type_key,
                "capacity": capacity,
                "name": stops[0].name,
                "mobile_weight": weight,
                **_place(scenario.region_id, lon, lat),
            }
        )
        schedule = ", ".join(
            f"{s.get_weekday_display()} {s.start:%H:%M}–{s.end:%H:%M}" for s in stops
        )
        applied.note(
            scenario,
            "mobile",
            f"mobile service {stops[0].name} ({schedule}): {hours:g} h a week, weight "
            f"{weight:.3f} = {hours:g} h / {REFERENCE_WEEKLY_HOURS:g} h",
            type_key=type_key,
            lat=lat,
            lon=lon,
            weekly_hours=hours,
            weight=weight,
            key=rows[-1]["key"],
        )
    if rows:
        applied.inputs.facilities = pd.concat(
            [applied.inputs.facilities, pd.DataFrame(rows)], ignore_index=True
        )


def _apply_transport(applied: Applied, scenario: Scenario) -> None:
    for change in scenario.transport_changes.all():
        if change.kind == change.Kind.SPEED:
            net = applied.inputs.networks.get(change.mode)
            if net is None:
                applied.note(
                    scenario,
                    "speed",
                    f"no {change.mode} network in the inputs; speed change skipped",
                    skipped=True,
                )
                continue
            applied.inputs.networks[change.mode] = dataclasses.replace(
                net,
                time_s=net.time_s / change.speed_factor,
                checksum=f"{net.checksum}+speed×{change.speed_factor:g}",
            )
            applied.note(
                scenario,
                "speed",
                f"{change.mode}: all speeds × {change.speed_factor:g}",
                mode=change.mode,
                factor=change.speed_factor,
            )
        else:
            district_ids = list(change.districts.values_list("id", flat=True))
            applied.drt.append(
                {
                    "district_ids": district_ids,
                    "wait_s": change.wait_minutes * 60.0,
                    "detour_factor": change.detour_factor,
                }
            )
            applied.note(
                scenario,
                "drt",
                f"demand-responsive service in {len(district_ids)} Ortsteile: ride = car time × "
                f"{change.detour_factor:g} + {change.wait_minutes:g} min waiting",
                district_ids=district_ids,
                wait_minutes=change.wait_minutes,
                detour_factor=change.detour_factor,
            )


def _apply_bus_lines(applied: Applied, scenario: Scenario) -> None:
    """Planned bus lines become trips for the "transit" mode (see scenarios.busline)."""
    from .busline import line_trips

    car = applied.inputs.networks.get("car")
    for line in scenario.bus_lines.all():
        data = line_trips(line, car)
        applied.bus_lines.append(data)
        how = (
            "car network"
            if data["car_network"]
            else f"straight line × {DETOUR_FACTOR:g} at {STRAIGHT_CAR_KMH:g} km/h"
        )
        applied.note(
            scenario,
            "bus_line",
            f"new bus line {line.name}: {len(line.stops)} stops, every {line.headway_min} min "
            f"{line.first_departure:%H:%M}–{line.last_departure:%H:%M}"
            f"{', both directions' if line.both_directions else ', one direction'}; "
            f"{data['run_min']:g} min end to end = car time ({how}) × "
            f"{line.car_time_factor:g}, rounded up to whole minutes per stop",
            name=line.name,
            stops=line.stops,
            headway_min=line.headway_min,
            first_departure=f"{line.first_departure:%H:%M}",
            last_departure=f"{line.last_departure:%H:%M}",
            both_directions=line.both_directions,
            car_time_factor=line.car_time_factor,
            hop_min=[h / 60 for h in data["hop_s"]],
            departures_per_direction=data["departures_per_direction"],
        )


def apply_scenario(scenario: Scenario, baseline: Any) -> Applied:
    """Apply the scenario (and its parents) to a copy of the baseline inputs."""
    scenarios = chain(scenario)
    applied = Applied(inputs=copy_inputs(baseline))
    with_projection = [s for s in scenarios if hasattr(s, "projection")]
    for s in scenarios:
        if with_projection and s is with_projection[-1]:
            _apply_projection(applied, s)
        for change in s.facility_changes.select_related("facility__type", "facility_type"):
            _apply_facility_change(applied, s, change)
        _apply_mobile(applied, s)
        _apply_transport(applied, s)
        _apply_bus_lines(applied, s)
    # read by the demand-responsive mode (see scenarios.drt); a plain attribute, so that the
    # baseline's Inputs class needs no field for it
    applied.inputs.drt_areas = list(applied.drt)
    # read by the "transit" mode (nahraum.transit.services.transit_times), which adds the trips
    # to a copy of the day's timetable
    applied.inputs.transit_extra_lines = list(applied.bus_lines)
    if applied.drt:
        # the demand-responsive service is public transport: it is judged by the transit norms
        transit = [dict(n, mode="drt") for n in applied.inputs.norms if n["mode"] == "transit"]
        applied.inputs.norms = [*applied.inputs.norms, *transit]
        applied.note(
            scenario,
            "drt",
            f"demand-responsive trips judged by the {len(transit)} public-transport norms",
            assumption=True,
        )
    digest = hashlib.sha256(
        json.dumps(applied.log, sort_keys=True, default=str).encode()
    ).hexdigest()
    applied.inputs.checksums["scenario"] = digest
    return applied
