"""Queries of the public-transport pages: the feed's stops by area, travel-time summaries,
demand-responsive services and the sources behind them."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from django.db.models import Q, QuerySet
from shapely.geometry import shape

from nahraum.region.models import District, FacilityType, Municipality, PopulationCell, Region
from nahraum.region.selectors import sources_of

from .models import CellClass, DemandResponsiveService, Feed, Route, Stop, TravelTimeSummary


def demand_responsive(region: Region) -> QuerySet[DemandResponsiveService]:
    """The Rufbus areas that count: hand-drawn ones and the active feed's GTFS-Flex areas."""
    return (
        DemandResponsiveService.objects.filter(region=region)
        .filter(Q(feed=None) | Q(feed__is_active=True))
        .select_related("feed", "source")
    )


def feed_sources(feed: Feed, *groups: Any) -> list:
    """The feed's source, the demand-responsive services' and those of ``groups``."""
    return sources_of([feed], demand_responsive(feed.region), *groups)


def cells_source(region: Region) -> QuerySet[PopulationCell]:
    """One population cell of the region, only as far as its source is concerned (the classes
    are counted on the cells, so their source is listed under the pages)."""
    return PopulationCell.objects.filter(region=region).only("source_id")[:1]


def routes(feed: Feed) -> QuerySet[Route]:
    """The feed's lines."""
    return Route.objects.filter(feed=feed)


def platform_stops(feed: Feed) -> QuerySet[Stop]:
    """The feed's stops people board at (stations are only their parents)."""
    return Stop.objects.filter(feed=feed, is_station=False)


def _within(area: Any, stops: list[Stop]) -> list[Stop]:
    inside = shapely.contains_xy(
        area, np.array([s.lon for s in stops]), np.array([s.lat for s in stops])
    )
    return [s for s, ok in zip(stops, inside, strict=True) if ok]


def district_stops(feed: Feed, district: District) -> list[Stop]:
    """The stops inside the district's boundary (none without a boundary)."""
    stops = list(platform_stops(feed))
    if not district.boundary or not stops:
        return []
    return _within(shape(district.boundary), stops)


def inside_region(rows: list[Stop], region: Region) -> list[Stop]:
    """The stops inside the region's municipalities (maps fit to the region, not to the
    far ends of a railway line)."""
    shapes = [shape(m.boundary) for m in Municipality.objects.filter(region=region) if m.boundary]
    if not shapes or not rows:
        return rows
    return _within(shapely.union_all(shapes), rows)


def region_district(region: Region | None, key: str) -> District | None:
    """The region's district with ``key``, or None."""
    return District.objects.filter(key=key, municipality__region=region).first()


def time_summary_types(feed: Feed) -> list[FacilityType]:
    """The facility types the feed has travel-time summaries for, in taxonomy order."""
    ids = TravelTimeSummary.objects.filter(feed=feed).values("facility_type_id").distinct()
    return list(FacilityType.objects.filter(pk__in=ids).order_by("field_id", "order", "key"))


def time_summaries(feed: Feed, type_key: str) -> list[TravelTimeSummary]:
    """The feed's travel-time summaries of one facility type, every district with its name.

    One type at a time and without the boundaries: all types with their districts' GeoJSON
    (~550 rows × 2 polygons decoded) took three quarters of the transit overview's time.
    """
    return list(
        TravelTimeSummary.objects.filter(feed=feed, facility_type__key=type_key)
        .select_related("district", "district__municipality", "facility_type")
        .defer("district__boundary", "district__municipality__boundary")
    )


def district_time_summaries(feed: Feed, district: District) -> list[TravelTimeSummary]:
    """The district's travel times by bus and train per facility type, in taxonomy order."""
    return list(
        TravelTimeSummary.objects.filter(feed=feed, district=district)
        .select_related("facility_type")
        .order_by("facility_type__field__order", "facility_type__order")
    )


def populated_cell_classes(feed: Feed, district_id: int | None = None) -> QuerySet[CellClass]:
    """The feed's class of every populated cell (of one district if given)."""
    qs = CellClass.objects.filter(feed=feed, cell__population__gt=0).select_related(
        "cell", "cell__district"
    )
    if district_id is not None:
        qs = qs.filter(cell__district_id=district_id)
    return qs
