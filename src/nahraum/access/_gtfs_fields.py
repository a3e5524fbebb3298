"""GTFS fields: the files and columns a feed needs, errors naming file/row/field, what was
dropped, and vectorised parsers of times, numbers, dates and ids (shared by the per-file
readers in ``gtfs_read`` and the feed in ``gtfs_feed``)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import AccessError

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


def parse_times(values: pd.Series, file: str, field: str, *, allow_empty: bool) -> np.ndarray:
    """Vectorised :func:`parse_time`; empty → -1 where allowed. Rows are 1-based file lines."""
    s = values.str.strip()
    empty = s == ""
    parts = s.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    bad = parts[0].isna() & ~empty
    if not allow_empty:
        bad |= empty
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise GTFSError(
            file, f"malformed time {values.iloc[i]!r} (expected HH:MM:SS)", row=i + 2, field=field
        )
    out = np.full(len(s), -1, dtype=np.int64)
    ok = ~empty.to_numpy()
    p = parts[ok.tolist()].astype(np.int64).to_numpy() if ok.any() else np.zeros((0, 3), np.int64)
    out[ok] = p[:, 0] * 3600 + p[:, 1] * 60 + p[:, 2]
    return out


def parse_ints(
    values: pd.Series,
    file: str,
    field: str,
    *,
    allowed: tuple[int, ...] | None = None,
    default: int | None = None,
    minimum: int | None = None,
) -> np.ndarray:
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
            file, f"invalid value {values.iloc[i]!r} (expected {expected})", row=i + 2, field=field
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


def lookup(ids: pd.Series, index: dict[str, int], file: str, field: str, what: str) -> np.ndarray:
    """Map id strings to positions; an unknown id is an error naming its row."""
    mapped = ids.map(index)
    if mapped.isna().any():
        i = int(np.flatnonzero(mapped.isna().to_numpy())[0])
        raise GTFSError(file, f"unknown {what} {ids.iloc[i]!r}", row=i + 2, field=field)
    return mapped.to_numpy().astype(np.int64)


def to_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def read_table(
    zf: zipfile.ZipFile, names: dict[str, str], file: str, required: bool = True
) -> pd.DataFrame | None:
    if file not in names:
        if required:
            raise GTFSError(file, "required file is missing from the feed")
        return None
    with zf.open(names[file]) as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GTFSError(file, f"not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        df = pd.DataFrame()
    else:
        try:
            df = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=False
            )
        except pd.errors.ParserError as exc:
            raise GTFSError(file, f"not valid CSV ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    for column in REQUIRED_COLUMNS.get(file, ()):
        if column not in df.columns:
            raise GTFSError(file, "required column is missing", field=column)
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
