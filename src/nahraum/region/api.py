"""Small read-only JSON/GeoJSON endpoints for the maps, and the geometry the pages need.

The maps fetch their layers from here rather than from data inlined into the HTML, so that a
page with hundreds of bus stops stays small and other apps can draw the same layers. Every
endpoint answers GeoJSON (RFC 7946, WGS 84 lon/lat) and refuses unknown ids with a 404 whose
JSON body names the parameter and the value, so that a typo in a URL is found at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import shapely
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from pyproj import Transformer
from shapely.geometry import Point, shape

from .cachever import public_page
from .models import District, Facility, FacilityType, InnovationField, Municipality

#: Distance around a district within which facilities count as "near" on its profile page.
#: 2 km is the NRW school-transport threshold for primary pupils and a common "still reachable
#: on foot or by bike" radius; the page states the figure, so it can be changed here.
NEAR_METRES = 2000.0

GEOJSON = "application/geo+json"


def _error(status: int, message: str, **details: Any) -> JsonResponse:
    return JsonResponse({"error": message, **details}, status=status)


@lru_cache(maxsize=4)
def _to_metric(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project(geom, crs: str = "EPSG:25832"):
    """Shapely geometry in lon/lat → the same in metres of ``crs`` (a region's ``Region.crs``;
    EPSG:25832, ETRS89 / UTM 32N, is Lemgo's and what German authorities use for NRW)."""
    metric = _to_metric(crs)
    return shapely.transform(geom, lambda x, y: metric.transform(x, y), interleaved=False)


def district_geometry(district: District) -> dict:
    """The district's boundary, or its centre point where no boundary is known."""
    if district.boundary:
        return district.boundary
    return {"type": "Point", "coordinates": [district.centre_lon, district.centre_lat]}


def older_share(by_age: dict, population: int) -> float | None:
    """Share (%) of people aged 65 and over, or None without an age structure."""
    if not by_age or not population:
        return None
    return round(100.0 * (by_age.get("65-74", 0) + by_age.get("75+", 0)) / population, 1)


def district_feature(d: District, facility_count: int | None = None) -> dict:
    """A district as a GeoJSON Feature with what the map's popup and shading need."""
    props: dict[str, Any] = {
        "key": d.key,
        "name": d.name,
        "kind": d.kind,
        "kind_label": str(d.get_kind_display()),
        "municipality": d.municipality.name,
        "municipality_ags": d.municipality.ags,
        "population": d.population,
        "share_65_plus": older_share(d.population_by_age, d.population),
        "is_estimate": d.is_estimate or d.source.is_illustrative,
        "source": d.source.name,
        "url": reverse("region:district", args=[d.key]),
    }
    if facility_count is not None:
        props["facilities"] = facility_count
    return {"type": "Feature", "id": d.key, "geometry": district_geometry(d), "properties": props}


def municipality_feature(m: Municipality) -> dict | None:
    """A municipality's boundary as a Feature, or None where no boundary is loaded."""
    if not m.boundary:
        return None
    return {
        "type": "Feature",
        "id": m.ags,
        "geometry": m.boundary,
        "properties": {
            "ags": m.ags,
            "name": m.name,
            "population": m.population,
            "area_km2": m.area_km2,
            "trend": m.trend,
            "url": reverse("region:municipality", args=[m.ags]),
        },
    }


def facility_feature(f: Facility) -> dict:
    """A facility as a GeoJSON Point Feature; `field` is the category for the map's layers."""
    return {
        "type": "Feature",
        "id": f.key,
        "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
        "properties": {
            "key": f.key,
            "name": f.name or str(f.type.name),
            "type": f.type.key,
            "type_label": f.type.name,
            "field": f.type.field.key,
            "field_label": f.type.field.name,
            "municipality": f.municipality.name if f.municipality else None,
            "district": f.district.name if f.district else None,
            "address": f.address,
            "capacity": f.capacity,
            "capacity_unit": gettext(f.type.capacity_unit) if f.type.capacity_unit else "",
            "is_estimate": f.is_estimate or f.source.is_illustrative,
            "source": f.source.name,
        },
    }


def collection(features: Iterable[dict]) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def facilities_near(
    district: District, metres: float = NEAR_METRES, queryset: QuerySet | None = None
) -> list[tuple[Facility, float, bool]]:
    """Facilities inside a district or within ``metres`` of its boundary (or centre).

    Returns (facility, distance in metres to the district area — 0 inside —, inside?) sorted by
    distance. A bounding-box prefilter in degrees keeps the exact metric test to a few hundred
    points even for a whole region.
    """
    area = (
        shape(district.boundary)
        if district.boundary
        else Point(district.centre_lon, district.centre_lat)
    )
    minx, miny, maxx, maxy = area.bounds
    pad_lat = metres / 111_000 * 1.2
    pad_lon = metres / 68_000 * 1.2  # 1° of longitude is ≈ 68 km at 52° N; generous margin
    qs = queryset if queryset is not None else Facility.objects.all()
    qs = qs.filter(
        lat__gte=miny - pad_lat,
        lat__lte=maxy + pad_lat,
        lon__gte=minx - pad_lon,
        lon__lte=maxx + pad_lon,
    ).select_related(
        "type", "type__field", "municipality", "district", "district__municipality", "source"
    )
    crs = district.municipality.region.crs
    metric_area = project(area, crs)
    out = []
    for f in qs:
        p = project(Point(f.lon, f.lat), crs)
        dist = metric_area.distance(p)
        inside = f.district_id == district.pk or (district.boundary is not None and dist == 0.0)
        if inside or dist <= metres:
            out.append((f, 0.0 if inside else dist, inside))
    out.sort(key=lambda t: (not t[2], t[1], t[0].type.order, t[0].name))
    return out


def _district_qs() -> QuerySet:
    return District.objects.select_related("municipality", "source")


@require_GET
@public_page
def municipalities_geojson(request: HttpRequest) -> JsonResponse:
    """Municipal boundaries (those loaded), for the borders drawn above the districts."""
    features = (municipality_feature(m) for m in Municipality.objects.order_by("name"))
    return JsonResponse(collection(f for f in features if f), content_type=GEOJSON)


@require_GET
@public_page
def districts_geojson(request: HttpRequest) -> JsonResponse:
    """All districts, or those of one municipality (``?municipality=<AGS>``)."""
    qs = _district_qs()
    ags = request.GET.get("municipality")
    if ags is not None:
        if not Municipality.objects.filter(ags=ags).exists():
            return _error(404, f"unknown municipality AGS {ags!r}", parameter="municipality")
        qs = qs.filter(municipality__ags=ags)
    counts: dict[int, int] = {}
    for district_id in Facility.objects.exclude(district=None).values_list(
        "district_id", flat=True
    ):
        counts[district_id] = counts.get(district_id, 0) + 1
    data = collection(district_feature(d, counts.get(d.pk, 0)) for d in qs)
    return JsonResponse(data, content_type=GEOJSON)


@require_GET
@public_page
def district_geojson(request: HttpRequest, key: str) -> JsonResponse:
    """One district as a Feature."""
    d = _district_qs().filter(key=key).first()
    if d is None:
        return _error(404, f"unknown district {key!r}", parameter="key")
    return JsonResponse(district_feature(d, d.facilities.count()), content_type=GEOJSON)


@require_GET
@public_page
def facilities_geojson(request: HttpRequest) -> JsonResponse:
    """Facilities, optionally filtered by ``type``, ``field``, ``municipality`` (AGS), ``district``.

    ``near=<district key>`` gives the facilities in and within 2 km of that district, each with
    its ``distance_m``.
    """
    qs = Facility.objects.select_related(
        "type", "type__field", "municipality", "district", "source"
    )
    filters = [
        ("type", FacilityType, "key", "type__key"),
        ("field", InnovationField, "key", "type__field__key"),
        ("municipality", Municipality, "ags", "municipality__ags"),
        ("district", District, "key", "district__key"),
    ]
    for param, model, lookup, field_path in filters:
        value = request.GET.get(param)
        if value is None:
            continue
        if not model.objects.filter(**{lookup: value}).exists():
            return _error(404, f"unknown {param} {value!r}", parameter=param)
        qs = qs.filter(**{field_path: value})
    near_key = request.GET.get("near")
    if near_key is not None:
        district = District.objects.filter(key=near_key).first()
        if district is None:
            return _error(404, f"unknown district {near_key!r}", parameter="near")
        features = []
        for f, dist, inside in facilities_near(district, queryset=qs):
            feat = facility_feature(f)
            feat["properties"]["distance_m"] = round(dist)
            feat["properties"]["inside"] = inside
            features.append(feat)
        return JsonResponse(collection(features), content_type=GEOJSON)
    return JsonResponse(collection(facility_feature(f) for f in qs), content_type=GEOJSON)
