"""Ortsteile from GeoJSON/GeoPackage (boundaries) or CSV (centres), with population."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from shapely.geometry import mapping as geojson_mapping

from nahraum.region.models import (
    District,
    Municipality,
)

from ..readers import (
    Bounds,
    Columns,
    DataImportError,
    outside_message,
    parse_count,
    parse_number,
    read_table,
)
from .base import (
    DEFAULT_MARGIN_KM,
    ImportReport,
    Progress,
    SourceSpec,
    age_columns,
    check_ids,
    get_region,
    key_slug,
    refuse_foreign,
    row_ages,
    row_key,
    upsert,
)
from .places import Locator, row_points


def import_districts(
    path: str | Path,
    *,
    source: SourceSpec,
    region: str | None = None,
    mapping: Mapping[str, str] | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    is_estimate: bool = False,
    id_prefix: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import Ortsteile from GeoJSON/GeoPackage (boundaries) or CSV (centres) with population.

    Fields: ``id`` (stable), ``name``, ``population``, optional ``kind`` (core/village or
    Kernstadt/Dorf), ``municipality`` (AGS or name; else point-in-polygon), age bands
    (``age_0_5`` … ``age_75plus`` or ``0-5`` … ``75+``), ``centre_lat``/``centre_lon``.
    """
    path = Path(path)
    reg = get_region(region)
    table = read_table(path, layer=layer, encoding=encoding, crs=crs)
    cols = Columns(table, mapping)
    problems = list(table.problems)
    name_col = cols.require("name", "ortsteil", "bezeichnung", "gen")
    pop_col = cols.require("population", "einwohner", "ew", "pop")
    id_col = cols.find("id", "key", "ags", "schluessel", "ots")
    kind_col = cols.find("kind", "art", "typ")
    muni_col = cols.find("municipality", "gemeinde", "kommune", "ags_gemeinde")
    clat_col = cols.find("centre_lat", "center_lat")
    clon_col = cols.find("centre_lon", "center_lon")
    age_cols = age_columns(cols)
    lon, lat, ok = row_points(table, cols, crs, problems, required=False)
    munis = list(Municipality.objects.filter(region=reg))
    by_ags = {m.ags: m for m in munis}
    by_name = {m.name.lower(): m for m in munis}
    locator = Locator(reg)
    bounds = Bounds.from_env()
    fname = path.name
    ids: list[str | None] = []
    records: list[dict] = []
    for i, row in enumerate(table.rows):
        where = f"{fname}, {table.labels[i]}"
        name = str(row.get(name_col) or "").strip()
        if not name:
            problems.append(f"{where}, field {name_col!r}: name missing")
        try:
            pop = parse_count(row.get(pop_col))
            if pop is None:
                problems.append(f"{where}, field {pop_col!r}: population missing")
        except ValueError as exc:
            problems.append(f"{where}, field {pop_col!r}: {exc}")
            pop = None
        kind = _kind(row.get(kind_col) if kind_col else None)
        if kind is None:
            problems.append(
                f"{where}, field {kind_col!r}: {row.get(kind_col)!r} is neither "
                "core (Kernstadt/Hauptort) nor village (Dorf/Ortsteil)"
            )
        refused = i in table.refused  # the reader has said why (invalid, outside, CRS)
        geom = table.geometries[i] if table.geometries is not None and not refused else None
        boundary = _boundary(geom, where, locator, reg.slug, problems)
        centre = None
        if clat_col and clon_col and row.get(clat_col) not in (None, ""):
            centre = _centre(row, clon_col, clat_col, where, bounds, problems)
            refused = refused or centre is None
        if centre is None and ok[i]:
            centre = (float(lon[i]), float(lat[i]))
        if centre is None and not refused:
            problems.append(f"{where}: no place (geometry, centre_lat/centre_lon or lat/lon)")
        if centre is not None and locator.has_municipality_boundaries:
            if not locator.within_margin(np.array([centre[0]]), np.array([centre[1]]))[0]:
                problems.append(
                    f"{where}: lat {centre[1]:.5f} / lon {centre[0]:.5f} lies more than "
                    f"{DEFAULT_MARGIN_KM:g} km outside region {reg.slug}; wrong coordinates "
                    "or reference system (--crs)?"
                )
        muni = None
        if muni_col and row.get(muni_col) not in (None, ""):
            value = str(row.get(muni_col)).strip()
            muni = by_ags.get(value) or by_name.get(value.lower())
            if muni is None:
                problems.append(
                    f"{where}, field {muni_col!r}: no municipality {value!r} in "
                    f"region {reg.slug} (known: "
                    f"{', '.join(sorted(f'{m.name} ({m.ags})' for m in munis))})"
                )
        elif centre is not None:
            muni = locator.municipality_of(np.array([centre[0]]), np.array([centre[1]]))[0]
            if muni is None:
                problems.append(
                    f"{where}: the Ortsteil lies in none of the region's "
                    "municipalities; give a municipality column (AGS or name)"
                )
        key = row_key(row, id_col, id_prefix)
        if key is None and muni is not None and name:
            key = f"ot:{muni.ags}:{key_slug(name)}"
        ids.append(key)
        by_age = row_ages(table, cols, i, pop, problems, age_cols) if age_cols else {}
        if centre is None or muni is None or pop is None or kind is None or not name:
            continue
        records.append(
            {
                "key": key,
                "municipality": muni,
                "name": name[:200],
                "kind": kind,
                "population": pop,
                "population_by_age": by_age,
                "boundary": boundary,
                "centre_lon": centre[0],
                "centre_lat": centre[1],
                "is_estimate": is_estimate,
            }
        )
    check_ids(table, ids, id_col or "name", problems)
    if problems:
        raise DataImportError(path, problems)
    report = ImportReport("districts")
    with transaction.atomic():
        src = source.save(path)
        for rec in records:
            rec["source"] = src
        existing = District.objects.in_bulk([r["key"] for r in records], field_name="key")
        refuse_foreign(existing, src, path, "Ortsteil")
        clash = [k for k, d in existing.items() if d.municipality.region_id != reg.pk]
        if clash:
            raise DataImportError(
                path, [f"id {k!r} belongs to a district of another region" for k in clash]
            )
        upsert(District, "key", records, existing, progress, report)
    return report


def _boundary(geom, where: str, locator: Locator, region: str, problems: list[str]) -> dict | None:
    """The GeoJSON boundary of a (checked) polygon feature; a point is a centre, nothing else is
    an Ortsteil. A boundary must stay within the margin around the region's municipalities."""
    if geom is None or geom.geom_type == "Point":
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(
            f"{where}: a {geom.geom_type} is not an Ortsteil; give its boundary "
            "(Polygon/MultiPolygon) or its centre (Point)"
        )
        return None
    if locator.has_municipality_boundaries and not locator.contains_shape(geom):
        problems.append(
            f"{where}: the boundary reaches more than {DEFAULT_MARGIN_KM:g} km beyond the "
            f"municipalities of region {region}; wrong coordinates or reference system?"
        )
    return json.loads(json.dumps(geojson_mapping(geom)), parse_float=lambda s: round(float(s), 7))


def _centre(
    row: Mapping[str, Any],
    lon_col: str,
    lat_col: str,
    where: str,
    bounds: Bounds,
    problems: list[str],
) -> tuple[float, float] | None:
    """``centre_lon``/``centre_lat`` as WGS 84 degrees inside the bounds, else a problem."""
    try:
        lon, lat = parse_number(row.get(lon_col)), parse_number(row.get(lat_col))
    except ValueError as exc:
        problems.append(f"{where}, field {lat_col!r}/{lon_col!r}: {exc}")
        return None
    if lon is None or lat is None:
        problems.append(f"{where}, field {lat_col!r}/{lon_col!r}: centre incomplete")
        return None
    if not (abs(lon) <= 180 and abs(lat) <= 90):
        problems.append(
            f"{where}, field {lat_col!r}/{lon_col!r}: lat {lat} / lon {lon} are not WGS 84 "
            "degrees; the centre is given in degrees"
        )
        return None
    if not bounds.contains(np.array([lon]), np.array([lat]))[0]:
        problems.append(
            outside_message(f"{where}, field {lat_col!r}/{lon_col!r}", lon, lat, bounds)
        )
        return None
    return lon, lat


def _kind(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return District.Kind.VILLAGE
    text = str(value).strip().lower()
    if text in {"core", "kernstadt", "kern", "hauptort", "stadt", "town", "zentrum", "core town"}:
        return District.Kind.CORE
    if text in {"village", "dorf", "ortsteil", "ortschaft", "hamlet", "weiler"}:
        return District.Kind.VILLAGE
    return None
