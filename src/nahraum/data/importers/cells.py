"""People at places: census grid cells, buildings or addresses, by age band."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from django.db import transaction
from pyproj import Transformer

from nahraum.region.models import (
    PopulationCell,
)

from ..readers import (
    Columns,
    DataImportError,
    Table,
    parse_count,
    read_table,
)
from .base import (
    ImportReport,
    Progress,
    SourceSpec,
    age_columns,
    check_ids,
    get_region,
    refuse_foreign,
    row_ages,
    row_key,
    upsert,
)
from .places import Locator, row_points


def import_cells(
    path: str | Path,
    *,
    source: SourceSpec,
    region: str | None = None,
    mapping: Mapping[str, str] | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    is_estimate: bool = False,
    clip: bool = False,
    id_prefix: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Import people at places: census 100 m grid cells, buildings or addresses, by age band.

    Fields: ``id`` (stable; e.g. the census cell id), ``population`` (census: ``Einwohner``),
    optional age bands, coordinates (lat/lon, x/y with --crs, or geometry). Cells outside the
    region's municipalities are refused unless ``clip`` drops them, since a census file usually
    covers far more than the region.
    """
    path = Path(path)
    reg = get_region(region)
    locator = Locator(reg, margin_km=0)
    row_filter = _bbox_filter(path, locator, mapping, crs) if clip else None
    table = read_table(path, layer=layer, encoding=encoding, crs=crs, row_filter=row_filter)
    cols = Columns(table, mapping)
    problems = list(table.problems)
    pop_col = cols.require("population", "einwohner", "ew", "pop", "insgesamt_bevoelkerung")
    id_col = cols.find("id", "key", "gitter_id_100m", "gitter_id", "cell_id")
    age_cols = age_columns(cols)
    lon, lat, ok = row_points(table, cols, crs, problems)
    munis = locator.municipality_of(np.nan_to_num(lon), np.nan_to_num(lat))
    if locator.extent is None or not locator.has_municipality_boundaries:
        inside = locator.within_margin(np.nan_to_num(lon), np.nan_to_num(lat))
    else:
        inside = np.array([m is not None for m in munis])
    dists = locator.district_of(np.nan_to_num(lon), np.nan_to_num(lat), munis)
    fname = path.name
    ids: list[str | None] = []
    records = []
    skipped = 0
    for i, row in enumerate(table.rows):
        where = f"{fname}, {table.labels[i]}"
        try:
            pop = parse_count(row.get(pop_col))
            if pop is None:
                problems.append(f"{where}, field {pop_col!r}: population missing")
        except ValueError as exc:
            problems.append(f"{where}, field {pop_col!r}: {exc}")
            pop = None
        if ok[i] and not inside[i]:
            if clip:
                skipped += 1
                ids.append(None)
                continue
            problems.append(
                f"{where}: lat {lat[i]:.5f} / lon {lon[i]:.5f} lies outside the "
                f"municipalities of region {reg.slug} (use --clip to drop such "
                "cells, or check --crs)"
            )
        by_age = row_ages(table, cols, i, pop, problems, age_cols) if age_cols else {}
        key = row_key(row, id_col, id_prefix)
        if key is None and ok[i]:
            key = f"cell:{lat[i]:.6f},{lon[i]:.6f}"
        ids.append(key)
        if pop is None or not ok[i] or not inside[i] or key is None:
            continue
        records.append(
            {
                "region": reg,
                "key": key,
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "population": pop,
                "population_by_age": by_age,
                "municipality": munis[i],
                "district": dists[i],
                "is_estimate": is_estimate,
            }
        )
    check_ids(table, ids, id_col or "coordinates", problems)
    if problems:
        raise DataImportError(path, problems)
    report = ImportReport("cells", skipped=skipped + table.skipped)
    with transaction.atomic():
        src = source.save(path)
        for rec in records:
            rec["source"] = src
        existing = {
            c.key: c
            for c in PopulationCell.objects.filter(region=reg, key__in=[r["key"] for r in records])
        }
        refuse_foreign(existing, src, path, "cell")
        upsert(PopulationCell, "key", records, existing, progress, report, batch=2000)
    return report


def _bbox_filter(path: Path, locator: Locator, mapping: Mapping[str, str] | None, crs: str | None):
    """A cheap pre-filter for --clip: drop rows far outside the region's box while reading.

    Rows whose coordinates cannot be parsed are kept, so that they are reported as errors.
    """
    if locator.extent is None:
        return None

    def factory(columns: list[str]):
        cols = Columns(Table(path=path, columns=columns, rows=[], labels=[]), mapping)
        lat_col = cols.find("lat", "latitude", "breite", "y_wgs84")
        lon_col = cols.find("lon", "lng", "longitude", "laenge", "länge", "x_wgs84")
        x_col = cols.find("x", "x_mp_100m", "x_mp", "easting", "rechtswert", "ostwert")
        y_col = cols.find("y", "y_mp_100m", "y_mp", "northing", "hochwert", "nordwert")
        minx, miny, maxx, maxy = locator.extent.buffer(0.02).bounds  # ~1.5-2 km of slack
        if lat_col and lon_col and not crs:
            a_col, b_col = lon_col, lat_col
        elif x_col and y_col and crs:
            a_col, b_col = x_col, y_col
            try:
                to_file = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
            except Exception:
                return None  # the CRS error is reported properly later
            minx, miny, maxx, maxy = to_file.transform_bounds(minx, miny, maxx, maxy)
        else:
            return None

        def keep(row: dict) -> bool:
            try:
                a = float(str(row.get(a_col)).replace(",", "."))
                b = float(str(row.get(b_col)).replace(",", "."))
            except ValueError:
                return True
            return minx <= a <= maxx and miny <= b <= maxy

        return keep

    return factory
