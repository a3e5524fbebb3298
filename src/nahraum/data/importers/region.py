"""A whole region from a manifest (``region.json``): sources, municipalities, then its files."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from shapely.geometry import mapping as geojson_mapping

from nahraum.region.models import (
    District,
    Municipality,
    Region,
)

from ..readers import (
    DataImportError,
    read_table,
)
from .base import ImportReport, Progress, SourceSpec
from .cells import import_cells
from .districts import import_districts
from .facilities import import_facilities


def _source_from_manifest(spec: Mapping[str, Any]) -> SourceSpec:
    date = spec.get("date")
    return SourceSpec(
        key=spec["key"],
        name=spec["name"],
        licence=spec.get("licence", "nicht angegeben / not stated"),
        publisher=spec.get("publisher", ""),
        url=spec.get("url", ""),
        date=dt.date.fromisoformat(date) if date else None,
        is_illustrative=bool(spec.get("is_illustrative", False)),
        note=spec.get("note", ""),
    )


def import_region(
    manifest: str | Path, progress_factory: Callable[[str], Progress] | None = None
) -> ImportReport:
    """Load a region from a manifest (``region.json``): sources, municipalities, then files.

    The manifest names the region, its data sources, its municipalities with official totals,
    and the files of municipality boundaries, districts, cells and facilities with their source
    and CRS. Everything is one transaction: a region is loaded whole or not at all.
    """
    from ..taxonomy import load_taxonomy

    manifest = Path(manifest)
    base = manifest.parent
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataImportError(manifest, [f"not a readable region manifest: {exc}"]) from None
    problems = [
        f"{manifest.name}: key {k!r} missing"
        for k in ("slug", "name", "sources", "municipalities", "source")
        if k not in spec
    ]
    if problems:
        raise DataImportError(manifest, problems)
    sources = {s["key"]: _source_from_manifest(s) for s in spec["sources"]}

    def src(key: str) -> SourceSpec:
        if key not in sources:
            raise DataImportError(manifest, [f"source {key!r} is not listed under 'sources'"])
        return sources[key]

    def prog(label: str) -> Progress | None:
        return progress_factory(label) if progress_factory else None

    report = ImportReport("region")
    with transaction.atomic():
        load_taxonomy()
        region_source = src(spec["source"]).save(
            base / spec["source_file"] if spec.get("source_file") else None
        )
        region, _ = Region.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec.get("description", ""),
                "source": region_source,
            },
        )
        boundaries: dict[str, dict] = {}
        bspec = spec.get("municipality_boundaries")
        boundary_source = None
        if bspec:
            bpath = base / bspec["file"]
            boundaries = _boundaries(bpath, bspec.get("crs"))
            boundary_source = src(bspec["source"]).save(bpath)
        mreport = ImportReport("municipalities")
        for m in spec["municipalities"]:
            msrc = src(m["source"]).save(None)
            date = m.get("population_date")
            _, created = Municipality.objects.update_or_create(
                ags=m["ags"],
                defaults={
                    "region": region,
                    "name": m["name"],
                    "population": m["population"],
                    "population_date": dt.date.fromisoformat(date) if date else None,
                    "area_km2": m["area_km2"],
                    "trend": m.get("trend", "stable"),
                    "annual_growth_rate": m.get("annual_growth_rate", 0.0),
                    "boundary": json.loads(json.dumps(boundaries.get(m["ags"]))),
                    "source": msrc,
                    "boundary_source": boundary_source if m["ags"] in boundaries else None,
                },
            )
            mreport.created += int(created)
            mreport.updated += int(not created)
        report.parts.append(mreport)
        for part, func in (
            ("districts", import_districts),
            ("cells", import_cells),
            ("facilities", import_facilities),
        ):
            pspec = spec.get(part)
            if not pspec:
                continue
            report.parts.append(
                func(
                    base / pspec["file"],
                    source=src(pspec["source"]),
                    region=region.slug,
                    crs=pspec.get("crs"),
                    mapping=pspec.get("map"),
                    is_estimate=bool(pspec.get("is_estimate", False)),
                    progress=prog(part),
                )
            )
        network = spec.get("network")
        if network:
            src(network["source"]).save(base / network["file"])
        _check_totals(region, manifest, spec)
        region.crs = _planar_crs(region, manifest, spec)
        region.save(update_fields=["crs"])
    return report


def _planar_crs(region: Region, manifest: Path, spec: Mapping[str, Any]) -> str:
    """The region's planar CRS: the manifest's ``planar_crs`` if given, else the UTM zone of
    its municipality boundaries (or Ortsteil centres), else the one it had.

    Chosen from the data because a UTM zone is a map of distances only near its central
    meridian: a region in Saxony or Bavaria east of 12° E belongs in zone 33, one abroad in its
    own zone, where EPSG:25832 (zone 32, Lemgo's) would stretch every distance."""
    import numpy as np
    import shapely
    from pyproj import CRS
    from pyproj.exceptions import CRSError
    from shapely.geometry import shape

    from nahraum.access.projection import utm_crs

    given = spec.get("planar_crs")
    if given:
        try:
            crs = CRS.from_user_input(given)
        except CRSError:
            crs = None
        if crs is None or not crs.is_projected:
            raise DataImportError(
                manifest, [f"planar_crs {given!r}: not a projected reference system (metres)"]
            )
        return str(given)
    coords = [
        shapely.get_coordinates(shape(m.boundary))
        for m in Municipality.objects.filter(region=region)
        if m.boundary
    ]
    if not coords:
        coords = [
            np.array([[d.centre_lon, d.centre_lat]])
            for d in District.objects.filter(municipality__region=region)
        ]
    if not coords:
        return region.crs
    xy = np.concatenate(coords)
    return utm_crs(xy[:, 0], xy[:, 1])


def _boundaries(path: Path, crs: str | None) -> dict[str, dict]:
    """Municipality boundaries by AGS: valid polygons inside the import bounds, all checked
    before any is used (the reader refuses empty, invalid, misplaced and mis-projected ones)."""
    table = read_table(path, crs=crs)
    problems = list(table.problems)
    boundaries: dict[str, dict] = {}
    for i, row in enumerate(table.rows):
        geom = table.geometries[i] if table.geometries else None
        where = f"{path.name}, {table.labels[i]}"
        if i in table.refused:
            continue
        if geom is None or row.get("ags") in (None, ""):
            problems.append(f"{where}: needs 'ags' and a polygon")
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(f"{where}: a {geom.geom_type} is not a municipality boundary")
        else:
            boundaries[str(row["ags"])] = geojson_mapping(geom)
    if problems:
        raise DataImportError(path, problems)
    return boundaries


def _check_totals(region: Region, manifest: Path, spec: Mapping[str, Any]) -> None:
    """Refuse a region whose Ortsteile do not add up to the official municipal totals."""
    if not spec.get("districts"):
        return
    problems = []
    for m in Municipality.objects.filter(region=region):
        total = sum(d.population for d in m.districts.all())
        if total != m.population:
            problems.append(f"{m.name}: Ortsteile sum to {total}, official total is {m.population}")
    if problems:
        raise DataImportError(manifest, problems)
