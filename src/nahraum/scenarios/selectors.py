"""Read-only queries of the scenario pages, kept out of the views so that pages stay thin and the
same question (which scenarios can be compared, where the figures come from) has one answer.
"""

from __future__ import annotations

from django.db.models import QuerySet

from nahraum.region.models import (
    DataSource,
    District,
    Facility,
    FacilityType,
    Municipality,
    PopulationCell,
    Region,
)

from .models import BusLine, FacilityChange, MobileService, Scenario, ScenarioRun


def region_sources(region: Region) -> list[DataSource]:
    """Every source whose data a scenario of ``region`` computes with (named on each page)."""
    ids = {region.source_id}
    ids |= set(Municipality.objects.filter(region=region).values_list("source_id", flat=True))
    ids |= set(
        District.objects.filter(municipality__region=region).values_list("source_id", flat=True)
    )
    ids |= set(
        PopulationCell.objects.filter(region=region).values_list("source_id", flat=True).distinct()
    )
    ids |= set(
        Facility.objects.filter(municipality__region=region)
        .values_list("source_id", flat=True)
        .distinct()
    )
    return list(DataSource.objects.filter(pk__in=ids).order_by("name"))


def scenarios(*related: str) -> QuerySet[Scenario]:
    """Every scenario, with the ``related`` records a page shows of it fetched alongside."""
    return Scenario.objects.select_related(*related)


def changes(scenario: Scenario) -> tuple[list[FacilityChange], list[MobileService], list[BusLine]]:
    """The scenario's facility changes, mobile services and new bus lines (the editor's map)."""
    return (
        list(scenario.facility_changes.select_related("facility", "facility_type")),
        list(scenario.mobile_services.all()),
        list(scenario.bus_lines.all()),
    )


def recent_runs(scenario: Scenario, n: int = 5) -> list[ScenarioRun]:
    """The scenario's ``n`` newest runs with their baselines."""
    return list(scenario.scenario_runs.select_related("run", "baseline")[:n])


def region_scenarios(region: Region) -> QuerySet[Scenario]:
    """The region's scenarios for the list page, with what the list shows of each."""
    return Scenario.objects.filter(region=region).select_related("parent", "author", "municipality")


def latest_run(scenario: Scenario) -> ScenarioRun | None:
    """The scenario's newest run with its baseline, or None before the first run."""
    return scenario.scenario_runs.select_related("run", "baseline").first()


def comparable_scenarios(scenario: Scenario) -> QuerySet[Scenario]:
    """Other scenarios of the same region that have been run (to compare this one with)."""
    return (
        Scenario.objects.filter(region=scenario.region, scenario_runs__isnull=False)
        .exclude(pk=scenario.pk)
        .distinct()
    )


def facility_type_names() -> dict[str, str]:
    """Names of the facility types by key."""
    return {t.key: t.name for t in FacilityType.objects.all()}


def place_names(region: Region) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the region's Ortsteile and municipalities by id (rows of the comparison)."""
    districts = dict(District.objects.filter(municipality__region=region).values_list("id", "name"))
    municipalities = dict(Municipality.objects.filter(region=region).values_list("id", "name"))
    return districts, municipalities


def region_districts(region: Region) -> QuerySet[District]:
    """The region's Ortsteile."""
    return District.objects.filter(municipality__region=region)
