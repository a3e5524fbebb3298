# long-file: the one answer to "can this file be read, and where is it broken" for every importer
"""Reading users' files into plain records: CSV, GeoJSON, GeoPackage (anything GDAL reads).

Kept apart from the importers so that "can this file be read at all, and where is it broken" is
answered in one place, with messages that name the file, the row or feature and the field. All
coordinates leave this module in WGS 84 (lon/lat), whatever the file's reference system was —
German authorities mostly publish in EPSG:25832 (UTM 32N), the census grid in EPSG:3035.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import math
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from nahraum.access.errors import AccessError
from nahraum.access.limits import InputLimits, InputTooLargeError, check_file_size, check_zip

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
    #: rows whose geometry was refused (their problem is in ``problems`` already)
    refused: set[int] = field(default_factory=set)


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


#: Characters refused in text fields: the C0 controls except tab, line feed and carriage return,
#: DEL and the C1 controls. They are invisible on a page, break exports and end up in the
#: database as they are (SQLite keeps a NUL inside a name); a C1 control is almost always a
#: Windows (cp1252) file read as latin-1.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: Where imported data may lie unless ``NAHRAUM_IMPORT_BOUNDS`` says otherwise: Germany
#: (lon 5.5–15.5, lat 47–55.5) with half a degree of margin for facilities across the border.
GERMANY_BOUNDS = (5.0, 46.5, 16.0, 56.0)


@dataclass(frozen=True)
class Bounds:
    """The box (WGS 84 degrees) every imported coordinate must lie in, after projection.

    Why a box on top of the region's own extent: it is the one check that also holds while a
    region is being built (its municipality boundaries are what the extent is made of), and it
    turns "1e9", "metres read as degrees" or a swapped lat/lon into an error instead of a
    district in the Atlantic. A platform outside Germany sets ``NAHRAUM_IMPORT_BOUNDS``.
    """

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    label: str = "Germany"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Bounds:
        """``NAHRAUM_IMPORT_BOUNDS=min_lon,min_lat,max_lon,max_lat`` or Germany's box."""
        env = os.environ if environ is None else environ
        raw = env.get("NAHRAUM_IMPORT_BOUNDS", "").strip()
        if not raw:
            return cls(*GERMANY_BOUNDS)
        try:
            values = [float(v) for v in raw.split(",")]
        except ValueError:
            values = []
        if (
            len(values) != 4
            or not all(math.isfinite(v) for v in values)
            or not (-180 <= values[0] < values[2] <= 180 and -90 <= values[1] < values[3] <= 90)
        ):
            raise ValueError(
                f"NAHRAUM_IMPORT_BOUNDS={raw!r}: expected min_lon,min_lat,max_lon,max_lat in "
                "degrees, e.g. 5.0,46.5,16.0,56.0"
            )
        return cls(*values, label="NAHRAUM_IMPORT_BOUNDS")

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        with np.errstate(invalid="ignore"):
            return (
                (lon >= self.min_lon)
                & (lon <= self.max_lon)
                & (lat >= self.min_lat)
                & (lat <= self.max_lat)
            )

    def describe(self) -> str:
        return (
            f"{self.label} (lon {self.min_lon:g}–{self.max_lon:g}, "
            f"lat {self.min_lat:g}–{self.max_lat:g})"
        )


def outside_message(
    where: str,
    lon: float,
    lat: float,
    bounds: Bounds,
    source: tuple[float, float, str] | None = None,
) -> str:
    """The one wording for a coordinate outside the bounds, for every importer; ``source`` is
    the point as the file gave it (x, y, CRS) when it was projected."""
    given = f" (from x {source[0]:g} / y {source[1]:g} in {source[2]})" if source else ""
    return (
        f"{where}: lon {lon:.5f} / lat {lat:.5f}{given} lies outside {bounds.describe()}; wrong "
        "coordinates or reference system (--crs)?"
    )


def check_text(value: str, where: str, limits: InputLimits, problems: list[str]) -> None:
    """Refuse a field that is too long or holds a control character, naming where it is.

    Nothing is cleaned silently: a NUL or an escape character in a register is a sign of a
    broken export, and the planner must see and fix it at the source.
    """
    if len(value) > limits.max_field_chars:
        problems.append(
            f"{where}: {len(value):,} characters, more than the limit of "
            f"{limits.max_field_chars:,} (NAHRAUM_MAX_FIELD_CHARS)"
        )
        return
    found = _CONTROL.search(value)
    if found:
        code = ord(found.group())
        name = " (NUL)" if code == 0 else ""
        hint = (
            "; a Windows file read as latin-1? try --encoding cp1252"
            if 0x80 <= code <= 0x9F
            else ""
        )
        problems.append(
            f"{where}: control character U+{code:04X}{name} at character {found.start() + 1}; "
            f"remove it from the file{hint}"
        )


def read_table(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    row_filter: Callable[[list[str]], Callable[[dict], bool] | None] | None = None,
    limits: InputLimits | None = None,
) -> Table:
    """Read a CSV or any vector file GDAL knows; refuse empty, unreadable or oversize files.

    The limits (:class:`~nahraum.access.limits.InputLimits`, ``NAHRAUM_MAX_*``) are checked
    before anything is read: the file's size, an archive's unpacked size and compression ratio
    (a zipped shapefile), the number of rows, the length of each field. Geometries are checked
    here too (empty, invalid, degrees vs metres, inside :class:`Bounds`); their problems are in
    ``Table.problems`` and the refused features in ``Table.refused``.

    ``crs`` is the reference system of a vector file that declares none (or of a GeoJSON file,
    which GDAL reads as WGS 84 when it says nothing); a file that declares another one is refused.

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
    try:
        limits = limits or InputLimits.from_env()
        check_file_size(path, limits)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                check_zip(zf, path.name, limits)
    except (InputTooLargeError, AccessError, zipfile.BadZipFile) as exc:
        raise DataImportError(path, [str(exc)]) from None
    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        table = _read_csv(path, encoding or "utf-8", row_filter, limits)
    else:
        table = _read_vector(path, layer, encoding, crs, limits)
    if not table.rows:
        raise DataImportError(path, ["the file contains no rows"])
    return table


def _too_many_rows(path: Path, limits: InputLimits) -> DataImportError:
    return DataImportError(
        path,
        [
            f"more than {limits.max_rows:,} rows, the limit of one table (NAHRAUM_MAX_ROWS); "
            "split the file or raise the limit"
        ],
    )


def _read_csv(
    path: Path,
    encoding: str,
    row_filter: Callable[[list[str]], Callable[[dict], bool] | None] | None,
    limits: InputLimits,
) -> Table:
    """Stream the CSV row by row: the text is never held whole, only the rows that are kept."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    try:
        codecs.lookup(codec)
    except LookupError:
        raise DataImportError(path, [f"unknown encoding {encoding!r}"]) from None
    # csv refuses fields over 131,072 characters with a bare error; let it read up to the file's
    # size (bounded by max_upload_bytes) so that the check below can name the row and column
    field_limit = min(max(path.stat().st_size, limits.max_field_chars) + 1, 2**31 - 1)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(max(previous_limit, field_limit))
    try:
        with open(path, encoding=codec, newline="") as fh:
            return _parse_csv(path, fh, row_filter, limits)
    except UnicodeDecodeError:
        raise _decode_error(path, codec, encoding) from None
    except csv.Error as exc:
        raise DataImportError(path, [f"cannot be read as CSV: {exc}"]) from None
    finally:
        csv.field_size_limit(previous_limit)


def _parse_csv(path, fh, row_filter, limits: InputLimits) -> Table:
    sample = fh.read(4096)
    fh.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if sample.count("\t") > max(sample.count(";"), sample.count(",")):
        delimiter = "\t"
    suspect = [False]  # a line of the record just read is long or holds a control character

    def lines():
        # one C-level scan per line; the fields are only looked at when it finds something
        for line in fh:
            if len(line) > limits.max_field_chars or _CONTROL.search(line):
                suspect[0] = True
            yield line

    reader = csv.DictReader(lines(), delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if not columns:
        raise DataImportError(path, ["the file has no header row"])
    problems: list[str] = []
    for i, c in enumerate(columns):
        check_text(c, f"{path.name}, header, column {i + 1}", limits, problems)
    if problems:
        raise DataImportError(path, problems)
    suspect[0] = False  # the header has been checked name by name
    keep = row_filter(columns) if row_filter else None
    rows, labels = [], []
    skipped = records = 0
    for row in reader:
        records += 1
        if records > limits.max_rows:
            raise _too_many_rows(path, limits)
        if None in row:
            problems.append(
                f"{path.name}, row {reader.line_num}: more values than columns in the header"
            )
        values = {
            c.strip(): (v.strip() if isinstance(v, str) else v)
            for c, v in row.items()
            if c is not None
        }
        if suspect[0]:
            suspect[0] = False
            for c, v in values.items():
                if isinstance(v, str):
                    check_text(
                        v, f"{path.name}, row {reader.line_num}, field {c!r}", limits, problems
                    )
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


def _decode_error(path: Path, codec: str, encoding: str) -> DataImportError:
    """Find the first byte that is not ``encoding`` (streaming) and name its line."""
    decoder = codecs.getincrementaldecoder(codec)()
    line, bad = 1, None
    with open(path, "rb") as fh:
        for chunk in itertools.chain(iter(lambda: fh.read(1 << 20), b""), [b""]):
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the held-back tail of the last chunk (no newline in it) + chunk
                line += exc.object.count(b"\n", 0, exc.start)
                bad = exc.object[exc.start]
                break
            line += chunk.count(b"\n")
    byte = f"byte {bad:#04x}" if bad is not None else "a byte"
    return DataImportError(
        path,
        [
            f"line {line}: {byte} is not valid {encoding}; if the file "
            f"was saved by Excel or an older system, try --encoding latin-1 (or cp1252)"
        ],
    )


def _read_vector(
    path: Path, layer: str | None, encoding: str | None, crs: str | None, limits: InputLimits
) -> Table:
    import pyogrio
    import pyogrio.errors

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "more than one layer": first is used
            count = pyogrio.read_info(path, layer=layer, encoding=encoding).get("features", -1)
            if count > limits.max_rows:
                raise _too_many_rows(path, limits)
            meta, _fids, geometry, field_data = pyogrio.raw.read(
                path, layer=layer, encoding=encoding
            )
    except DataImportError:
        raise
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
    if n > limits.max_rows:
        raise _too_many_rows(path, limits)
    problems: list[str] = []
    for j, c in enumerate(columns):
        check_text(c, f"{path.name}, header, column {j + 1}", limits, problems)
    labels = [f"feature {i + 1}" for i in range(n)]
    rows = []
    for i in range(n):
        row = {c: _plain(field_data[j][i]) for j, c in enumerate(columns)}
        for c, v in row.items():
            if isinstance(v, str):
                check_text(v, f"{path.name}, {labels[i]}, field {c!r}", limits, problems)
        rows.append(row)
    table = Table(path=path, columns=columns, rows=rows, labels=labels, problems=problems)
    if geometry is not None:
        geoms = list(shapely.from_wkb(geometry, on_invalid="ignore"))
        table.crs = _declared_crs(path, meta.get("crs"), crs)
        table.geometries = _checked_geometries(table, geoms, table.crs, Bounds.from_env())
    return table


def _declared_crs(path: Path, file_crs: str | None, given: str | None) -> str | None:
    """The file's own reference system; ``given`` (--crs) where the file has none.

    GDAL reads a GeoJSON file without a ``crs`` member as WGS 84 (RFC 7946), so there ``--crs``
    is how a planner says that the file is really in metres.
    """
    if not given:
        return file_crs
    if file_crs is None or (
        path.suffix.lower() in {".geojson", ".json"} and _crs(file_crs, path).equals("EPSG:4326")
    ):
        return given
    if _crs(file_crs, path).equals(_crs(given, path), ignore_axis_order=True):
        return file_crs
    raise DataImportError(
        path,
        [
            f"the file declares its reference system as {file_crs}, but --crs says {given}; "
            "leave out --crs (the file's own reference system is used) or fix the file"
        ],
    )


def _crs(text: str, path: str | Path) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise DataImportError(path, [f"unknown coordinate reference system {text!r}"]) from None


def _checked_geometries(
    table: Table, geoms: list, crs: str | None, bounds: Bounds
) -> list[shapely.Geometry | None]:
    """Refuse empty and invalid geometries, metres without a CRS, degrees in a metric CRS and
    anything outside ``bounds`` after projection; return the geometries in WGS 84.

    Invalid polygons are not repaired (``make_valid`` would guess which part the planner meant):
    the message gives GEOS's reason and where, so the source can be fixed.
    """
    name = table.path.name
    for i, g in enumerate(geoms):
        if g is None:
            continue
        where = f"{name}, {table.labels[i]}"
        if g.is_empty:
            table.problems.append(f"{where}: the geometry is empty")
            table.refused.add(i)
        elif not g.is_valid:
            table.problems.append(
                f"{where}: invalid geometry ({shapely.is_valid_reason(g)}); fix it in the "
                "source file (e.g. QGIS “Fix geometries”), it is not repaired automatically"
            )
            table.refused.add(i)
    usable = [i for i, g in enumerate(geoms) if g is not None and i not in table.refused]
    if not usable:
        return geoms
    coords = [shapely.get_coordinates(geoms[i]) for i in usable]
    degrees = [bool(np.all((np.abs(c[:, 0]) <= 180) & (np.abs(c[:, 1]) <= 90))) for c in coords]
    source = _crs(crs, table.path) if crs else None
    if source is None or source.is_geographic:
        if not crs:
            said = "the file declares no reference system"
        elif table.path.suffix.lower() in {".geojson", ".json"}:
            said = "GeoJSON is read as WGS 84 degrees unless it names another CRS"
        else:
            said = f"the file declares {crs} (degrees)"
        for i, c, deg in zip(usable, coords, degrees, strict=True):
            if not deg:
                x, y = c[~((np.abs(c[:, 0]) <= 180) & (np.abs(c[:, 1]) <= 90))][0]
                table.problems.append(
                    f"{name}, {table.labels[i]}: coordinates like x {x:.1f} / y {y:.1f} are not "
                    f"degrees, but {said} — UTM/metres without a CRS? Declare the CRS (e.g. "
                    "--crs EPSG:25832)"
                )
                table.refused.add(i)
    elif source.is_projected and all(degrees):
        x, y = coords[0][0]
        table.problems.append(
            f"{name}: all coordinates look like degrees (e.g. {x:g} / {y:g}), but the file "
            f"declares {crs} ({source.name}), a reference system in metres; declare EPSG:4326 "
            "or fix the coordinates"
        )
        table.refused.update(usable)
        return geoms
    projected = to_wgs84(geoms, crs, table.path) if crs else geoms
    for i, given in zip(usable, coords, strict=True):
        if i in table.refused:
            continue
        c = shapely.get_coordinates(projected[i])
        out = np.flatnonzero(~bounds.contains(c[:, 0], c[:, 1]))
        if len(out):
            k = out[0]
            source = (given[k, 0], given[k, 1], crs) if projected is not geoms else None
            where = f"{name}, {table.labels[i]}"
            table.problems.append(outside_message(where, c[k, 0], c[k, 1], bounds, source))
            table.refused.add(i)
    return projected


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
