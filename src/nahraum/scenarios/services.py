"""Scenario operations shared by the web pages and the ``nahraum scenario`` commands.

Every function that writes validates the whole row with ``full_clean`` inside one transaction:
a bad value raises ``ValidationError`` naming the field, and the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nahraum.region.models import District, Facility, FacilityType, Municipality, Region

from .models import (
    BusLine,
    FacilityChange,
    GrowthRate,
    MobileService,
    PopulationProjection,
    Scenario,
    TransportChange,
)


def _save(obj) -> Any:
    obj.full_clean()
    obj.save()
    return obj


def default_base_year(region: Region) -> int:
    """The year of the region's population figures (the newest municipality date), else today."""
    dates = [d for d in region.municipalities.values_list("population_date", flat=True) if d]
    return max(dates).year if dates else timezone.now().year


@transaction.atomic
def create_scenario(
    region: Region,
    name: str,
    *,
    description: str = "",
    parent: Scenario | None = None,
    author=None,
    municipality: Municipality | None = None,
) -> Scenario:
    """Create an empty scenario owned by ``municipality`` (``None``: joint, the project office).

    Whether the author may create for that municipality is the caller's question (the web form
    asks ``can_create_for``; the command line is run by the operator, who acts for everybody).
    """
    if parent is not None and parent.region_id != region.pk:
        raise ValidationError({"parent": "the parent scenario belongs to another region"})
    if municipality is not None and municipality.region_id != region.pk:
        raise ValidationError({"municipality": "the municipality belongs to another region"})
    return _save(
        Scenario(
            region=region,
            name=name,
            description=description,
            parent=parent,
            author=author,
            municipality=municipality,
        )
    )


def home_municipality(user: Any) -> Municipality | None:
    """The municipality a planner's new scenarios belong to: their own; ``None`` (joint) for the
    project office, so that a scenario made in one click (location planning) is theirs to change.
    """
    if getattr(user, "is_municipal_staff", False) and not user.is_project_office:
        return user.municipality
    return None


def scenario_municipality(region: Region, ags: str | None) -> Municipality | None:
    """The municipality of ``region`` with this AGS (``None``/empty: joint), for the CLI."""
    if not ags:
        return None
    municipality = Municipality.objects.filter(region=region, ags=ags).first()
    if municipality is None:
        raise ValidationError(
            {"municipality": f"no municipality with the AGS {ags!r} in the region"}
        )
    return municipality


def delete_scenario(scenario: Scenario) -> None:
    """Delete a scenario with its changes and runs — unless other scenarios build on it.

    The guard is a rule of the data, not of a page: the command line and the web refuse alike,
    naming the scenarios that build on it, and nothing is deleted.
    """
    children = list(scenario.children.values_list("name", flat=True))
    if children:
        raise ValidationError(
            _("“%(name)s” cannot be deleted: %(children)s build on it.")
            % {"name": scenario.name, "children": ", ".join(children)}
        )
    scenario.delete()


#: The kinds of change that can be removed from a scenario, by the name used in URLs.
CHANGE_KINDS = {
    "facility": FacilityChange,
    "mobile": MobileService,
    "transport": TransportChange,
    "busline": BusLine,
    "rate": GrowthRate,
    "projection": PopulationProjection,
}


def remove_change(scenario: Scenario, kind: str, change_id: int) -> bool:
    """Remove one change of ``scenario``; False if there was none of that id (nothing happens)."""
    model = CHANGE_KINDS[kind]
    if model is GrowthRate:
        qs = GrowthRate.objects.filter(projection__scenario=scenario, pk=change_id)
    else:
        qs = model.objects.filter(scenario=scenario, pk=change_id)
    deleted, _by_model = qs.delete()
    return bool(deleted)


@transaction.atomic
def set_growth_rate(
    scenario: Scenario, area: str, annual_rate: float, note: str = ""
) -> GrowthRate:
    """Set (replace) the growth rate of one area (``m:<pk>`` municipality, ``d:<pk>`` district).

    The scenario needs a projection first: a rate without a target year means nothing.
    """
    projection = getattr(scenario, "projection", None) if hasattr(scenario, "projection") else None
    if projection is None:
        raise ValidationError(_("Set the projection (target year) first."))
    kind, pk = area.split(":")
    rate = GrowthRate(projection=projection, annual_rate=annual_rate, note=note)
    if kind == "m":
        rate.municipality_id = int(pk)
    else:
        rate.district_id = int(pk)
    GrowthRate.objects.filter(
        projection=projection, municipality_id=rate.municipality_id, district_id=rate.district_id
    ).delete()
    return _save(rate)


@transaction.atomic
def set_projection(
    scenario: Scenario,
    target_year: int,
    *,
    base_year: int | None = None,
    rates: dict[str, float] | None = None,
    cohort_ageing: bool = True,
    birth_rate: float | None = None,
    top_band_mortality: float | None = None,
) -> PopulationProjection:
    """Create or replace the scenario's projection; ``rates`` maps an AGS or district key to a rate.

    Areas not named keep the default from the region data (``Municipality.annual_growth_rate``).
    """
    PopulationProjection.objects.filter(scenario=scenario).delete()
    projection = PopulationProjection(
        scenario=scenario,
        target_year=target_year,
        base_year=base_year if base_year is not None else default_base_year(scenario.region),
        cohort_ageing=cohort_ageing,
    )
    if birth_rate is not None:
        projection.birth_rate = birth_rate
    if top_band_mortality is not None:
        projection.top_band_mortality = top_band_mortality
    _save(projection)
    for area, rate in (rates or {}).items():
        municipality = Municipality.objects.filter(region=scenario.region, ags=area).first()
        district = None
        if municipality is None:
            district = District.objects.filter(
                municipality__region=scenario.region, key=area
            ).first()
            if district is None:
                raise ValidationError(
                    f"growth rate for {area!r}: no municipality (AGS) or district (key) of this "
                    "name in the region"
                )
        _save(
            GrowthRate(
                projection=projection,
                municipality=municipality,
                district=district,
                annual_rate=rate,
            )
        )
    return projection


def _facility(scenario: Scenario, key: str) -> Facility:
    facility = Facility.objects.filter(key=key).select_related("municipality").first()
    if facility is None:
        raise ValidationError({"facility": f"no facility with the key {key!r}"})
    return facility


@transaction.atomic
def add_facility_change(
    scenario: Scenario,
    action: str,
    *,
    facility_key: str | None = None,
    type_key: str | None = None,
    name: str = "",
    lat: float | None = None,
    lon: float | None = None,
    capacity: float | None = None,
    note: str = "",
) -> FacilityChange:
    if action not in FacilityChange.Action.values:
        raise ValidationError(
            {
                "action": f"unknown change {action!r}; "
                f"known: {', '.join(FacilityChange.Action.values)}"
            }
        )
    change = FacilityChange(
        scenario=scenario, action=action, name=name, lat=lat, lon=lon, capacity=capacity, note=note
    )
    if facility_key:
        change.facility = _facility(scenario, facility_key)
    if type_key:
        change.facility_type = FacilityType.objects.filter(key=type_key).first()
        if change.facility_type is None:
            raise ValidationError({"facility_type": f"unknown facility type {type_key!r}"})
    return _save(change)


@transaction.atomic
def add_mobile_service(
    scenario: Scenario,
    *,
    type_key: str,
    name: str,
    lat: float,
    lon: float,
    weekday: int,
    start: dt.time,
    end: dt.time,
    capacity: float | None = None,
) -> MobileService:
    facility_type = FacilityType.objects.filter(key=type_key).first()
    if facility_type is None:
        raise ValidationError({"facility_type": f"unknown facility type {type_key!r}"})
    return _save(
        MobileService(
            scenario=scenario,
            facility_type=facility_type,
            name=name,
            lat=lat,
            lon=lon,
            weekday=weekday,
            start=start,
            end=end,
            capacity=capacity,
        )
    )


@transaction.atomic
def add_transport_change(
    scenario: Scenario,
    kind: str,
    *,
    mode: str = "car",
    speed_factor: float | None = None,
    district_keys: list[str] | None = None,
    wait_minutes: float | None = None,
    detour_factor: float = 1.3,
    note: str = "",
) -> TransportChange:
    if kind not in TransportChange.Kind.values:
        raise ValidationError(
            {
                "kind": f"unknown transport change {kind!r}; "
                f"known: {', '.join(TransportChange.Kind.values)}"
            }
        )
    change = _save(
        TransportChange(
            scenario=scenario,
            kind=kind,
            mode=mode,
            speed_factor=speed_factor,
            wait_minutes=wait_minutes,
            detour_factor=detour_factor,
            note=note,
        )
    )
    if kind == TransportChange.Kind.DEMAND_RESPONSIVE:
        keys = list(district_keys or [])
        districts = list(
            District.objects.filter(municipality__region=scenario.region, key__in=keys)
        )
        missing = sorted(set(keys) - {d.key for d in districts})
        if missing or not districts:
            raise ValidationError(
                {"districts": f"unknown district key(s) {', '.join(missing) or '(none given)'}"}
            )
        change.districts.set(districts)
    return change


def parse_stops(text: str) -> list[dict]:
    """Stops from text, one a line: ``name; latitude; longitude`` (or ``latitude; longitude``).

    Raises ``ValidationError`` naming the line that cannot be read.
    """
    stops: list[dict] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("\t", ";").split(";")]
        if len(parts) == 2:
            parts = [f"{len(stops) + 1}", *parts]
        if len(parts) != 3:
            raise ValidationError(
                {"stops": f"line {number} ({line!r}): expected 'name; latitude; longitude'"}
            )
        try:
            lat, lon = float(parts[1].replace(",", ".")), float(parts[2].replace(",", "."))
        except ValueError:
            raise ValidationError(
                {"stops": f"line {number} ({line!r}): latitude and longitude must be numbers"}
            ) from None
        stops.append({"name": parts[0], "lat": lat, "lon": lon})
    return stops


@transaction.atomic
def add_bus_line(
    scenario: Scenario,
    *,
    name: str,
    stops: list[dict],
    headway_min: int,
    first_departure: dt.time,
    last_departure: dt.time,
    both_directions: bool = True,
    car_time_factor: float | None = None,
    note: str = "",
) -> BusLine:
    """Add a new bus line (validated as a whole: stops, headway, hours; nothing saved on error)."""
    line = BusLine(
        scenario=scenario,
        name=name,
        stops=stops,
        headway_min=headway_min,
        first_departure=first_departure,
        last_departure=last_departure,
        both_directions=both_directions,
        note=note,
    )
    if car_time_factor is not None:
        line.car_time_factor = car_time_factor
    return _save(line)


def describe(scenario: Scenario) -> dict:
    """Everything the scenario changes, as plain data (pages, --json, the strategy's measures)."""
    from .models import REFERENCE_WEEKLY_HOURS

    data: dict[str, Any] = {
        "id": scenario.pk,
        "name": scenario.name,
        "description": scenario.description,
        "region": scenario.region.slug,
        "parent": scenario.parent_id,
        "municipality": scenario.municipality.name if scenario.municipality_id else None,
        "author": str(scenario.author) if scenario.author else None,
        "created": scenario.created.isoformat() if scenario.created else None,
        "projection": None,
        "facility_changes": [],
        "mobile_services": [],
        "transport_changes": [],
    }
    projection = getattr(scenario, "projection", None) if hasattr(scenario, "projection") else None
    if projection is not None:
        data["projection"] = {
            "assumptions": projection.assumptions().describe(),
            "rates": [
                {
                    "id": r.pk,
                    "area": str(r.district or r.municipality),
                    "annual_rate": r.annual_rate,
                    "percent": round(r.annual_rate * 100, 4),
                    "note": r.note,
                }
                for r in projection.rates.select_related("district", "municipality")
            ],
        }
    for c in scenario.facility_changes.select_related("facility", "facility_type"):
        data["facility_changes"].append(
            {
                "id": c.pk,
                "action": c.action,
                "facility": c.facility.key if c.facility else None,
                "facility_name": str(c.facility) if c.facility else c.name,
                "type": (c.facility_type or (c.facility and c.facility.type)).key,
                "lat": c.lat,
                "lon": c.lon,
                "capacity": c.capacity,
                "note": c.note,
            }
        )
    for s in scenario.mobile_services.select_related("facility_type"):
        data["mobile_services"].append(
            {
                "id": s.pk,
                "type": s.facility_type.key,
                "name": s.name,
                "lat": s.lat,
                "lon": s.lon,
                "weekday": s.weekday,
                "start": s.start.strftime("%H:%M"),
                "end": s.end.strftime("%H:%M"),
                "weekly_hours": s.weekly_hours,
                "weight": s.weight,
                "weight_rule": f"weekly hours / {REFERENCE_WEEKLY_HOURS:g} h (capped at 1)",
            }
        )
    for t in scenario.transport_changes.all():
        data["transport_changes"].append(
            {
                "id": t.pk,
                "kind": t.kind,
                "mode": t.mode,
                "speed_factor": t.speed_factor,
                "districts": list(t.districts.values_list("key", flat=True)),
                "wait_minutes": t.wait_minutes,
                "detour_factor": t.detour_factor,
            }
        )
    data["bus_lines"] = [
        {
            "id": b.pk,
            "name": b.name,
            "stops": b.stops,
            "headway_min": b.headway_min,
            "first_departure": b.first_departure.strftime("%H:%M"),
            "last_departure": b.last_departure.strftime("%H:%M"),
            "both_directions": b.both_directions,
            "car_time_factor": b.car_time_factor,
            "running_time_rule": "car time between stops × factor, rounded up to whole minutes",
            "note": b.note,
        }
        for b in scenario.bus_lines.all()
    ]
    return data
