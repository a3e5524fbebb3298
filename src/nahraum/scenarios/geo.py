"""Where a point lies: inside the region at all, and in which municipality and Ortsteil.

Scenario changes put facilities and mobile stops at new places; a place outside the region is a
typing error (swapped latitude and longitude, a wrong digit) far more often than a plan, so it is
refused with the coordinates named. The region is the union of its municipality and district
boundaries (GeoJSON in the region models) and of the hull of its population cells and district
centres, widened by :data:`HULL_MARGIN_M`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape

#: Margin around the hull of a region without boundaries (metres ≈ degrees × 111 km).
HULL_MARGIN_M = 1000.0


@dataclass(frozen=True)
class RegionShape:
    region_id: int
    outline: shapely.Geometry
    districts: list[tuple[int, int, shapely.Geometry]]  # (district id, municipality id, shape)
    district_centres: list[tuple[int, int, float, float]]  # (district id, mun id, lon, lat)


def _load(region_id: int) -> RegionShape:
    from nahraum.region.models import District, Municipality, PopulationCell

    parts = [
        shape(m.boundary) for m in Municipality.objects.filter(region_id=region_id) if m.boundary
    ]
    districts = [
        (d.id, d.municipality_id, shape(d.boundary))
        for d in District.objects.filter(municipality__region_id=region_id)
        if d.boundary
    ]
    centres = [
        (d.id, d.municipality_id, d.centre_lon, d.centre_lat)
        for d in District.objects.filter(municipality__region_id=region_id)
    ]
    # The boundaries, and the hull of where people live: estimated boundaries (a demo region's,
    # or generalised official ones) may leave a village centre just outside; a place where
    # people of the region live must never count as "outside the region".
    pts = [(c[2], c[3]) for c in centres] + list(
        PopulationCell.objects.filter(region_id=region_id).values_list("lon", "lat")
    )
    hull = shapely.MultiPoint(pts).convex_hull if pts else shapely.Polygon()
    hull = hull.buffer(HULL_MARGIN_M / 111_000.0)
    shapes = [shapely.make_valid(g) for g in [*parts, *(g for _d, _m, g in districts)]]
    outline = shapely.union_all([*shapes, hull])
    return RegionShape(region_id, shapely.make_valid(outline), districts, centres)


@lru_cache(maxsize=8)
def _cached(region_id: int, stamp: tuple) -> RegionShape:
    return _load(region_id)


def region_shape(region_id: int) -> RegionShape:
    """The region's outline and districts (cached until the districts change)."""
    from django.db.models import Count, Sum

    from nahraum.region.models import District, Municipality, PopulationCell

    stamp = (
        tuple(
            District.objects.filter(municipality__region_id=region_id)
            .values_list("id", "centre_lon", "centre_lat")
            .order_by("id")
        ),
        tuple(
            Municipality.objects.filter(region_id=region_id)
            .values_list("id", "area_km2")
            .order_by("id")
        ),
        tuple(
            PopulationCell.objects.filter(region_id=region_id)
            .aggregate(n=Count("id"), lon=Sum("lon"), lat=Sum("lat"))
            .values()
        ),
    )
    return _cached(region_id, stamp)


def check_inside(region_id: int, lon: float | None, lat: float | None, what: str) -> None:
    """Raise ValidationError unless (lon, lat) lies in the region."""
    if lon is None or lat is None:
        raise ValidationError(
            _("%(what)s: a place (latitude and longitude) is needed.") % {"what": what}
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(
            _("%(what)s: %(lat)s, %(lon)s are no valid coordinates.")
            % {"what": what, "lat": lat, "lon": lon}
        )
    outline = region_shape(region_id).outline
    if outline.is_empty or not outline.covers(shapely.Point(lon, lat)):
        raise ValidationError(
            _("%(what)s: the place %(lat).5f, %(lon).5f lies outside the region.")
            % {"what": what, "lat": lat, "lon": lon}
        )


def district_of(region_id: int, lon: float, lat: float) -> tuple[int | None, int | None]:
    """(district id, municipality id) of a point: the polygon holding it, or the nearest centre."""
    rs = region_shape(region_id)
    point = shapely.Point(lon, lat)
    for district_id, municipality_id, geom in rs.districts:
        if geom.covers(point):
            return district_id, municipality_id
    if not rs.district_centres:
        return None, None
    arr = np.asarray([(c[2], c[3]) for c in rs.district_centres])
    scale = np.cos(np.radians(lat))
    i = int(np.argmin(((arr[:, 0] - lon) * scale) ** 2 + (arr[:, 1] - lat) ** 2))
    return rs.district_centres[i][0], rs.district_centres[i][1]
