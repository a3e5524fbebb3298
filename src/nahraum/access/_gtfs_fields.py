"""GTFS fields: the files and columns a feed needs, errors naming file/row/field, what was
dropped, and vectorised parsers of times, numbers, dates and ids (shared by the per-file
readers in ``gtfs_read`` and the feed in ``gtfs_feed``)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import AccessError
from .limits import CsvFormatError, CsvReader, InputLimits

#: Files a feed must have (calendar: at least one of calendar.txt / calendar_dates.txt).
REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
#: Columns each file must have (GTFS reference, "Required" fields we use).
REQUIRED_COLUMNS = {
    "agency.txt": ("agency_name",),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")
_DATE = re.compile(r"^\d{8}$")


class GTFSError(AccessError):
    """A feed we cannot import; the message names file, row and field."""

    def __init__(
        self, file: str, message: str, *, row: int | None = None, field: str | None = None
    ) -> None:
        where = file
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.field = file, row, field


@dataclass
class Dropped:
    """Something the import left out, with the reason and a few examples (ids)."""

    file: str
    reason: str
    count: int
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "reason": self.reason,
            "count": self.count,
            "examples": self.examples,
        }


def parse_time(
    value: str, *, file: str = "", row: int | None = None, field: str | None = None
) -> int:
    """``H:MM:SS`` (hours may exceed 24, as GTFS allows for trips past midnight) → seconds."""
    m = _TIME.match(value)
    if not m:
        raise GTFSError(file, f"malformed time {value!r} (expected HH:MM:SS)", row=row, field=field)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def parse_times(
    values: pd.Series, file: str, field: str, *, allow_empty: bool, offset: int = 0
) -> np.ndarray:
    """Vectorised :func:`parse_time`; empty → -1 where allowed. Rows are 1-based file lines
    (``offset``: data rows before ``values``, for a table read in pieces).

    Why two paths: a regular expression costs about 2.5 µs a value, which is minutes for a
    national feed's 40 million stop times; the usual ``HH:MM:SS`` is checked and converted as
    fixed-width characters in numpy instead, and only the rest (``7:05:00``, padded, empty or
    bad values) goes through the expression.
    """
    n = len(values)
    out = np.full(n, -1, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    lengths = values.str.len().to_numpy(dtype=float, na_value=np.nan)
    fast = np.flatnonzero(lengths == 8)
    if len(fast):
        chars = values.to_numpy()[fast].astype("U8").view(np.uint32).reshape(-1, 8)
        digits = chars.astype(np.int64) - 48
        ok = (chars[:, 2] == 58) & (chars[:, 5] == 58)
        for j in (0, 1, 3, 4, 6, 7):
            ok &= (digits[:, j] >= 0) & (digits[:, j] <= 9)
        ok &= (digits[:, 3] <= 5) & (digits[:, 6] <= 5)
        out[fast[ok]] = (
            (digits[ok, 0] * 10 + digits[ok, 1]) * 3600
            + (digits[ok, 3] * 10 + digits[ok, 4]) * 60
            + digits[ok, 6] * 10
            + digits[ok, 7]
        )
        slow = np.ones(n, dtype=bool)
        slow[fast[ok]] = False
        slow = np.flatnonzero(slow)
    else:
        slow = np.arange(n)
    if len(slow):
        s = values.iloc[slow].str.strip()
        empty = (s == "").to_numpy(dtype=bool, na_value=False)
        parts = s.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
        bad[slow] = parts[0].isna().to_numpy() & (~empty | (not allow_empty))
        good = ~empty & ~bad[slow]
        if good.any():
            p = parts[good.tolist()].astype(np.int64).to_numpy()
            out[slow[good]] = p[:, 0] * 3600 + p[:, 1] * 60 + p[:, 2]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GTFSError(
            file,
            f"malformed time {values.iloc[i]!r} (expected HH:MM:SS)",
            row=offset + i + 2,
            field=field,
        )
    return out


def parse_ints(
    values: pd.Series,
    file: str,
    field: str,
    *,
    allowed: tuple[int, ...] | None = None,
    default: int | None = None,
    minimum: int | None = None,
    offset: int = 0,
) -> np.ndarray:
    """Whole numbers (``default`` for empty values); ``values`` read as int64 already are only
    checked. ``offset``: data rows before ``values``, for a table read in pieces."""
    if pd.api.types.is_integer_dtype(values.dtype):
        num = values
        bad = pd.Series(np.zeros(len(values), dtype=bool), index=values.index)
    else:
        s = values.str.strip()
        if default is not None:
            s = s.where(s != "", str(default))
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() | (num != num.round())
    if allowed is not None:
        bad |= ~num.isin(allowed)
    if minimum is not None:
        bad |= num < minimum
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        expected = f"one of {', '.join(map(str, allowed))}" if allowed else "a whole number"
        if minimum is not None:
            expected += f" ≥ {minimum}"
        raise GTFSError(
            file,
            f"invalid value {str(values.iloc[i])!r} (expected {expected})",
            row=offset + i + 2,
            field=field,
        )
    return num.to_numpy().astype(np.int64)


def parse_dates(values: pd.Series, file: str, field: str) -> np.ndarray:
    s = values.str.strip()
    for i, v in enumerate(s):
        if not _DATE.match(v):
            raise GTFSError(
                file, f"malformed date {v!r} (expected YYYYMMDD)", row=i + 2, field=field
            )
        try:
            dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
        except ValueError:
            raise GTFSError(file, f"no such date {v!r}", row=i + 2, field=field) from None
    return s.astype(np.int64).to_numpy()


def lookup(
    ids: pd.Series,
    index: dict[str, int] | pd.Index,
    file: str,
    field: str,
    what: str,
    *,
    offset: int = 0,
) -> np.ndarray:
    """Map id strings to positions; an unknown id is an error naming its row.

    ``index`` is a dict (id → position) or a unique :class:`pandas.Index` of the ids in position
    order: its hash table costs a fraction of a dict's memory and looks a piece of 300,000 stop
    times up in milliseconds. ``offset``: data rows before ``ids``, for a table read in pieces.
    """
    if isinstance(index, pd.Index):
        mapped = index.get_indexer(ids)
        missing = mapped < 0
    else:
        series = ids.map(index)
        missing = series.isna().to_numpy()
        mapped = series.to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise GTFSError(file, f"unknown {what} {ids.iloc[i]!r}", row=offset + i + 2, field=field)
    return mapped.astype(np.int64)


def to_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def open_table(
    zf: zipfile.ZipFile,
    names: dict[str, str],
    file: str,
    *,
    label: str,
    limits: InputLimits,
    required: bool = True,
) -> CsvReader | None:
    """A reader of ``file`` positioned after its header (``None`` for a missing optional file);
    the file's required columns are checked here, before any row is read.

    Rows are read later, in pieces (:meth:`CsvReader.chunks`), within ``limits``; a limit names
    the archive (``label``) and the file.
    """
    if file not in names:
        if required:
            raise GTFSError(file, "required file is missing from the feed")
        return None
    fh = zf.open(names[file])
    try:
        reader = CsvReader(fh, f"{label}: {file}", limits)
    except CsvFormatError as exc:
        fh.close()
        raise GTFSError(file, exc.detail, row=exc.row) from None
    except BaseException:
        fh.close()
        raise
    columns = [str(c).strip() for c in reader.columns or ()]
    for column in REQUIRED_COLUMNS.get(file, ()):
        if column not in columns:
            fh.close()
            raise GTFSError(file, "required column is missing", field=column)
    return reader


def table_chunks(
    reader: CsvReader,
    file: str,
    columns: Collection[str] | None = None,
    integers: Collection[str] = (),
) -> Iterator[pd.DataFrame]:
    """The rows of ``file`` in DataFrames of strings (``columns`` only), indexed by data row;
    the member is closed at the end. CSV errors become :class:`GTFSError` naming the file."""
    try:
        yield from reader.chunks(columns, integers)
    except CsvFormatError as exc:
        raise GTFSError(file, exc.detail, row=exc.row) from None
    finally:
        reader.close()


def read_table(
    reader: CsvReader | None, file: str, columns: Collection[str] | None = None
) -> pd.DataFrame | None:
    """A whole (small) file as one DataFrame of strings; ``None`` for a missing file."""
    if reader is None:
        return None
    parts = list(table_chunks(reader, file, columns))
    df = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def col(df: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    if name in df.columns:
        return df[name].astype(str)
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def first_dupe(ids: pd.Series, file: str, field: str) -> None:
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise GTFSError(file, f"duplicate id {ids.iloc[i]!r}", row=i + 2, field=field)
