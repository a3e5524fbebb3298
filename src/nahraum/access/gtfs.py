"""GTFS timetables read into arrays: validation with named errors, a report of what was dropped.

A German feed (e.g. the DELFI/NRW feed) has tens of millions of ``stop_times`` rows; the engine
needs them as flat integer arrays anyway (RAPTOR scans trips by position, not by id), so the feed
is parsed once into numpy arrays and kept that way (see :meth:`Feed.to_bytes`). Ids survive only
in the stop/route/trip/service id arrays, for naming things in reports and pages.

Errors stop the import and name the file, the row (line in the file, header = line 1) and the
field; things that GTFS tolerates but that we cannot use (entrances, trips without a calendar,
trips with fewer than two timed stops, …) are dropped and *reported* in :attr:`Feed.dropped`.

No Django here: the Django app (``nahraum.transit``) stores the arrays and the summary rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import AccessError

__all__ = [
    "Dropped",
    "Feed",
    "GTFSError",
    "Timetable",
    "active_services",
    "default_service_date",
    "parse_time",
    "read_feed",
    "timetable_for_day",
]

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
        "service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "start_date", "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")
_DATE = re.compile(r"^\d{8}$")


class GTFSError(AccessError):
    """A feed we cannot import; the message names file, row and field."""

    def __init__(self, file: str, message: str, *, row: int | None = None,
                 field: str | None = None) -> None:
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
        return {"file": self.file, "reason": self.reason, "count": self.count,
                "examples": self.examples}


def parse_time(value: str, *, file: str = "", row: int | None = None,
               field: str | None = None) -> int:
    """``H:MM:SS`` (hours may exceed 24, as GTFS allows for trips past midnight) → seconds."""
    m = _TIME.match(value)
    if not m:
        raise GTFSError(file, f"malformed time {value!r} (expected HH:MM:SS)", row=row, field=field)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def _parse_times(values: pd.Series, file: str, field: str, *, allow_empty: bool) -> np.ndarray:
    """Vectorised :func:`parse_time`; empty → -1 where allowed. Rows are 1-based file lines."""
    s = values.str.strip()
    empty = s == ""
    parts = s.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    bad = parts[0].isna() & ~empty
    if not allow_empty:
        bad |= empty
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise GTFSError(file, f"malformed time {values.iloc[i]!r} (expected HH:MM:SS)",
                        row=i + 2, field=field)
    out = np.full(len(s), -1, dtype=np.int64)
    ok = ~empty.to_numpy()
    p = parts[ok.tolist()].astype(np.int64).to_numpy() if ok.any() else np.zeros((0, 3), np.int64)
    out[ok] = p[:, 0] * 3600 + p[:, 1] * 60 + p[:, 2]
    return out


def _parse_ints(values: pd.Series, file: str, field: str, *, allowed: tuple[int, ...] | None = None,
                default: int | None = None, minimum: int | None = None) -> np.ndarray:
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
        raise GTFSError(file, f"invalid value {values.iloc[i]!r} (expected {expected})",
                        row=i + 2, field=field)
    return num.to_numpy().astype(np.int64)


def _parse_dates(values: pd.Series, file: str, field: str) -> np.ndarray:
    s = values.str.strip()
    for i, v in enumerate(s):
        if not _DATE.match(v):
            raise GTFSError(file, f"malformed date {v!r} (expected YYYYMMDD)", row=i + 2,
                            field=field)
        try:
            dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
        except ValueError:
            raise GTFSError(file, f"no such date {v!r}", row=i + 2, field=field) from None
    return s.astype(np.int64).to_numpy()


def _lookup(ids: pd.Series, index: dict[str, int], file: str, field: str, what: str) -> np.ndarray:
    """Map id strings to positions; an unknown id is an error naming its row."""
    mapped = ids.map(index)
    if mapped.isna().any():
        i = int(np.flatnonzero(mapped.isna().to_numpy())[0])
        raise GTFSError(file, f"unknown {what} {ids.iloc[i]!r}", row=i + 2, field=field)
    return mapped.to_numpy().astype(np.int64)


@dataclass
class Feed:
    """A parsed GTFS feed as arrays (positions, not ids, link the tables)."""

    agencies: list[dict]
    feed_info: dict
    stop_id: np.ndarray
    stop_name: np.ndarray
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    stop_parent: np.ndarray          # index of the parent station, -1 if none
    stop_location_type: np.ndarray   # 0 stop/platform, 1 station
    route_id: np.ndarray
    route_short_name: np.ndarray
    route_long_name: np.ndarray
    route_type: np.ndarray
    route_agency: np.ndarray
    trip_id: np.ndarray
    trip_route: np.ndarray
    trip_service: np.ndarray
    trip_direction: np.ndarray       # 0/1, -1 if the feed does not say
    service_id: np.ndarray
    cal_service: np.ndarray
    cal_days: np.ndarray             # bool [n, 7], Monday first
    cal_start: np.ndarray            # YYYYMMDD as int
    cal_end: np.ndarray
    cd_service: np.ndarray
    cd_date: np.ndarray
    cd_type: np.ndarray              # 1 added, 2 removed
    st_indptr: np.ndarray            # stop_times of trip t: st_indptr[t]:st_indptr[t+1]
    st_stop: np.ndarray
    st_arr: np.ndarray               # seconds after the service day's noon-minus-12h
    st_dep: np.ndarray
    freq_trip: np.ndarray
    freq_start: np.ndarray
    freq_end: np.ndarray
    freq_headway: np.ndarray
    freq_exact: np.ndarray
    dropped: list[Dropped] = field(default_factory=list)
    checksum: str = ""
    notes: list[str] = field(default_factory=list)

    _ARRAYS = (
        "stop_id", "stop_name", "stop_lat", "stop_lon", "stop_parent", "stop_location_type",
        "route_id", "route_short_name", "route_long_name", "route_type", "route_agency",
        "trip_id", "trip_route", "trip_service", "trip_direction", "service_id",
        "cal_service", "cal_days", "cal_start", "cal_end", "cd_service", "cd_date", "cd_type",
        "st_indptr", "st_stop", "st_arr", "st_dep",
        "freq_trip", "freq_start", "freq_end", "freq_headway", "freq_exact",
    )

    @property
    def n_stops(self) -> int:
        return len(self.stop_id)

    @property
    def n_trips(self) -> int:
        return len(self.trip_id)

    def validity(self) -> tuple[dt.date, dt.date]:
        """First and last date on which any service may run."""
        candidates = [*self.cal_start.tolist(), *self.cd_date[self.cd_type == 1].tolist()]
        ends = [*self.cal_end.tolist(), *self.cd_date[self.cd_type == 1].tolist()]
        if not candidates:
            raise GTFSError("calendar.txt", "the feed defines no service dates")
        return _to_date(min(candidates)), _to_date(max(ends))

    def summary(self) -> dict:
        start, end = self.validity()
        return {
            "agencies": [a.get("agency_name", "") for a in self.agencies],
            "stops": int(np.sum(self.stop_location_type == 0)),
            "stations": int(np.sum(self.stop_location_type == 1)),
            "routes": len(self.route_id),
            "trips": self.n_trips,
            "stop_times": len(self.st_stop),
            "frequencies": len(self.freq_trip),
            "valid_from": start.isoformat(),
            "valid_to": end.isoformat(),
            "dropped": [d.as_dict() for d in self.dropped],
            "notes": list(self.notes),
        }

    def to_bytes(self) -> bytes:
        """Compressed ``.npz`` (no pickles): what the Django app stores for this feed."""
        buf = io.BytesIO()
        meta = {"agencies": self.agencies, "feed_info": self.feed_info, "checksum": self.checksum,
                "dropped": [d.as_dict() for d in self.dropped], "notes": self.notes}
        arrays = {name: _plain(getattr(self, name)) for name in self._ARRAYS}
        np.savez_compressed(buf, __meta__=np.array(json.dumps(meta)), **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Feed:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["__meta__"]))
            arrays = {name: npz[name] for name in cls._ARRAYS}
        return cls(agencies=meta["agencies"], feed_info=meta["feed_info"],
                   dropped=[Dropped(**d) for d in meta["dropped"]], checksum=meta["checksum"],
                   notes=meta.get("notes", []), **arrays)


def _plain(a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        return np.array([str(x) for x in a], dtype=str) if len(a) else np.zeros(0, dtype="<U1")
    return a


def _to_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def _date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _read_table(zf: zipfile.ZipFile, names: dict[str, str], file: str,
                required: bool = True) -> pd.DataFrame | None:
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
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             skipinitialspace=False)
        except pd.errors.ParserError as exc:
            raise GTFSError(file, f"not valid CSV ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    for column in REQUIRED_COLUMNS.get(file, ()):
        if column not in df.columns:
            raise GTFSError(file, "required column is missing", field=column)
    return df


def _col(df: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    if name in df.columns:
        return df[name].astype(str)
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def _first_dupe(ids: pd.Series, file: str, field: str) -> None:
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise GTFSError(file, f"duplicate id {ids.iloc[i]!r}", row=i + 2, field=field)


def read_feed(source: str | Path | bytes) -> Feed:
    """Read and validate a GTFS zip (path or bytes) into a :class:`Feed`.

    Raises :class:`GTFSError` naming file, row and field for: a missing required file or column,
    an unknown stop/route/trip/agency/parent id, a malformed time, date or number, duplicate ids.
    """
    data = Path(source).read_bytes() if not isinstance(source, bytes | bytearray) else bytes(source)
    checksum = hashlib.sha256(data).hexdigest()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise GTFSError("feed", "not a zip file") from None
    with zf:
        # Feeds are sometimes zipped with a folder inside; take the files by their base name.
        names = {Path(n).name: n for n in zf.namelist() if not n.endswith("/")}
        tables = {f: _read_table(zf, names, f) for f in REQUIRED_FILES}
        calendar = _read_table(zf, names, "calendar.txt", required=False)
        calendar_dates = _read_table(zf, names, "calendar_dates.txt", required=False)
        frequencies = _read_table(zf, names, "frequencies.txt", required=False)
        feed_info_df = _read_table(zf, names, "feed_info.txt", required=False)
    if calendar is None and calendar_dates is None:
        raise GTFSError("calendar.txt", "required file is missing (neither calendar.txt nor "
                        "calendar_dates.txt is in the feed)")
    dropped: list[Dropped] = []
    notes: list[str] = []

    # agency
    agency = tables["agency.txt"]
    if len(agency) == 0:
        raise GTFSError("agency.txt", "the file has no rows")
    agencies = agency.to_dict("records")
    agency_ids = set(_col(agency, "agency_id").tolist())

    # stops
    stops = tables["stops.txt"]
    _first_dupe(stops["stop_id"], "stops.txt", "stop_id")
    loc = _parse_ints(_col(stops, "location_type"), "stops.txt", "location_type",
                      allowed=(0, 1, 2, 3, 4), default=0)
    keep = np.isin(loc, (0, 1, 4))
    if (~keep).any():
        dropped.append(Dropped("stops.txt", "entrances and generic nodes (location_type 2, 3) "
                               "are not needed for routing", int((~keep).sum()),
                               stops["stop_id"][~keep].head(5).tolist()))
    for column in ("stop_lat", "stop_lon"):  # conditionally required: stops and stations
        if column not in stops.columns and len(stops):
            raise GTFSError("stops.txt", "required column is missing", field=column)
    lat = pd.to_numeric(_col(stops, "stop_lat").str.strip(), errors="coerce").to_numpy()
    lon = pd.to_numeric(_col(stops, "stop_lon").str.strip(), errors="coerce").to_numpy()
    for values, name, limit in ((lat, "stop_lat", 90), (lon, "stop_lon", 180)):
        bad = keep & (np.isnan(values) | (np.abs(values) > limit)) & (loc != 4)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise GTFSError("stops.txt", f"invalid coordinate {_col(stops, name).iloc[i]!r}",
                            row=i + 2, field=name)
    all_index = {sid: i for i, sid in enumerate(stops["stop_id"])}
    parent_raw = _col(stops, "parent_station").str.strip()
    has_parent = parent_raw != ""
    parent_all = np.full(len(stops), -1, dtype=np.int64)
    if has_parent.any():
        parent_all[has_parent.to_numpy()] = _parent_lookup(
            parent_raw, has_parent.to_numpy(), all_index)
    # boarding areas (4) stand for their platform: map them to the parent.
    redirect = np.arange(len(stops))
    boarding = np.flatnonzero(loc == 4)
    for i in boarding:
        if parent_all[i] < 0:
            raise GTFSError("stops.txt", "a boarding area (location_type 4) needs a "
                            "parent_station", row=int(i) + 2, field="parent_station")
        redirect[i] = parent_all[i]
        lat[i], lon[i] = lat[parent_all[i]], lon[parent_all[i]]
    kept = np.flatnonzero(keep & (loc != 4))
    new_pos = np.full(len(stops), -1, dtype=np.int64)
    new_pos[kept] = np.arange(len(kept))
    stop_parent = np.where(parent_all[kept] >= 0, new_pos[np.maximum(parent_all[kept], 0)], -1)
    stop_index_to_kept = new_pos[redirect]
    stop_id_all = stops["stop_id"].to_numpy()

    # routes
    routes = tables["routes.txt"]
    _first_dupe(routes["route_id"], "routes.txt", "route_id")
    route_type = _parse_ints(routes["route_type"], "routes.txt", "route_type", minimum=0)
    route_agency = _col(routes, "agency_id").str.strip()
    if agency_ids - {""}:
        unknown = (route_agency != "") & ~route_agency.isin(agency_ids)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise GTFSError("routes.txt", f"unknown agency id {route_agency.iloc[i]!r}",
                            row=i + 2, field="agency_id")
    route_index = {rid: i for i, rid in enumerate(routes["route_id"])}

    # calendar
    services: dict[str, int] = {}

    def service_positions(ids: pd.Series) -> np.ndarray:
        return np.array([services.setdefault(s, len(services)) for s in ids], dtype=np.int64)

    if calendar is not None and len(calendar):
        cal_days = np.stack([_parse_ints(calendar[d], "calendar.txt", d, allowed=(0, 1))
                             for d in WEEKDAYS], axis=1).astype(bool)
        cal_start = _parse_dates(calendar["start_date"], "calendar.txt", "start_date")
        cal_end = _parse_dates(calendar["end_date"], "calendar.txt", "end_date")
        backwards = cal_end < cal_start
        if backwards.any():
            i = int(np.flatnonzero(backwards)[0])
            raise GTFSError("calendar.txt", "end_date lies before start_date", row=i + 2,
                            field="end_date")
        _first_dupe(calendar["service_id"], "calendar.txt", "service_id")
        cal_service = service_positions(calendar["service_id"])
    else:
        cal_days = np.zeros((0, 7), dtype=bool)
        cal_start = cal_end = cal_service = np.zeros(0, dtype=np.int64)
    if calendar_dates is not None and len(calendar_dates):
        cd_date = _parse_dates(calendar_dates["date"], "calendar_dates.txt", "date")
        cd_type = _parse_ints(calendar_dates["exception_type"], "calendar_dates.txt",
                              "exception_type", allowed=(1, 2))
        cd_service = service_positions(calendar_dates["service_id"])
    else:
        cd_date = cd_type = cd_service = np.zeros(0, dtype=np.int64)

    # trips
    trips = tables["trips.txt"]
    _first_dupe(trips["trip_id"], "trips.txt", "trip_id")
    trip_route_all = _lookup(trips["route_id"], route_index, "trips.txt", "route_id", "route id")
    no_service = ~trips["service_id"].isin(services)
    if no_service.any():
        dropped.append(Dropped("trips.txt", "service_id has no entry in calendar.txt or "
                               "calendar_dates.txt", int(no_service.sum()),
                               trips["trip_id"][no_service].head(5).tolist()))
    direction = _parse_ints(_col(trips, "direction_id"), "trips.txt", "direction_id",
                            allowed=(0, 1, -1), default=-1)
    trip_index_all = {tid: i for i, tid in enumerate(trips["trip_id"])}

    # stop_times
    st = tables["stop_times.txt"]
    st_trip = _lookup(st["trip_id"], trip_index_all, "stop_times.txt", "trip_id", "trip id")
    st_stop_all = _lookup(st["stop_id"], all_index, "stop_times.txt", "stop_id", "stop id")
    mapped = stop_index_to_kept[st_stop_all]
    if (mapped < 0).any():
        i = int(np.flatnonzero(mapped < 0)[0])
        raise GTFSError("stop_times.txt", f"stop id {st['stop_id'].iloc[i]!r} is an entrance "
                        "or generic node, not a stop", row=i + 2, field="stop_id")
    seq = _parse_ints(st["stop_sequence"], "stop_times.txt", "stop_sequence", minimum=0)
    arr = _parse_times(_col(st, "arrival_time"), "stop_times.txt", "arrival_time",
                       allow_empty=True)
    dep = _parse_times(_col(st, "departure_time"), "stop_times.txt", "departure_time",
                       allow_empty=True)
    arr = np.where(arr < 0, dep, arr)
    dep = np.where(dep < 0, arr, dep)
    order = np.lexsort((seq, st_trip))
    st_trip, mapped, seq, arr, dep = (a[order] for a in (st_trip, mapped, seq, arr, dep))
    rows = order + 2
    dupe = (np.diff(st_trip) == 0) & (np.diff(seq) == 0)
    if dupe.any():
        i = int(np.flatnonzero(dupe)[0]) + 1
        raise GTFSError("stop_times.txt", f"stop_sequence {seq[i]} appears twice in trip "
                        f"{trips['trip_id'].iloc[st_trip[i]]!r}", row=int(rows[i]),
                        field="stop_sequence")
    counts = np.bincount(st_trip, minlength=len(trips))
    indptr_all = np.concatenate([[0], np.cumsum(counts)])
    trip_ok = ~no_service.to_numpy() & (counts >= 2)
    few = ~no_service.to_numpy() & (counts < 2)
    if few.any():
        dropped.append(Dropped("trips.txt", "fewer than two stop_times", int(few.sum()),
                               trips["trip_id"][few].head(5).tolist()))
    # untimed intermediate stops: interpolate along the sequence; untimed ends drop the trip.
    interpolated = 0
    untimed_end, backwards_trips = [], []
    missing = np.flatnonzero(arr < 0)
    missing_trips = np.unique(st_trip[missing]) if len(missing) else np.zeros(0, np.int64)
    for t in missing_trips:
        a, b = indptr_all[t], indptr_all[t + 1]
        times = arr[a:b].astype(float)
        known = times >= 0
        if not known[0] or not known[-1]:
            untimed_end.append(t)
            continue
        pos = np.arange(b - a)
        filled = np.interp(pos, pos[known], times[known]).round().astype(np.int64)
        interpolated += int((~known).sum())
        arr[a:b] = np.where(known, arr[a:b], filled)
        dep[a:b] = np.where(known, dep[a:b], filled)
    if interpolated:
        notes.append(f"stop_times.txt: {interpolated} untimed stop times interpolated")
    if untimed_end:
        trip_ok[untimed_end] = False
        dropped.append(Dropped("stop_times.txt", "first or last stop has no time",
                               len(untimed_end), [trips["trip_id"].iloc[t] for t in untimed_end[:5]]))
    # times must not run backwards within a trip
    same = np.diff(st_trip) == 0
    back = same & ((arr[1:] < dep[:-1]) | (dep[1:] < arr[1:]))
    back_trips = np.unique(st_trip[1:][back])
    back_trips = back_trips[trip_ok[back_trips]]
    if len(back_trips):
        trip_ok[back_trips] = False
        backwards_trips = back_trips.tolist()
        dropped.append(Dropped("stop_times.txt", "times run backwards within the trip",
                               len(backwards_trips),
                               [trips["trip_id"].iloc[t] for t in backwards_trips[:5]]))

    # keep the good trips
    keep_trips = np.flatnonzero(trip_ok)
    new_trip = np.full(len(trips), -1, dtype=np.int64)
    new_trip[keep_trips] = np.arange(len(keep_trips))
    st_keep = trip_ok[st_trip]
    st_indptr = np.concatenate([[0], np.cumsum(counts[keep_trips])]).astype(np.int64)

    # frequencies
    if frequencies is not None and len(frequencies):
        f_trip_all = _lookup(frequencies["trip_id"], trip_index_all, "frequencies.txt",
                             "trip_id", "trip id")
        f_start = _parse_times(frequencies["start_time"], "frequencies.txt", "start_time",
                               allow_empty=False)
        f_end = _parse_times(frequencies["end_time"], "frequencies.txt", "end_time",
                             allow_empty=False)
        f_head = _parse_ints(frequencies["headway_secs"], "frequencies.txt", "headway_secs",
                             minimum=1)
        f_exact = _parse_ints(_col(frequencies, "exact_times"), "frequencies.txt", "exact_times",
                              allowed=(0, 1), default=0)
        bad = f_end <= f_start
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise GTFSError("frequencies.txt", "end_time is not after start_time", row=i + 2,
                            field="end_time")
        f_ok = new_trip[f_trip_all] >= 0
        if (~f_ok).any():
            dropped.append(Dropped("frequencies.txt", "refers to a dropped trip",
                                   int((~f_ok).sum()),
                                   frequencies["trip_id"][~f_ok].head(5).tolist()))
        freq = (new_trip[f_trip_all][f_ok], f_start[f_ok], f_end[f_ok], f_head[f_ok],
                f_exact[f_ok])
    else:
        freq = tuple(np.zeros(0, dtype=np.int64) for _ in range(5))

    feed_info = feed_info_df.iloc[0].to_dict() if feed_info_df is not None and len(
        feed_info_df) else {}
    service_ids = np.array(list(services), dtype=str) if services else np.zeros(0, dtype="<U1")
    return Feed(
        agencies=agencies,
        feed_info=feed_info,
        stop_id=stop_id_all[kept].astype(str),
        stop_name=_col(stops, "stop_name").to_numpy()[kept].astype(str),
        stop_lat=lat[kept],
        stop_lon=lon[kept],
        stop_parent=stop_parent.astype(np.int32),
        stop_location_type=loc[kept].astype(np.int8),
        route_id=routes["route_id"].to_numpy().astype(str),
        route_short_name=_col(routes, "route_short_name").to_numpy().astype(str),
        route_long_name=_col(routes, "route_long_name").to_numpy().astype(str),
        route_type=route_type.astype(np.int32),
        route_agency=route_agency.to_numpy().astype(str),
        trip_id=trips["trip_id"].to_numpy()[keep_trips].astype(str),
        trip_route=trip_route_all[keep_trips].astype(np.int32),
        trip_service=np.array([services.get(s, -1) for s in trips["service_id"]],
                              dtype=np.int32)[keep_trips],
        trip_direction=direction[keep_trips].astype(np.int8),
        service_id=service_ids,
        cal_service=cal_service.astype(np.int32),
        cal_days=cal_days,
        cal_start=cal_start.astype(np.int32),
        cal_end=cal_end.astype(np.int32),
        cd_service=cd_service.astype(np.int32),
        cd_date=cd_date.astype(np.int32),
        cd_type=cd_type.astype(np.int8),
        st_indptr=st_indptr,
        st_stop=mapped[st_keep].astype(np.int32),
        st_arr=arr[st_keep].astype(np.int32),
        st_dep=dep[st_keep].astype(np.int32),
        freq_trip=freq[0].astype(np.int32),
        freq_start=freq[1].astype(np.int32),
        freq_end=freq[2].astype(np.int32),
        freq_headway=freq[3].astype(np.int32),
        freq_exact=freq[4].astype(np.int8),
        dropped=dropped,
        checksum=checksum,
        notes=notes,
    )


def _parent_lookup(parent_raw: pd.Series, has_parent: np.ndarray,
                   index: dict[str, int]) -> np.ndarray:
    out = []
    for i in np.flatnonzero(has_parent):
        pid = parent_raw.iloc[i]
        if pid not in index:
            raise GTFSError("stops.txt", f"unknown parent stop id {pid!r}", row=int(i) + 2,
                            field="parent_station")
        out.append(index[pid])
    return np.array(out, dtype=np.int64)


def active_services(feed: Feed, day: dt.date) -> np.ndarray:
    """Boolean mask over ``feed.service_id``: which services run on ``day``."""
    active = np.zeros(len(feed.service_id), dtype=bool)
    d = _date_int(day)
    on = (feed.cal_start <= d) & (feed.cal_end >= d) & feed.cal_days[:, day.weekday()]
    active[feed.cal_service[on]] = True
    today = feed.cd_date == d
    active[feed.cd_service[today & (feed.cd_type == 1)]] = True
    active[feed.cd_service[today & (feed.cd_type == 2)]] = False
    return active


def default_service_date(feed: Feed, weekday: int = 1) -> dt.date:
    """A typical Tuesday (``weekday`` 1) within the feed's validity: the one with most trips.

    Taking the busiest Tuesday rather than the first one avoids holiday timetables (a Tuesday in
    the school holidays, or one where services are removed by calendar_dates).
    """
    start, end = feed.validity()
    day = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    best, best_count = None, -1
    trips_per_service = np.bincount(feed.trip_service[feed.trip_service >= 0],
                                    minlength=len(feed.service_id))
    n = 0
    while day <= end and n < 60:
        count = int(trips_per_service[active_services(feed, day)].sum())
        if count > best_count:
            best, best_count = day, count
        day += dt.timedelta(days=7)
        n += 1
    if best is None or best_count <= 0:
        names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        raise GTFSError("calendar.txt", f"no {names[weekday]} with service between {start} and "
                        f"{end}")
    return best


@dataclass(frozen=True)
class Timetable:
    """The trips running on one day, as flat arrays (times in seconds after that day's midnight).

    Frequency-based trips are expanded into single trips, and trips of the previous service day
    that run past midnight (GTFS times ≥ 24:00) are included, shifted by one day.
    """

    trip_indptr: np.ndarray   # int64 [n_trips+1]
    stop: np.ndarray          # int32 stop index per stop time
    arr: np.ndarray           # int32 seconds
    dep: np.ndarray
    trip_route: np.ndarray    # route index (into the feed's routes) per trip
    trip_direction: np.ndarray
    trip_source: np.ndarray   # feed trip index the trip was made from
    n_stops: int
    day: dt.date

    @property
    def n_trips(self) -> int:
        return len(self.trip_indptr) - 1


def timetable_for_day(feed: Feed, day: dt.date, *, start_s: int = 0,
                      end_s: int = 48 * 3600) -> Timetable:
    """All trips running on ``day`` that are under way between ``start_s`` and ``end_s``.

    Frequency-based trips start every ``headway_secs`` from ``start_time`` (before ``end_time``)
    with the template trip's running times; ``exact_times = 0`` is read the same way, since a
    planner's question ("how often?") is answered by the headway, not by the exact minute.
    """
    parts: list[tuple] = []  # (stop, arr, dep, route, direction, source)
    freq_trips = set(feed.freq_trip.tolist())
    for offset_day, shift in ((day, 0), (day - dt.timedelta(days=1), -86400)):
        active = active_services(feed, offset_day)
        trips = np.flatnonzero((feed.trip_service >= 0) & active[np.maximum(feed.trip_service, 0)])
        for t in trips.tolist():
            a, b = feed.st_indptr[t], feed.st_indptr[t + 1]
            arr = feed.st_arr[a:b].astype(np.int64)
            dep = feed.st_dep[a:b].astype(np.int64)
            if t in freq_trips:
                rows = np.flatnonzero(feed.freq_trip == t)
                base = dep[0]
                for r in rows.tolist():
                    first = int(feed.freq_start[r])
                    while first < feed.freq_end[r]:
                        parts.append((t, arr - base + first + shift, dep - base + first + shift))
                        first += int(feed.freq_headway[r])
            else:
                parts.append((t, arr + shift, dep + shift))
    stops, arrs, deps, src = [], [], [], []
    for t, arr, dep in parts:
        if arr[-1] < start_s or dep[0] > end_s:
            continue
        a, b = feed.st_indptr[t], feed.st_indptr[t + 1]
        stops.append(feed.st_stop[a:b])
        arrs.append(arr)
        deps.append(dep)
        src.append(t)
    lengths = np.array([len(s) for s in stops], dtype=np.int64)
    src_arr = np.array(src, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int32)
    return Timetable(
        trip_indptr=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        stop=np.concatenate(stops).astype(np.int32) if stops else empty,
        arr=np.concatenate(arrs).astype(np.int32) if arrs else empty,
        dep=np.concatenate(deps).astype(np.int32) if deps else empty,
        trip_route=feed.trip_route[src_arr].astype(np.int32) if src else empty,
        trip_direction=feed.trip_direction[src_arr].astype(np.int8) if src else empty.astype(np.int8),
        trip_source=src_arr,
        n_stops=feed.n_stops,
        day=day,
    )
