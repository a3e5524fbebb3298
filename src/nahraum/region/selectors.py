"""Queries of the region's data that several apps' pages need.

Every app shows "the region" and lists its Ortsteile and data sources the same way; these
queries live here, at the bottom of the app graph, so that analysis, transit, scenarios and
strategy read them without importing the region's views.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from .models import (
    DataSource,
    District,
    Facility,
    FacilityType,
    InnovationField,
    Municipality,
    Norm,
    PopulationCell,
    Region,
)


def current_region() -> Region | None:
    """The region the site shows: the first one loaded (a deployment holds one cooperation)."""
    return Region.objects.select_related("source").order_by("pk").first()


def sources_of(*groups: Iterable[Any]) -> list[DataSource]:
    """Distinct DataSources of the given records (anything with ``source_id``), by name."""
    ids: set[int] = set()
    for group in groups:
        for obj in group:
            if obj is None:
                continue
            for attr in ("source_id", "boundary_source_id"):
                value = getattr(obj, attr, None)
                if value:
                    ids.add(value)
    return list(DataSource.objects.filter(pk__in=ids).order_by("name"))


def region_sources(region: Region) -> list[DataSource]:
    """The sources behind figures computed on the whole region: its boundary, population
    cells, facilities and districts."""
    ids = {region.source_id}
    for qs in (
        PopulationCell.objects.filter(region=region),
        Facility.objects.filter(municipality__region=region),
        District.objects.filter(municipality__region=region),
    ):
        ids |= set(qs.values_list("source_id", flat=True).distinct())
    return list(DataSource.objects.filter(pk__in=ids).order_by("name"))


def region_municipalities(region: Region | None) -> list[Municipality]:
    """The region's municipalities by name (none without a region)."""
    if region is None:
        return []
    return list(
        Municipality.objects.filter(region=region).select_related("source").order_by("name")
    )


def municipalities() -> QuerySet[Municipality]:
    """Every municipality with its region and source (for a municipality's page)."""
    return Municipality.objects.select_related("region", "source")


def municipality_districts(municipality: Municipality) -> list[District]:
    """The municipality's Ortsteile, core town first, then by name."""
    return list(
        municipality.districts.select_related("municipality", "source").order_by("kind", "name")
    )


def municipality_facilities(municipality: Municipality) -> QuerySet[Facility]:
    """The facilities in the municipality."""
    return Facility.objects.filter(municipality=municipality)


def districts() -> QuerySet[District]:
    """Every district with its municipality, region and source (for a district's page)."""
    return District.objects.select_related("municipality", "municipality__region", "source")


def facility_sources() -> QuerySet[Facility]:
    """Every facility, only as far as its source is concerned (for the sources list)."""
    return Facility.objects.only("source_id")


def facilities_of_type(ftype: FacilityType) -> list[Facility]:
    """The facilities of one type by municipality, district and name."""
    return list(
        Facility.objects.filter(type=ftype)
        .select_related("municipality", "district", "source")
        .order_by("municipality__name", "district__name", "name")
    )


def norms_of(ftype: FacilityType) -> list[Norm]:
    """The planning norms of a facility type."""
    return list(ftype.norms.all())


def region_districts(region: Region) -> list[District]:
    """The region's Ortsteile in table order (municipality, core town before villages, name).

    The municipality comes along for its name, not its boundary: decoding the municipality's
    GeoJSON once per Ortsteil was a third of the overview's time (it loads lazily if asked).
    """
    return list(
        District.objects.filter(municipality__region=region)
        .select_related("municipality", "source")
        .defer("municipality__boundary")
        .order_by("municipality__name", "kind", "name")
    )


def region_facilities(region: Region) -> QuerySet[Facility]:
    """The facilities of the region, and those not assigned to any municipality."""
    return Facility.objects.filter(Q(municipality__region=region) | Q(municipality=None))


def fields_of(facilities: Any) -> list[InnovationField]:
    """The innovation fields that have a facility among ``facilities`` (queryset or pks)."""
    return list(InnovationField.objects.filter(types__facilities__in=facilities).distinct())


def facility_counts_by_district() -> Counter:
    """Number of facilities per district id."""
    return Counter(Facility.objects.exclude(district=None).values_list("district_id", flat=True))


def municipality_age_totals(municipality: Municipality) -> Counter:
    """Inhabitants per age band, summed over the municipality's districts."""
    totals: Counter = Counter()
    for by_age in municipality.districts.values_list("population_by_age", flat=True):
        totals.update(by_age or {})
    return totals


def type_table(municipalities: list[Municipality]) -> list[dict[str, Any]]:
    """Facility counts per type and municipality, grouped by innovation field."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for type_id, muni_id, n in Facility.objects.values_list("type_id", "municipality_id").annotate(
        n=Count("pk")
    ):
        counts[type_id][muni_id] += n
    groups = []
    for field in InnovationField.objects.prefetch_related("types"):
        rows = []
        for t in field.types.all():
            per = [counts[t.pk].get(m.pk, 0) for m in municipalities]
            rows.append({"type": t, "counts": per, "total": sum(counts[t.pk].values())})
        if rows:
            groups.append({"field": field, "rows": rows})
    return groups


def facility_types() -> QuerySet[FacilityType]:
    """Every facility type with its innovation field (the taxonomy's order)."""
    return FacilityType.objects.select_related("field")
