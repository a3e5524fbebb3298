"""Facilities and Ortsteile straight from an OpenStreetMap extract (PBF, XML or gzipped XML).

So that any region has real data on the first day: facility types come from the taxonomy's OSM
tag mapping (``bundled/taxonomy.json``), the OSM id is the stable id (``osm:node/123``,
``osm:way/45``, ``osm:relation/6``) so that re-importing a newer extract updates instead of
duplicating, and ways and areas become their centroid. Ortsteile come from administrative
boundaries (admin_level 9/10) where they are mapped, otherwise from place nodes.

Only objects within the region (plus a margin for the facilities) are imported; an extract of a
whole Regierungsbezirk is the normal input.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import osmium
import shapely
from shapely import wkb

from .importers.base import (
    DEFAULT_MARGIN_KM,
    ImportReport,
    Progress,
    SourceSpec,
    get_region,
    upsert,
)
from .importers.facilities import write_facilities
from .importers.places import Locator
from .readers import DataImportError
from .taxonomy import OsmTagMatcher

OSM_LICENCE = "ODbL-1.0 (© OpenStreetMap contributors)"
PLACE_KINDS = {
    "town": "core",
    "city": "core",
    "suburb": "core",
    "quarter": "core",
    "village": "village",
    "hamlet": "village",
}


def _open_check(path: Path) -> None:
    if not path.exists():
        raise DataImportError(path, [f"file not found: {path}"])
    if path.stat().st_size == 0:
        raise DataImportError(path, ["the file is empty"])


def _source(path: Path, name: str, date: dt.date | None) -> SourceSpec:
    return SourceSpec(
        key=f"osm-{path.name}".replace(".", "-")[:100],
        name=f"OpenStreetMap: {name} ({path.name})",
        publisher="OpenStreetMap contributors",
        licence=OSM_LICENCE,
        url="https://www.openstreetmap.org/copyright",
        date=date,
        note="Imported with nahraum's documented tag mapping (bundled/taxonomy.json).",
    )


def scan_facilities(path: str | Path) -> list[dict]:
    """Every object in the file that the tag mapping recognises, as (key, type, name, lon, lat).

    Nodes keep their position; open ways their line's centroid; closed ways and multipolygons
    are assembled into areas (by osmium) and reduced to their centroid, keyed by the way or
    relation they came from.
    """
    path = Path(path)
    _open_check(path)
    matcher = OsmTagMatcher.from_taxonomy()
    factory = osmium.geom.WKBFactory()
    found: dict[str, dict] = {}

    def wanted(tags) -> str | None:
        if not any(k in tags for k in matcher.keys):
            return None
        return matcher.match({t.k: t.v for t in tags})

    def keep(key: str, ftype: str, tags, point) -> None:
        found[key] = {
            "key": key,
            "type": ftype,
            "name": tags.get("name", ""),
            "address": " ".join(
                filter(
                    None,
                    [
                        tags.get("addr:street", ""),
                        tags.get("addr:housenumber", ""),
                        tags.get("addr:city", ""),
                    ],
                )
            ),
            "capacity": tags.get("capacity"),
            "lon": point.x,
            "lat": point.y,
        }

    try:
        # only objects (and multipolygon relations) with a key of the mapping are handed over;
        # on a Regierungsbezirk extract this skips the millions of buildings and roads
        keys = sorted(matcher.keys)
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_areas(osmium.filter.KeyFilter(*keys))
            .with_filter(osmium.filter.KeyFilter(*keys))
        )
        for obj in processor:
            if obj.is_node():
                ftype = wanted(obj.tags)
                if ftype and obj.location.valid():
                    keep(
                        f"osm:node/{obj.id}",
                        ftype,
                        obj.tags,
                        shapely.Point(obj.location.lon, obj.location.lat),
                    )
            elif obj.is_way():
                if obj.is_closed() and len(obj.nodes) >= 4:
                    continue  # handled as an area below
                ftype = wanted(obj.tags)
                if ftype:
                    try:
                        line = wkb.loads(factory.create_linestring(obj), hex=True)
                    except (osmium.InvalidLocationError, RuntimeError):
                        continue
                    keep(f"osm:way/{obj.id}", ftype, obj.tags, line.centroid)
            elif obj.is_area():
                ftype = wanted(obj.tags)
                if ftype:
                    try:
                        poly = wkb.loads(factory.create_multipolygon(obj), hex=True)
                    except (osmium.InvalidLocationError, RuntimeError):
                        continue
                    kind = "way" if obj.from_way() else "relation"
                    keep(f"osm:{kind}/{obj.orig_id()}", ftype, obj.tags, poly.centroid)
    except RuntimeError as exc:
        raise DataImportError(path, [f"not a readable OSM file: {exc}"]) from None
    return list(found.values())


def import_osm_facilities(
    path: str | Path,
    *,
    region: str | None = None,
    margin_km: float = DEFAULT_MARGIN_KM,
    date: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the recognised facilities of an OSM extract that lie in or near the region."""
    path = Path(path)
    reg = get_region(region)
    items = scan_facilities(path)
    from nahraum.region.models import FacilityType

    types = {t.key: t for t in FacilityType.objects.all()}
    locator = Locator(reg, margin_km)
    lon = np.array([f["lon"] for f in items], dtype=float)
    lat = np.array([f["lat"] for f in items], dtype=float)
    inside = locator.within_margin(lon, lat)
    munis = locator.municipality_of(lon, lat)
    dists = locator.district_of(lon, lat, munis)
    records = []
    skipped = 0
    missing_types: set[str] = set()
    for i, f in enumerate(items):
        if not inside[i]:
            skipped += 1
            continue
        if f["type"] not in types:
            missing_types.add(f["type"])
            continue
        try:
            capacity = float(f["capacity"]) if f["capacity"] else None
        except ValueError:
            capacity = None  # OSM capacity tags are free text ("ca. 40"); not a figure
        records.append(
            {
                "key": f["key"],
                "type": types[f["type"]],
                "name": f["name"][:300],
                "address": f["address"][:300],
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "capacity": capacity,
                "municipality": munis[i],
                "district": dists[i],
                "is_estimate": False,
            }
        )
    if missing_types:
        raise DataImportError(
            path,
            [
                f"facility type {t!r} from the tag mapping is not in the "
                "database; load the taxonomy (nahraum demo)"
                for t in sorted(missing_types)
            ],
        )
    report = write_facilities(records, _source(path, "facilities", date), path, progress)
    report.skipped = skipped
    return report


def scan_districts(
    path: str | Path, admin_levels: tuple[str, ...] = ("9", "10")
) -> tuple[list[dict], list[dict]]:
    """Administrative boundaries of the given levels, and place nodes, from an OSM file."""
    path = Path(path)
    _open_check(path)
    factory = osmium.geom.WKBFactory()
    boundaries: list[dict] = []
    places: list[dict] = []
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_areas(osmium.filter.KeyFilter("boundary"))
            .with_filter(osmium.filter.KeyFilter("place", "boundary"))
        )
        for obj in processor:
            if obj.is_node():
                kind = PLACE_KINDS.get(obj.tags.get("place", ""))
                if kind and obj.tags.get("name") and obj.location.valid():
                    places.append(
                        {
                            "key": f"osm:node/{obj.id}",
                            "name": obj.tags["name"],
                            "kind": kind,
                            "population": obj.tags.get("population"),
                            "lon": obj.location.lon,
                            "lat": obj.location.lat,
                            "geometry": None,
                        }
                    )
            elif obj.is_area():
                if (
                    obj.tags.get("boundary") == "administrative"
                    and obj.tags.get("admin_level") in admin_levels
                    and obj.tags.get("name")
                ):
                    try:
                        poly = wkb.loads(factory.create_multipolygon(obj), hex=True)
                    except (osmium.InvalidLocationError, RuntimeError):
                        continue
                    kind = "way" if obj.from_way() else "relation"
                    rp = poly.representative_point()
                    boundaries.append(
                        {
                            "key": f"osm:{kind}/{obj.orig_id()}",
                            "name": obj.tags["name"],
                            "kind": None,
                            "population": obj.tags.get("population"),
                            "lon": rp.x,
                            "lat": rp.y,
                            "geometry": poly,
                        }
                    )
    except RuntimeError as exc:
        raise DataImportError(path, [f"not a readable OSM file: {exc}"]) from None
    return boundaries, places


def import_osm_districts(
    path: str | Path,
    *,
    region: str | None = None,
    admin_levels: tuple[str, ...] = ("9", "10"),
    date: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update Ortsteile from OSM, within the region's municipalities.

    Boundaries win over place nodes: where any admin_level 9/10 boundary lies in the region,
    only boundaries are used. OSM rarely carries population; Ortsteile without a ``population``
    tag get 0 and a note, to be filled from the municipality's statistics.
    """
    from django.db import transaction
    from shapely.geometry import mapping

    from nahraum.region.models import District

    path = Path(path)
    reg = get_region(region)
    boundaries, places = scan_districts(path, admin_levels)
    locator = Locator(reg, margin_km=0)
    if not locator.has_municipality_boundaries:
        raise DataImportError(
            path,
            [
                f"region {reg.slug} has no municipality boundaries; "
                "Ortsteile cannot be assigned to municipalities"
            ],
        )

    def in_region(items: list[dict]) -> tuple[list[dict], list]:
        lon = np.array([i["lon"] for i in items], dtype=float)
        lat = np.array([i["lat"] for i in items], dtype=float)
        munis = locator.municipality_of(lon, lat)
        return [i for i, m in zip(items, munis, strict=True) if m], [m for m in munis if m]

    items, munis = in_region(boundaries)
    used = "boundaries"
    if not items:
        items, munis = in_region(places)
        used = "place nodes"
    report = ImportReport("districts")
    report.notes.append(
        f"Ortsteile from OSM {used} (admin_level {', '.join(admin_levels)})"
        if used == "boundaries"
        else "Ortsteile from OSM place nodes (no admin_level 9/10 boundaries mapped in the region)"
    )
    records = []
    no_pop = []
    for item, muni in zip(items, munis, strict=True):
        try:
            pop = int(str(item["population"]).replace(".", "").replace(" ", ""))
        except (TypeError, ValueError):
            pop = 0
            no_pop.append(item["name"])
        kind = item["kind"] or (
            "core"
            if item["name"].lower() in muni.name.lower()
            or muni.name.lower() in item["name"].lower()
            else "village"
        )
        records.append(
            {
                "key": item["key"],
                "municipality": muni,
                "name": item["name"][:200],
                "kind": kind,
                "population": max(pop, 0),
                "population_by_age": {},
                "boundary": mapping(item["geometry"]) if item["geometry"] is not None else None,
                "centre_lon": item["lon"],
                "centre_lat": item["lat"],
                "is_estimate": False,
            }
        )
    if no_pop:
        report.notes.append(
            f"{len(no_pop)} Ortsteile without a population tag got 0; import "
            "populations with `nahraum import districts`"
        )
    with transaction.atomic():
        src = _source(path, "districts", date).save(path)
        for rec in records:
            rec["source"] = src
        existing = District.objects.in_bulk([r["key"] for r in records], field_name="key")
        upsert(District, "key", records, existing, progress, report)
    return report
