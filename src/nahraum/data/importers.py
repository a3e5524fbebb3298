"""Importers for a region's own data: districts, facilities, population cells and whole regions.

Every importer works in two passes. The first reads and validates the whole file and collects
every problem with its place (file, row or feature, field); if there is any, nothing is written
and :class:`DataImportError` lists them. The second writes everything in one transaction. So a
file is either imported completely or not at all, and the database never holds half a register.

Records have a stable id (``id`` column, or a key derived from the source): re-importing a
corrected file updates those records instead of adding duplicates. Municipality and district are
derived by point-in-polygon (shapely STRtree) unless the file names them.

The bundled demo region is loaded by :func:`import_region` through these same functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import models, transaction
from pyproj import Transformer
from shapely.geometry import mapping as geojson_mapping
from shapely.geometry import shape

from nahraum.region.models import (
    AGE_BANDS,
    DataSource,
    District,
    Facility,
    FacilityType,
    Municipality,
    PopulationCell,
    Region,
    validate_age_structure,
)

from .readers import (
    Columns,
    DataImportError,
    Table,
    parse_count,
    parse_number,
    read_table,
    transformer_to_wgs84,
)

Progress = Callable[[int, int], object] | None

#: Column names accepted for each age band (besides the band itself, e.g. "0-5").
AGE_COLUMNS: dict[str, tuple[str, ...]] = {
    band: (
        band,
        "age_" + band.replace("-", "_").replace("+", "plus"),
        "age_" + band.replace("-", "_").replace("+", "_plus"),
    )
    for band in AGE_BANDS
}
DEFAULT_MARGIN_KM = 15.0


@dataclass
class SourceSpec:
    """What the user tells about a file: who published it, under which licence, as of when."""

    name: str
    licence: str = "nicht angegeben / not stated"
    publisher: str = ""
    url: str = ""
    date: dt.date | None = None
    is_illustrative: bool = False
    note: str = ""
    key: str | None = None

    def save(self, path: Path | None) -> DataSource:
        """Create or update the DataSource (by key), with the file's SHA-256."""
        key = self.key or _slug("file-" + (path.name if path else self.name))
        checksum = sha256_file(path) if path and path.is_file() else ""
        source, _ = DataSource.objects.update_or_create(
            key=key,
            defaults={
                "name": self.name,
                "licence": self.licence,
                "publisher": self.publisher,
                "url": self.url,
                "date": self.date,
                "is_illustrative": self.is_illustrative,
                "note": self.note,
                "checksum": checksum,
            },
        )
        return source


@dataclass
class ImportReport:
    """What an import did, for the command's output and for tests."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    parts: list[ImportReport] = field(default_factory=list)

    def summary(self) -> str:
        if self.parts:
            return "; ".join(p.summary() for p in self.parts)
        text = f"{self.kind}: {self.created} new, {self.updated} updated"
        if self.unchanged:
            text += f", {self.unchanged} unchanged"
        if self.skipped:
            text += f", {self.skipped} skipped"
        return text


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:100] or "source"


def get_region(slug: str | None) -> Region:
    regions = Region.objects.order_by("pk")
    region = regions.filter(slug=slug).first() if slug else regions.first()
    if region is None:
        raise LookupError(
            f"no region {slug!r}" if slug else
            "no region loaded yet; load one with `nahraum import region FILE` or `nahraum demo`"
        )
    return region


class Locator:
    """Point-in-polygon for municipalities and districts of a region (shapely STRtree).

    Districts without a boundary (only a centre) are found as the nearest centre within the
    point's municipality, which is how planners assign addresses to village Ortsteile anyway.
    """

    def __init__(self, region: Region, margin_km: float = DEFAULT_MARGIN_KM):
        self.municipalities = list(Municipality.objects.filter(region=region).order_by("pk"))
        self.districts = list(
            District.objects.filter(municipality__region=region).order_by("pk")
        )
        m_geoms = [_geom(m.boundary) for m in self.municipalities]
        self._m = [(m, g) for m, g in zip(self.municipalities, m_geoms, strict=True) if g]
        self._m_tree = shapely.STRtree([g for _, g in self._m]) if self._m else None
        d_geoms = [_geom(d.boundary) for d in self.districts]
        self._d = [(d, g) for d, g in zip(self.districts, d_geoms, strict=True) if g]
        self._d_tree = shapely.STRtree([g for _, g in self._d]) if self._d else None
        self._centres = [d for d, g in zip(self.districts, d_geoms, strict=True) if g is None]
        shapes = [g for _, g in self._m] or [g for _, g in self._d]
        if shapes:
            extent = shapely.union_all(shapes)
        elif self.districts:
            extent = shapely.MultiPoint([(d.centre_lon, d.centre_lat) for d in self.districts])
        else:
            extent = None
        self.extent = extent
        self.margin = None
        self._to_local = None
        if extent is not None and margin_km >= 0:
            # buffer in metres, in an equidistant projection centred on the region, so that
            # "15 km outside" means 15 km in every direction wherever the region lies
            c = extent.centroid
            self._to_local = Transformer.from_crs(
                "EPSG:4326", f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m",
                always_xy=True,
            )
            local = shapely.transform(extent, self._project)
            self.margin = local.buffer(margin_km * 1000.0)

    def _project(self, xy: np.ndarray) -> np.ndarray:
        x, y = self._to_local.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def municipality_of(self, lon: np.ndarray, lat: np.ndarray) -> list[Municipality | None]:
        return self._query(self._m_tree, self._m, lon, lat)

    def district_of(
        self, lon: np.ndarray, lat: np.ndarray, municipalities: list[Municipality | None]
    ) -> list[District | None]:
        found = self._query(self._d_tree, self._d, lon, lat)
        if self._centres:
            for i, d in enumerate(found):
                m = municipalities[i]
                if d is None and m is not None:
                    near = [c for c in self._centres if c.municipality_id == m.pk]
                    if near:
                        found[i] = min(
                            near,
                            key=lambda c: (c.centre_lon - lon[i]) ** 2 * 0.38
                            + (c.centre_lat - lat[i]) ** 2,
                        )
        return found

    def within_margin(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.margin is None:
            return np.ones(len(lon), dtype=bool)
        x, y = self._to_local.transform(np.asarray(lon, float), np.asarray(lat, float))
        return shapely.intersects_xy(self.margin, x, y)

    @staticmethod
    def _query(tree, items, lon, lat) -> list:
        result: list = [None] * len(lon)
        if tree is None or len(lon) == 0:
            return result
        points = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
        pairs = tree.query(points, predicate="intersects")
        for point_index, geom_index in zip(pairs[0], pairs[1], strict=True):
            if result[point_index] is None:
                result[point_index] = items[geom_index][0]
        return result


def _geom(geojson: dict | None):
    if not geojson:
        return None
    try:
        g = shape(geojson)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return g if not g.is_empty else None


# --------------------------------------------------------------------------------------------
# Points from rows


def _points(
    table: Table, cols: Columns, crs: str | None, problems: list[str], required: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lon, lat and a validity mask for every row: from geometry, lat/lon or x/y columns."""
    n = len(table.rows)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    name = table.path.name
    if table.geometries is not None:
        for i, g in enumerate(table.geometries):
            if g is None or g.is_empty:
                problems.append(f"{name}, {table.labels[i]}: no geometry")
                continue
            p = g if g.geom_type == "Point" else g.representative_point()
            lon[i], lat[i] = p.x, p.y
        return lon, lat, ~np.isnan(lon)
    lat_col = cols.find("lat", "latitude", "breite", "y_wgs84")
    lon_col = cols.find("lon", "lng", "longitude", "laenge", "länge", "x_wgs84")
    x_col = cols.find("x", "x_mp_100m", "x_mp", "easting", "rechtswert", "ostwert")
    y_col = cols.find("y", "y_mp_100m", "y_mp", "northing", "hochwert", "nordwert")
    if lat_col and lon_col:
        a_col, b_col, transformer = lon_col, lat_col, None
        if crs:
            transformer = transformer_to_wgs84(crs, table.path)
    elif x_col and y_col:
        if not crs:
            raise DataImportError(
                table.path,
                [
                    f"columns {x_col!r}/{y_col!r} hold projected coordinates; say which "
                    "reference system with --crs (e.g. EPSG:25832 for UTM 32N, EPSG:3035 "
                    "for the census grid)"
                ],
            )
        a_col, b_col, transformer = x_col, y_col, transformer_to_wgs84(crs, table.path)
    else:
        if not required:
            return lon, lat, np.zeros(n, dtype=bool)
        raise DataImportError(
            table.path,
            [
                "no coordinates: need columns lat and lon (WGS 84), or x and y with --crs "
                f"(columns in the file: {', '.join(table.columns)}); map yours with "
                "--map lat=COLUMN,lon=COLUMN"
            ],
        )
    for i, row in enumerate(table.rows):
        try:
            a = parse_number(row.get(a_col))
        except ValueError as exc:
            problems.append(f"{name}, {table.labels[i]}, field {a_col!r}: {exc}")
            continue
        try:
            b = parse_number(row.get(b_col))
        except ValueError as exc:
            problems.append(f"{name}, {table.labels[i]}, field {b_col!r}: {exc}")
            continue
        if a is None or b is None:
            problems.append(f"{name}, {table.labels[i]}: coordinates missing ({a_col}, {b_col})")
            continue
        lon[i], lat[i] = a, b
    if transformer is not None:
        ok = ~np.isnan(lon)
        lon[ok], lat[ok] = transformer.transform(lon[ok], lat[ok])
    else:
        for i in range(n):
            if np.isnan(lon[i]):
                continue
            if not (-90 <= lat[i] <= 90 and -180 <= lon[i] <= 180):
                problems.append(
                    f"{name}, {table.labels[i]}: lat {lat[i]} / lon {lon[i]} are not WGS 84 "
                    "degrees; for projected coordinates use x/y columns and --crs"
                )
                lon[i] = lat[i] = np.nan
    return lon, lat, ~np.isnan(lon)


def _check_ids(table: Table, ids: list[str | None], id_col: str | None, problems: list[str]):
    seen: dict[str, str] = {}
    for i, key in enumerate(ids):
        if key is None:
            continue
        if len(key) > 100:
            problems.append(f"{table.path.name}, {table.labels[i]}, field {id_col!r}: id longer "
                            "than 100 characters")
        if key in seen:
            problems.append(
                f"{table.path.name}, {table.labels[i]}, field {id_col!r}: duplicate id {key!r} "
                f"(also in {seen[key]})"
            )
        else:
            seen[key] = table.labels[i]


def _ages(table: Table, cols: Columns, i: int, population: int | None, problems: list[str],
          age_cols: dict[str, str]) -> dict[str, int]:
    row = table.rows[i]
    by_age: dict[str, int] = {}
    if all(row.get(col) in (None, "") for col in age_cols.values()):
        return {}  # no age structure for this record: allowed, it is simply unknown
    for band, col in age_cols.items():
        try:
            value = parse_count(row.get(col))
        except ValueError as exc:
            problems.append(f"{table.path.name}, {table.labels[i]}, field {col!r}: {exc}")
            return {}
        if value is None:
            problems.append(f"{table.path.name}, {table.labels[i]}, field {col!r}: missing")
            return {}
        by_age[band] = value
    if by_age and population is not None:
        try:
            validate_age_structure(by_age, population)
        except ValidationError as exc:
            problems.append(f"{table.path.name}, {table.labels[i]}: {exc.messages[0]}")
            return {}
    return by_age


def _age_columns(cols: Columns) -> dict[str, str]:
    found = {band: cols.find(band, *AGE_COLUMNS[band][1:]) for band in AGE_BANDS}
    return {band: c for band, c in found.items() if c}


def _upsert(model, key_field: str, records: list[dict], lookup: dict[str, Any],
            progress: Progress, report: ImportReport, batch: int = 1000) -> None:
    """Create new records and update changed existing ones (found in ``lookup`` by key) in bulk.

    Unchanged records are left alone, so re-importing the same file is cheap and honest about
    what it did.
    """
    new, changed = [], []
    fields: set[str] = set()
    unchanged = 0
    for rec in records:
        obj = lookup.get(rec[key_field])
        if obj is None:
            new.append(model(**rec))
            continue
        diff = [k for k, v in rec.items() if k != key_field and not _same(obj, k, v)]
        if not diff:
            unchanged += 1
            continue
        for k in diff:
            setattr(obj, k, rec[k])
        fields.update(diff)
        changed.append(obj)
    total = len(records)
    done = unchanged
    for start in range(0, len(new), batch):
        model.objects.bulk_create(new[start : start + batch])
        done += len(new[start : start + batch])
        if progress:
            progress(done, total)
    for start in range(0, len(changed), 200):
        model.objects.bulk_update(changed[start : start + 200], sorted(fields))
        done += len(changed[start : start + 200])
        if progress:
            progress(done, total)
    if progress:
        progress(total, total)
    report.created += len(new)
    report.updated += len(changed)
    report.unchanged += unchanged


def _key(row: Mapping[str, Any], id_col: str | None, prefix: str) -> str | None:
    if not id_col or row.get(id_col) in (None, ""):
        return None
    value = row[id_col]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # GeoPackage/GeoJSON numbers: "7", not "7.0"
    return f"{prefix}{str(value).strip()}"


def _refuse_foreign(existing: Mapping[str, Any], source: DataSource, path: Path | None,
                    what: str) -> None:
    """Refuse to overwrite records that another data source created under the same id.

    Registers number their rows 1, 2, 3 …; without this check a GP register would silently
    overwrite the kitas of an earlier register that happened to use the same numbers.
    """
    foreign = sorted(k for k, obj in existing.items() if obj.source_id != source.pk)
    if not foreign:
        return
    owners = DataSource.objects.in_bulk({existing[k].source_id for k in foreign})
    problems = [
        f"id {k!r} already belongs to a {what} from source {owners[existing[k].source_id].name!r}"
        f" (key {owners[existing[k].source_id].key}); use --id-prefix to keep registers apart, "
        "or --source-key with that key if this file is a newer version of it"
        for k in foreign
    ]
    raise DataImportError(path or "import", problems)


def _same(obj, name: str, value: Any) -> bool:
    if isinstance(value, models.Model) or value is None and name in _FK_NAMES:
        return getattr(obj, f"{name}_id") == (value.pk if value is not None else None)
    current = getattr(obj, name)
    if isinstance(value, dict | list):
        return json.dumps(current, sort_keys=True) == json.dumps(value, sort_keys=True)
    return current == value


_FK_NAMES = {"municipality", "district", "source", "region", "type"}


# --------------------------------------------------------------------------------------------
# Districts


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
    progress: Progress = None,
) -> ImportReport:
    """Import Ortsteile from GeoJSON/GeoPackage (boundaries) or CSV (centres) with population.

    Fields: ``id`` (stable), ``name``, ``population``, optional ``kind`` (core/village or
    Kernstadt/Dorf), ``municipality`` (AGS or name; else point-in-polygon), age bands
    (``age_0_5`` … ``age_75plus`` or ``0-5`` … ``75+``), ``centre_lat``/``centre_lon``.
    """
    path = Path(path)
    reg = get_region(region)
    table = read_table(path, layer=layer, encoding=encoding)
    cols = Columns(table, mapping)
    problems = list(table.problems)
    name_col = cols.require("name", "ortsteil", "bezeichnung", "gen")
    pop_col = cols.require("population", "einwohner", "ew", "pop")
    id_col = cols.find("id", "key", "ags", "schluessel", "ots")
    kind_col = cols.find("kind", "art", "typ")
    muni_col = cols.find("municipality", "gemeinde", "kommune", "ags_gemeinde")
    clat_col = cols.find("centre_lat", "center_lat")
    clon_col = cols.find("centre_lon", "center_lon")
    age_cols = _age_columns(cols)
    lon, lat, ok = _points(table, cols, crs, problems, required=False)
    munis = list(Municipality.objects.filter(region=reg))
    by_ags = {m.ags: m for m in munis}
    by_name = {m.name.lower(): m for m in munis}
    locator = Locator(reg)
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
            problems.append(f"{where}, field {kind_col!r}: {row.get(kind_col)!r} is neither "
                            "core (Kernstadt/Hauptort) nor village (Dorf/Ortsteil)")
        geom = table.geometries[i] if table.geometries is not None else None
        boundary = None
        if geom is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            boundary = json.loads(json.dumps(geojson_mapping(geom)),
                                  parse_float=lambda s: round(float(s), 7))
        centre = None
        if clat_col and clon_col and row.get(clat_col) not in (None, ""):
            try:
                centre = (parse_number(row.get(clon_col)), parse_number(row.get(clat_col)))
            except ValueError as exc:
                problems.append(f"{where}, field {clat_col!r}/{clon_col!r}: {exc}")
        if centre is None and ok[i]:
            centre = (float(lon[i]), float(lat[i]))
        if centre is None or None in centre:
            problems.append(f"{where}: no place (geometry, centre_lat/centre_lon or lat/lon)")
            centre = None
        muni = None
        if muni_col and row.get(muni_col) not in (None, ""):
            value = str(row.get(muni_col)).strip()
            muni = by_ags.get(value) or by_name.get(value.lower())
            if muni is None:
                problems.append(f"{where}, field {muni_col!r}: no municipality {value!r} in "
                                f"region {reg.slug} (known: "
                                f"{', '.join(sorted(f'{m.name} ({m.ags})' for m in munis))})")
        elif centre is not None:
            muni = locator.municipality_of(np.array([centre[0]]), np.array([centre[1]]))[0]
            if muni is None:
                problems.append(f"{where}: the Ortsteil lies in none of the region's "
                                "municipalities; give a municipality column (AGS or name)")
        key = _key(row, id_col, id_prefix)
        if key is None and muni is not None and name:
            key = f"ot:{muni.ags}:{_slug(name)}"
        ids.append(key)
        by_age = _ages(table, cols, i, pop, problems, age_cols) if age_cols else {}
        if centre is None or muni is None or pop is None or kind is None or not name:
            continue
        records.append({
            "key": key, "municipality": muni, "name": name[:200], "kind": kind,
            "population": pop, "population_by_age": by_age, "boundary": boundary,
            "centre_lon": centre[0], "centre_lat": centre[1], "is_estimate": is_estimate,
        })
    _check_ids(table, ids, id_col or "name", problems)
    if problems:
        raise DataImportError(path, problems)
    report = ImportReport("districts")
    with transaction.atomic():
        src = source.save(path)
        for rec in records:
            rec["source"] = src
        existing = District.objects.in_bulk([r["key"] for r in records], field_name="key")
        _refuse_foreign(existing, src, path, "Ortsteil")
        clash = [k for k, d in existing.items() if d.municipality.region_id != reg.pk]
        if clash:
            raise DataImportError(path, [f"id {k!r} belongs to a district of another region"
                                         for k in clash])
        _upsert(District, "key", records, existing, progress, report)
    return report


def _kind(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return District.Kind.VILLAGE
    text = str(value).strip().lower()
    if text in {"core", "kernstadt", "kern", "hauptort", "stadt", "town", "zentrum", "core town"}:
        return District.Kind.CORE
    if text in {"village", "dorf", "ortsteil", "ortschaft", "hamlet", "weiler"}:
        return District.Kind.VILLAGE
    return None


# --------------------------------------------------------------------------------------------
# Facilities


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
    progress: Progress = None,
) -> ImportReport:
    """Import facilities from CSV (lat/lon or x/y + CRS), GeoJSON or GeoPackage.

    Fields: ``id`` (stable), ``type`` (taxonomy key or German/English name; or --type for a
    single-type register), optional ``name``, ``capacity``, ``address``. A facility may lie up
    to ``margin_km`` outside the region (it still serves the region across the border);
    further away it is refused as a likely coordinate error.
    """
    path = Path(path)
    reg = get_region(region)
    table = read_table(path, layer=layer, encoding=encoding)
    cols = Columns(table, mapping)
    problems = list(table.problems)
    types = _facility_types()
    if not types:
        raise DataImportError(path, ["no facility types are defined; run `nahraum demo` or "
                                     "load the taxonomy first"])
    type_col = None if default_type else cols.require("type", "art", "kategorie", "category")
    fixed_type = None
    if default_type:
        fixed_type = types.get(default_type.lower())
        if fixed_type is None:
            raise DataImportError(path, [f"unknown facility type {default_type!r}; known: "
                                         f"{', '.join(sorted({t.key for t in types.values()}))}"])
    id_col = cols.find("id", "key", "nr", "nummer")
    name_col = cols.find("name", "bezeichnung", "einrichtung")
    cap_col = cols.find("capacity", "kapazitaet", "kapazität", "plaetze", "plätze")
    addr_col = cols.find("address", "adresse", "anschrift")
    lon, lat, ok = _points(table, cols, crs, problems)
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
        key = _key(row, id_col, id_prefix)
        if key is None:
            if id_col:
                problems.append(f"{where}, field {id_col!r}: id missing")
            elif ok[i] and ftype is not None:
                key = f"{_slug(path.stem)}:{ftype.key}:{lat[i]:.6f},{lon[i]:.6f}"
        ids.append(key)
        if ftype is None or not ok[i] or not inside[i] or key is None:
            continue
        records.append({
            "key": key, "type": ftype, "lat": float(lat[i]), "lon": float(lon[i]),
            "name": str(row.get(name_col) or "").strip()[:300] if name_col else "",
            "address": str(row.get(addr_col) or "").strip()[:300] if addr_col else "",
            "capacity": capacity, "municipality": munis[i], "district": dists[i],
            "is_estimate": is_estimate,
        })
    _check_ids(table, ids, id_col or "id", problems)
    if problems:
        raise DataImportError(path, problems)
    return write_facilities(records, source, path, progress, foreign_ids="refuse")


def write_facilities(records: list[dict], source: SourceSpec, path: Path | None,
                     progress: Progress = None, foreign_ids: str = "update") -> ImportReport:
    """Write validated facility records in one transaction (used by the OSM importer too)."""
    report = ImportReport("facilities")
    with transaction.atomic():
        src = source.save(path)
        for rec in records:
            rec["source"] = src
        existing = Facility.objects.in_bulk([r["key"] for r in records], field_name="key")
        if foreign_ids == "refuse":
            _refuse_foreign(existing, src, path, "facility")
        _upsert(Facility, "key", records, existing, progress, report)
    return report


# --------------------------------------------------------------------------------------------
# Population cells


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
    progress: Progress = None,
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
    table = read_table(path, layer=layer, encoding=encoding, row_filter=row_filter)
    cols = Columns(table, mapping)
    problems = list(table.problems)
    pop_col = cols.require("population", "einwohner", "ew", "pop", "insgesamt_bevoelkerung")
    id_col = cols.find("id", "key", "gitter_id_100m", "gitter_id", "cell_id")
    age_cols = _age_columns(cols)
    lon, lat, ok = _points(table, cols, crs, problems)
    munis = locator.municipality_of(np.nan_to_num(lon), np.nan_to_num(lat))
    if locator.extent is None or not locator._m:
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
            problems.append(f"{where}: lat {lat[i]:.5f} / lon {lon[i]:.5f} lies outside the "
                            f"municipalities of region {reg.slug} (use --clip to drop such "
                            "cells, or check --crs)")
        by_age = _ages(table, cols, i, pop, problems, age_cols) if age_cols else {}
        key = _key(row, id_col, id_prefix)
        if key is None and ok[i]:
            key = f"cell:{lat[i]:.6f},{lon[i]:.6f}"
        ids.append(key)
        if pop is None or not ok[i] or not inside[i] or key is None:
            continue
        records.append({
            "region": reg, "key": key, "lat": float(lat[i]), "lon": float(lon[i]),
            "population": pop, "population_by_age": by_age, "municipality": munis[i],
            "district": dists[i], "is_estimate": is_estimate,
        })
    _check_ids(table, ids, id_col or "coordinates", problems)
    if problems:
        raise DataImportError(path, problems)
    report = ImportReport("cells", skipped=skipped + table.skipped)
    with transaction.atomic():
        src = source.save(path)
        for rec in records:
            rec["source"] = src
        existing = {c.key: c for c in PopulationCell.objects.filter(
            region=reg, key__in=[r["key"] for r in records])}
        _refuse_foreign(existing, src, path, "cell")
        _upsert(PopulationCell, "key", records, existing, progress, report, batch=2000)
    return report


def _bbox_filter(path: Path, locator: Locator, mapping: Mapping[str, str] | None,
                 crs: str | None):
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


# --------------------------------------------------------------------------------------------
# A whole region from a manifest


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


def import_region(manifest: str | Path, progress_factory: Callable[[str], Progress] | None = None
                  ) -> ImportReport:
    """Load a region from a manifest (``region.json``): sources, municipalities, then files.

    The manifest names the region, its data sources, its municipalities with official totals,
    and the files of municipality boundaries, districts, cells and facilities with their source
    and CRS. Everything is one transaction: a region is loaded whole or not at all.
    """
    from .taxonomy import load_taxonomy

    manifest = Path(manifest)
    base = manifest.parent
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataImportError(manifest, [f"not a readable region manifest: {exc}"]) from None
    problems = [f"{manifest.name}: key {k!r} missing" for k in ("slug", "name", "sources",
                                                                "municipalities", "source")
                if k not in spec]
    if problems:
        raise DataImportError(manifest, problems)
    sources = {s["key"]: _source_from_manifest(s) for s in spec["sources"]}

    def src(key: str) -> SourceSpec:
        if key not in sources:
            raise DataImportError(manifest, [f"source {key!r} is not listed under 'sources'"])
        return sources[key]

    def prog(label: str) -> Progress:
        return progress_factory(label) if progress_factory else None

    report = ImportReport("region")
    with transaction.atomic():
        load_taxonomy()
        region_source = src(spec["source"]).save(base / spec["source_file"]
                                                 if spec.get("source_file") else None)
        region, _ = Region.objects.update_or_create(
            slug=spec["slug"],
            defaults={"name": spec["name"], "description": spec.get("description", ""),
                      "source": region_source},
        )
        boundaries: dict[str, dict] = {}
        bspec = spec.get("municipality_boundaries")
        boundary_source = None
        if bspec:
            bpath = base / bspec["file"]
            table = read_table(bpath)
            for i, row in enumerate(table.rows):
                geom = table.geometries[i] if table.geometries else None
                if geom is None or "ags" not in row:
                    raise DataImportError(bpath, [f"{table.labels[i]}: needs 'ags' and a polygon"])
                boundaries[str(row["ags"])] = geojson_mapping(geom)
            boundary_source = src(bspec["source"]).save(bpath)
        mreport = ImportReport("municipalities")
        for m in spec["municipalities"]:
            msrc = src(m["source"]).save(None)
            date = m.get("population_date")
            _, created = Municipality.objects.update_or_create(
                ags=m["ags"],
                defaults={
                    "region": region, "name": m["name"], "population": m["population"],
                    "population_date": dt.date.fromisoformat(date) if date else None,
                    "area_km2": m["area_km2"], "trend": m.get("trend", "stable"),
                    "annual_growth_rate": m.get("annual_growth_rate", 0.0),
                    "boundary": json.loads(json.dumps(boundaries.get(m["ags"]))),
                    "source": msrc,
                    "boundary_source": boundary_source if m["ags"] in boundaries else None,
                },
            )
            mreport.created += int(created)
            mreport.updated += int(not created)
        report.parts.append(mreport)
        for part, func in (("districts", import_districts), ("cells", import_cells),
                           ("facilities", import_facilities)):
            pspec = spec.get(part)
            if not pspec:
                continue
            report.parts.append(func(
                base / pspec["file"], source=src(pspec["source"]), region=region.slug,
                crs=pspec.get("crs"), mapping=pspec.get("map"),
                is_estimate=bool(pspec.get("is_estimate", False)), progress=prog(part),
            ))
        network = spec.get("network")
        if network:
            src(network["source"]).save(base / network["file"])
        _check_totals(region, manifest, spec)
    return report


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

