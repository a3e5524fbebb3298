"""Facilities from CSV, GeoJSON or GeoPackage; writing them is shared with the OSM importer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from django.db import transaction

from nahraum.region.models import (
    Facility,
    FacilityType,
)

from ..readers import (
    Columns,
    DataImportError,
    parse_number,
    read_table,
)
from .base import (
    DEFAULT_MARGIN_KM,
    ImportReport,
    Progress,
    SourceSpec,
    check_ids,
    get_region,
    key_slug,
    refuse_foreign,
    row_key,
    upsert,
)
from .places import Locator, row_points


def _facility_types() -> dict[str, FacilityType]:
    lookup: dict[str, FacilityType] = {}
    for t in FacilityType.objects.all():
        for label in (t.key, t.name_de, t.name_en):
            lookup[label.strip().lower()] = t
    return lookup


def import_facilities(
    path: str | Path,
    *,
    source: SourceSpec,
    region: str | None = None,
    mapping: Mapping[str, str] | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    is_estimate: bool = False,
    default_type: str | None = None,
    margin_km: float = DEFAULT_MARGIN_KM,
    id_prefix: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import facilities from CSV (lat/lon or x/y + CRS), GeoJSON or GeoPackage.

    Fields: ``id`` (stable), ``type`` (taxonomy key or German/English name; or --type for a
    single-type register), optional ``name``, ``capacity``, ``address``. A facility may lie up
    to ``margin_km`` outside the region (it still serves the region across the border);
    further away it is refused as a likely coordinate error.
    """
    path = Path(path)
    reg = get_region(region)
    table = read_table(path, layer=layer, encoding=encoding, crs=crs)
    cols = Columns(table, mapping)
    problems = list(table.problems)
    types = _facility_types()
    if not types:
        raise DataImportError(
            path, ["no facility types are defined; run `nahraum demo` or load the taxonomy first"]
        )
    type_col = None if default_type else cols.require("type", "art", "kategorie", "category")
    fixed_type = None
    if default_type:
        fixed_type = types.get(default_type.lower())
        if fixed_type is None:
            raise DataImportError(
                path,
                [
                    f"unknown facility type {default_type!r}; known: "
                    f"{', '.join(sorted({t.key for t in types.values()}))}"
                ],
            )
    id_col = cols.find("id", "key", "nr", "nummer")
    name_col = cols.find("name", "bezeichnung", "einrichtung")
    cap_col = cols.find("capacity", "kapazitaet", "kapazität", "plaetze", "plätze")
    addr_col = cols.find("address", "adresse", "anschrift")
    lon, lat, ok = row_points(table, cols, crs, problems)
    locator = Locator(reg, margin_km)
    inside = locator.within_margin(np.nan_to_num(lon), np.nan_to_num(lat))
    munis = locator.municipality_of(np.nan_to_num(lon), np.nan_to_num(lat))
    dists = locator.district_of(np.nan_to_num(lon), np.nan_to_num(lat), munis)
    fname = path.name
    ids: list[str | None] = []
    records = []
    for i, row in enumerate(table.rows):
        where = f"{fname}, {table.labels[i]}"
        ftype = fixed_type
        if type_col:
            value = str(row.get(type_col) or "").strip()
            ftype = types.get(value.lower())
            if ftype is None:
                problems.append(
                    f"{where}, field {type_col!r}: unknown facility type {value!r}; known: "
                    f"{', '.join(sorted({t.key for t in types.values()}))}"
                )
        if ok[i] and not inside[i]:
            problems.append(
                f"{where}: lat {lat[i]:.5f} / lon {lon[i]:.5f} lies more than {margin_km:g} km "
                f"outside region {reg.slug}; wrong coordinates or reference system (--crs)?"
            )
        capacity = None
        if cap_col:
            try:
                capacity = parse_number(row.get(cap_col))
                if capacity is not None and capacity < 0:
                    raise ValueError(f"{row.get(cap_col)!r} is negative")
            except ValueError as exc:
                problems.append(f"{where}, field {cap_col!r}: {exc}")
        key = row_key(row, id_col, id_prefix)
        if key is None:
            if id_col:
                problems.append(f"{where}, field {id_col!r}: id missing")
            elif ok[i] and ftype is not None:
                key = f"{key_slug(path.stem)}:{ftype.key}:{lat[i]:.6f},{lon[i]:.6f}"
        ids.append(key)
        if ftype is None or not ok[i] or not inside[i] or key is None:
            continue
        records.append(
            {
                "key": key,
                "type": ftype,
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "name": str(row.get(name_col) or "").strip()[:300] if name_col else "",
                "address": str(row.get(addr_col) or "").strip()[:300] if addr_col else "",
                "capacity": capacity,
                "municipality": munis[i],
                "district": dists[i],
                "is_estimate": is_estimate,
            }
        )
    check_ids(table, ids, id_col or "id", problems)
    if problems:
        raise DataImportError(path, problems)
    return write_facilities(records, source, path, progress, foreign_ids="refuse")


def write_facilities(
    records: list[dict],
    source: SourceSpec,
    path: Path | None,
    progress: Progress | None = None,
    foreign_ids: str = "update",
) -> ImportReport:
    """Write validated facility records in one transaction (used by the OSM importer too)."""
    report = ImportReport("facilities")
    with transaction.atomic():
        src = source.save(path)
        for rec in records:
            rec["source"] = src
        existing = Facility.objects.in_bulk([r["key"] for r in records], field_name="key")
        if foreign_ids == "refuse":
            refuse_foreign(existing, src, path, "facility")
        upsert(Facility, "key", records, existing, progress, report)
    return report
