"""Reading users' files into plain records: CSV, GeoJSON, GeoPackage (anything GDAL reads).

Kept apart from the importers so that "can this file be read at all, and where is it broken" is
answered in one place, with messages that name the file, the row or feature and the field. All
coordinates leave this module in WGS 84 (lon/lat), whatever the file's reference system was —
German authorities mostly publish in EPSG:25832 (UTM 32N), the census grid in EPSG:3035.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

MAX_REPORTED_ERRORS = 25


class DataImportError(Exception):
    """An import was refused; ``problems`` lists each one with where it is (file, row, field)."""

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = str(path)
        self.problems = sorted(problems, key=_place_order)  # in file order, file-wide first
        problems = self.problems
        shown = problems[:MAX_REPORTED_ERRORS]
        more = len(problems) - len(shown)
        lines = "\n".join(f"  - {p}" for p in shown)
        if more > 0:
            lines += f"\n  … and {more} more"
        super().__init__(f"{Path(self.path).name}: import refused, nothing was changed.\n{lines}")


def _place_order(problem: str) -> int:
    found = re.search(r"\b(?:row|feature|line) (\d+)", problem)
    return int(found.group(1)) if found else -1


@dataclass
class Table:
    """The rows of a file: attribute dicts, optional geometries (WGS 84) and a label per row."""

    path: Path
    columns: list[str]
    rows: list[dict[str, Any]]
    labels: list[str]
    geometries: list[shapely.Geometry | None] | None = None
    crs: str | None = None
    problems: list[str] = field(default_factory=list)
    skipped: int = 0


def parse_mapping(text: str | None) -> dict[str, str]:
    """Parse ``name=NAME,type=ART`` into ``{"name": "NAME", "type": "ART"}``."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"column mapping {part!r}: expected FIELD=COLUMN, e.g. name=NAME")
        target, source = (s.strip() for s in part.split("=", 1))
        if not target or not source:
            raise ValueError(f"column mapping {part!r}: expected FIELD=COLUMN, e.g. name=NAME")
        mapping[target] = source
    return mapping


class Columns:
    """Find a field's column: the user's mapping first, then known aliases, case-insensitively."""

    def __init__(self, table: Table, mapping: Mapping[str, str] | None = None):
        self.table = table
        self.mapping = dict(mapping or {})
        self.by_lower = {c.lower(): c for c in table.columns}
        unknown = [src for src in self.mapping.values() if src.lower() not in self.by_lower]
        if unknown:
            raise DataImportError(
                table.path,
                [
                    f"column mapping names column {u!r}, which is not in the file "
                    f"(columns: {', '.join(table.columns) or 'none'})"
                    for u in unknown
                ],
            )

    def find(self, name: str, *aliases: str) -> str | None:
        if name in self.mapping:
            return self.by_lower[self.mapping[name].lower()]
        for candidate in (name, *aliases):
            if candidate.lower() in self.by_lower:
                return self.by_lower[candidate.lower()]
        return None

    def require(self, name: str, *aliases: str) -> str:
        column = self.find(name, *aliases)
        if column is None:
            tried = ", ".join([name, *aliases])
            raise DataImportError(
                self.table.path,
                [
                    f"required column {name!r} is missing (looked for: {tried}; "
                    f"columns in the file: {', '.join(self.table.columns) or 'none'}); "
                    f"map yours with --map {name}=YOUR_COLUMN"
                ],
            )
        return column


def read_table(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    row_filter: Callable[[list[str]], Callable[[dict], bool] | None] | None = None,
) -> Table:
    """Read a CSV or any vector file GDAL knows; refuse empty or unreadable files clearly.

    ``row_filter`` (CSV only) is given the header and may return a predicate; rows it rejects
    are dropped while reading, so that a nation-wide census file does not have to fit in
    memory as records when only one region is wanted. They are counted in ``Table.skipped``.
    """
    path = Path(path)
    if not path.exists():
        raise DataImportError(path, [f"file not found: {path}"])
    if path.stat().st_size == 0:
        raise DataImportError(path, ["the file is empty"])
    if path.name.lower().endswith((".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2")):
        raise DataImportError(
            path,
            [
                "this is an OpenStreetMap file; use `nahraum import "
                "osm-facilities` or `nahraum import osm-districts`"
            ],
        )
    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        table = _read_csv(path, encoding or "utf-8", row_filter)
    else:
        table = _read_vector(path, layer, encoding)
    if not table.rows:
        raise DataImportError(path, ["the file contains no rows"])
    return table


def _read_csv(
    path: Path,
    encoding: str,
    row_filter: Callable[[list[str]], Callable[[dict], bool] | None] | None,
) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        )
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataImportError(
            path,
            [
                f"line {line}: byte {raw[exc.start]:#04x} is not valid {encoding}; if the file "
                f"was saved by Excel or an older system, try --encoding latin-1 (or cp1252)"
            ],
        ) from None
    except LookupError:
        raise DataImportError(path, [f"unknown encoding {encoding!r}"]) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if sample.count("\t") > max(sample.count(";"), sample.count(",")):
        delimiter = "\t"
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if not columns:
        raise DataImportError(path, ["the file has no header row"])
    keep = row_filter(columns) if row_filter else None
    rows, labels, problems = [], [], []
    skipped = 0
    for row in reader:
        if None in row:
            problems.append(
                f"{path.name}, row {reader.line_num}: more values than columns in the header"
            )
        values = {
            c.strip(): (v.strip() if isinstance(v, str) else v)
            for c, v in row.items()
            if c is not None
        }
        if not any(values.values()):
            continue  # blank line
        if keep is not None and not keep(values):
            skipped += 1
            continue
        rows.append(values)
        labels.append(f"row {reader.line_num}")
    if skipped and not rows:
        raise DataImportError(
            path,
            [f"none of the {skipped} rows lies in the region; check the coordinates and --crs"],
        )
    return Table(
        path=path, columns=columns, rows=rows, labels=labels, problems=problems, skipped=skipped
    )


def _read_vector(path: Path, layer: str | None, encoding: str | None) -> Table:
    import pyogrio
    import pyogrio.errors

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "more than one layer": first is used
            meta, _fids, geometry, field_data = pyogrio.raw.read(
                path, layer=layer, encoding=encoding
            )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataImportError(
            path,
            [
                "cannot be read — damaged, truncated, "
                f"or not a GeoPackage/GeoJSON/vector file ({exc})"
            ],
        ) from None
    except (pyogrio.errors.FieldError, pyogrio.errors.GeometryError, UnicodeDecodeError) as exc:
        raise DataImportError(
            path, [f"the file is damaged or not in the expected encoding: {exc}"]
        ) from None
    except Exception as exc:  # GDAL raises a variety of errors on truncated files
        raise DataImportError(path, [f"cannot be read: {exc}"]) from None
    columns = [str(c) for c in meta["fields"]]
    n = len(geometry) if geometry is not None else (len(field_data[0]) if field_data else 0)
    rows = []
    for i in range(n):
        rows.append({c: _plain(field_data[j][i]) for j, c in enumerate(columns)})
    geoms: list[shapely.Geometry | None] = []
    if geometry is not None:
        geoms = list(shapely.from_wkb(geometry, on_invalid="ignore"))
    crs = meta.get("crs")
    table = Table(
        path=path,
        columns=columns,
        rows=rows,
        labels=[f"feature {i + 1}" for i in range(n)],
        geometries=geoms or None,
        crs=crs,
    )
    if table.geometries and crs:
        table.geometries = to_wgs84(table.geometries, crs, path)
    return table


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def transformer_to_wgs84(crs: str, path: str | Path) -> Transformer | None:
    """Transformer from ``crs`` to lon/lat, None if ``crs`` is WGS 84 already."""
    try:
        source = CRS.from_user_input(crs)
    except CRSError:
        raise DataImportError(path, [f"unknown coordinate reference system {crs!r}"]) from None
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True) or source.equals(
        CRS.from_user_input("OGC:CRS84")
    ):
        return None
    return Transformer.from_crs(source, "EPSG:4326", always_xy=True)


def to_wgs84(geoms: list, crs: str, path: str | Path) -> list:
    transformer = transformer_to_wgs84(crs, path)
    if transformer is None:
        return geoms

    def project(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return [None if g is None else shapely.transform(g, project) for g in geoms]


def parse_number(value: Any) -> float | None:
    """A float from a cell; accepts a German decimal comma ("52,03"). None when blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def parse_count(value: Any) -> int | None:
    """A whole number ≥ 0 (a population, an age band); None when blank."""
    number = parse_number(value)
    if number is None:
        return None
    if number < 0 or number != int(number):
        raise ValueError(f"{value!r} is not a whole number ≥ 0")
    return int(number)
