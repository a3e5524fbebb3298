"""What every importer shares: the source a file comes from, the report, and writing records.

Validation helpers that read a row (ids, age bands) live here too, so that every kind of file
is checked by the same rules and reports its problems in the same words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from nahraum.access import Progress
from nahraum.region.cachever import bump_after_commit
from nahraum.region.models import (
    AGE_BANDS,
    DataSource,
    Region,
    validate_age_structure,
)

from ..readers import (
    Columns,
    DataImportError,
    Table,
    parse_count,
)

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
        key = self.key or key_slug("file-" + (path.name if path else self.name))
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


def key_slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:100] or "source"


def get_region(slug: str | None) -> Region:
    regions = Region.objects.order_by("pk")
    region = regions.filter(slug=slug).first() if slug else regions.first()
    if region is None:
        raise LookupError(
            f"no region {slug!r}"
            if slug
            else (
                "no region loaded yet; load one with `nahraum import region FILE` or `nahraum demo`"
            )
        )
    return region


def check_ids(table: Table, ids: list[str | None], id_col: str | None, problems: list[str]):
    seen: dict[str, str] = {}
    for i, key in enumerate(ids):
        if key is None:
            continue
        if len(key) > 100:
            problems.append(
                f"{table.path.name}, {table.labels[i]}, field {id_col!r}: id longer "
                "than 100 characters"
            )
        if key in seen:
            problems.append(
                f"{table.path.name}, {table.labels[i]}, field {id_col!r}: duplicate id {key!r} "
                f"(also in {seen[key]})"
            )
        else:
            seen[key] = table.labels[i]


def row_ages(
    table: Table,
    cols: Columns,
    i: int,
    population: int | None,
    problems: list[str],
    age_cols: dict[str, str],
) -> dict[str, int]:
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


def age_columns(cols: Columns) -> dict[str, str]:
    found = {band: cols.find(band, *AGE_COLUMNS[band][1:]) for band in AGE_BANDS}
    return {band: c for band, c in found.items() if c}


def upsert(
    model,
    key_field: str,
    records: list[dict],
    lookup: dict[str, Any],
    progress: Progress,
    report: ImportReport,
    batch: int = 1000,
) -> None:
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
    if new or changed:
        bump_after_commit()  # bulk writes send no signal: the cached pages are stale now


def row_key(row: Mapping[str, Any], id_col: str | None, prefix: str) -> str | None:
    if not id_col or row.get(id_col) in (None, ""):
        return None
    value = row[id_col]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # GeoPackage/GeoJSON numbers: "7", not "7.0"
    return f"{prefix}{str(value).strip()}"


def refuse_foreign(
    existing: Mapping[str, Any], source: DataSource, path: Path | None, what: str
) -> None:
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
