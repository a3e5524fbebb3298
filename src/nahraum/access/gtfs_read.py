# long-file: one reader per GTFS file, in the order their ids resolve (and flex rows set aside)
"""Reading a GTFS zip into a :class:`~.gtfs_feed.Feed`, one function per file.

Each reader validates its file (errors name file, row and field), reports what it leaves out
(:class:`Dropped`) and returns the :class:`Feed` fields it owns, plus what later files need to
resolve their ids (stop, route, service and trip positions). :func:`read_feed` runs them in the
order the ids depend on each other: agency → stops → routes → calendar → trips → stop_times →
frequencies.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import _gtfs_transfers
from ._gtfs_fields import (
    REQUIRED_COLUMNS,
    REQUIRED_FILES,
    WEEKDAYS,
    Dropped,
    GTFSError,
    col,
    first_dupe,
    lookup,
    open_table,
    parse_dates,
    parse_ints,
    parse_times,
    read_table,
    table_chunks,
)
from .gtfs_feed import Feed
from .limits import CsvReader, InputLimits, check_file_size, check_size, check_zip

OPTIONAL_FILES = (
    "calendar.txt",
    "calendar_dates.txt",
    "frequencies.txt",
    "feed_info.txt",
    "transfers.txt",
)


@dataclass
class _Report:
    """What the readers left out (``dropped``) and what they repaired (``notes``)."""

    dropped: list[Dropped]
    notes: list[str]


def read_feed(source: str | Path | bytes, *, limits: InputLimits | None = None) -> Feed:
    """Read and validate a GTFS zip (a path; bytes for small feeds in memory) into a :class:`Feed`.

    Raises :class:`GTFSError` naming file, row and field for: a missing required file or column,
    an unknown stop/route/trip/agency/parent id, a malformed time, date or number, duplicate ids;
    :class:`~.limits.InputTooLargeError` for a file over ``limits`` (default: from the
    ``NAHRAUM_MAX_*`` variables), naming the archive, the file and the row.

    Why in bounded memory: the archive's directory is checked before anything is inflated (a zip
    bomb is refused in milliseconds), and every file is read in pieces of whole rows
    (:class:`~.limits.CsvReader`); stop_times, tens of millions of rows in a national feed, is
    turned piece by piece into integer arrays (about 24 bytes a row), never held as text.
    """
    limits = limits or InputLimits.from_env()
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        label = "feed"
        check_size(label, len(data), limits)
        checksum = hashlib.sha256(data).hexdigest()
        archive: Path | io.BytesIO = io.BytesIO(data)
    else:
        archive = Path(source)
        label = archive.name
        check_file_size(archive, limits)
        checksum = _file_sha256(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise GTFSError("feed", "not a zip file") from None
    with zf:
        check_zip(zf, label, limits)
        return _read_zip(zf, label, limits, checksum)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


#: The columns each reader uses (the others are not kept, agency.txt and feed_info.txt are kept
#: whole: they are stored as they are).
_COLUMNS: dict[str, tuple[str, ...] | None] = {
    "agency.txt": None,
    "stops.txt": (
        "stop_id",
        "stop_name",
        "stop_lat",
        "stop_lon",
        "location_type",
        "parent_station",
    ),
    "routes.txt": ("route_id", "agency_id", "route_short_name", "route_long_name", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id", "direction_id"),
    "calendar.txt": REQUIRED_COLUMNS["calendar.txt"],
    "calendar_dates.txt": REQUIRED_COLUMNS["calendar_dates.txt"],
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs", "exact_times"),
    "feed_info.txt": None,
    "transfers.txt": _gtfs_transfers.COLUMNS,
}


def _read_zip(zf: zipfile.ZipFile, label: str, limits: InputLimits, checksum: str) -> Feed:
    # Feeds are sometimes zipped with a folder inside; take the files by their base name.
    names = {Path(n).name: n for n in zf.namelist() if not n.endswith("/")}
    readers: dict[str, CsvReader | None] = {}
    try:
        # every file's presence and header first, in the order a whole-file read checked them
        for f in REQUIRED_FILES:
            readers[f] = open_table(zf, names, f, label=label, limits=limits)
        for f in OPTIONAL_FILES:
            readers[f] = open_table(zf, names, f, label=label, limits=limits, required=False)
        if readers["calendar.txt"] is None and readers["calendar_dates.txt"] is None:
            raise GTFSError(
                "calendar.txt",
                "required file is missing (neither calendar.txt nor calendar_dates.txt is in "
                "the feed)",
            )

        def table(f: str) -> pd.DataFrame | None:
            return read_table(readers.pop(f), f, _COLUMNS[f])

        report = _Report([], [])
        agencies, agency_ids = _read_agency(table("agency.txt"))
        stops = _read_stops(table("stops.txt"), report)
        route_index, routes = _read_routes(table("routes.txt"), agency_ids)
        services, calendar = _read_calendar(table("calendar.txt"), table("calendar_dates.txt"))
        trips = _read_trips(table("trips.txt"), route_index, services, report)
        new_trip, stop_times = _read_stop_times(readers.pop("stop_times.txt"), trips, stops, report)
        frequencies = _read_frequencies(table("frequencies.txt"), trips, new_trip, report)
        info = table("feed_info.txt")
        transfers = _gtfs_transfers.read_transfers(
            table("transfers.txt"), stops.index, stops.to_kept, report.dropped
        )
    finally:
        for reader in readers.values():
            if reader is not None:
                reader.close()
    return Feed(
        agencies=agencies,
        feed_info=info.iloc[0].to_dict() if info is not None and len(info) else {},
        **stops.fields,
        **routes,
        **calendar,
        **trips.kept(new_trip),
        **stop_times,
        **frequencies,
        **transfers,
        dropped=report.dropped,
        checksum=checksum,
        notes=report.notes,
    )


# -- agency.txt, stops.txt, routes.txt ---------------------------------------------------------


def _read_agency(agency: pd.DataFrame) -> tuple[list[dict], set[str]]:
    if len(agency) == 0:
        raise GTFSError("agency.txt", "the file has no rows")
    return agency.to_dict("records"), set(col(agency, "agency_id").tolist())


@dataclass
class _Stops:
    index: dict[str, int]  # stop id → row of stops.txt
    to_kept: np.ndarray  # row of stops.txt → position in the feed's stops (-1: dropped)
    fields: dict


def _read_stops(stops: pd.DataFrame, report: _Report) -> _Stops:
    first_dupe(stops["stop_id"], "stops.txt", "stop_id")
    loc = parse_ints(
        col(stops, "location_type"),
        "stops.txt",
        "location_type",
        allowed=(0, 1, 2, 3, 4),
        default=0,
    )
    keep = np.isin(loc, (0, 1, 4))
    if (~keep).any():
        report.dropped.append(
            Dropped(
                "stops.txt",
                "entrances and generic nodes (location_type 2, 3) are not needed for routing",
                int((~keep).sum()),
                stops["stop_id"][~keep].head(5).tolist(),
            )
        )
    lat, lon = _stop_coordinates(stops, keep, loc)
    index = {sid: i for i, sid in enumerate(stops["stop_id"])}
    parent_raw = col(stops, "parent_station").str.strip()
    has_parent = (parent_raw != "").to_numpy()
    parent_all = np.full(len(stops), -1, dtype=np.int64)
    if has_parent.any():
        parent_all[has_parent] = _parent_lookup(parent_raw, has_parent, index)
    # boarding areas (4) stand for their platform: map them to the parent.
    redirect = np.arange(len(stops))
    for i in np.flatnonzero(loc == 4):
        if parent_all[i] < 0:
            raise GTFSError(
                "stops.txt",
                "a boarding area (location_type 4) needs a parent_station",
                row=int(i) + 2,
                field="parent_station",
            )
        redirect[i] = parent_all[i]
        lat[i], lon[i] = lat[parent_all[i]], lon[parent_all[i]]
    kept = np.flatnonzero(keep & (loc != 4))
    new_pos = np.full(len(stops), -1, dtype=np.int64)
    new_pos[kept] = np.arange(len(kept))
    stop_parent = np.where(parent_all[kept] >= 0, new_pos[np.maximum(parent_all[kept], 0)], -1)
    return _Stops(
        index,
        new_pos[redirect],
        {
            "stop_id": stops["stop_id"].to_numpy()[kept].astype(str),
            "stop_name": col(stops, "stop_name").to_numpy()[kept].astype(str),
            "stop_lat": lat[kept],
            "stop_lon": lon[kept],
            "stop_parent": stop_parent.astype(np.int32),
            "stop_location_type": loc[kept].astype(np.int8),
        },
    )


def _stop_coordinates(
    stops: pd.DataFrame, keep: np.ndarray, loc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude, checked where required (stops and stations)."""
    for column in ("stop_lat", "stop_lon"):  # conditionally required: stops and stations
        if column not in stops.columns and len(stops):
            raise GTFSError("stops.txt", "required column is missing", field=column)
    lat = pd.to_numeric(col(stops, "stop_lat").str.strip(), errors="coerce").to_numpy()
    lon = pd.to_numeric(col(stops, "stop_lon").str.strip(), errors="coerce").to_numpy()
    for values, name, limit in ((lat, "stop_lat", 90), (lon, "stop_lon", 180)):
        bad = keep & (np.isnan(values) | (np.abs(values) > limit)) & (loc != 4)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise GTFSError(
                "stops.txt",
                f"invalid coordinate {col(stops, name).iloc[i]!r}",
                row=i + 2,
                field=name,
            )
    return lat, lon


def _parent_lookup(
    parent_raw: pd.Series, has_parent: np.ndarray, index: dict[str, int]
) -> np.ndarray:
    out = []
    for i in np.flatnonzero(has_parent):
        pid = parent_raw.iloc[i]
        if pid not in index:
            raise GTFSError(
                "stops.txt",
                f"unknown parent stop id {pid!r}",
                row=int(i) + 2,
                field="parent_station",
            )
        out.append(index[pid])
    return np.array(out, dtype=np.int64)


def _read_routes(routes: pd.DataFrame, agency_ids: set[str]) -> tuple[dict[str, int], dict]:
    first_dupe(routes["route_id"], "routes.txt", "route_id")
    route_type = parse_ints(routes["route_type"], "routes.txt", "route_type", minimum=0)
    route_agency = col(routes, "agency_id").str.strip()
    if agency_ids - {""}:
        unknown = (route_agency != "") & ~route_agency.isin(agency_ids)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise GTFSError(
                "routes.txt",
                f"unknown agency id {route_agency.iloc[i]!r}",
                row=i + 2,
                field="agency_id",
            )
    index = {rid: i for i, rid in enumerate(routes["route_id"])}
    return index, {
        "route_id": routes["route_id"].to_numpy().astype(str),
        "route_short_name": col(routes, "route_short_name").to_numpy().astype(str),
        "route_long_name": col(routes, "route_long_name").to_numpy().astype(str),
        "route_type": route_type.astype(np.int32),
        "route_agency": route_agency.to_numpy().astype(str),
    }


# -- calendar.txt, calendar_dates.txt ----------------------------------------------------------


def _read_calendar(
    calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None
) -> tuple[dict[str, int], dict]:
    """Services (id → position, in order of first mention) and the calendar fields."""
    services: dict[str, int] = {}

    def positions(ids: pd.Series) -> np.ndarray:
        return np.array([services.setdefault(s, len(services)) for s in ids], dtype=np.int64)

    empty = np.zeros(0, dtype=np.int64)
    cal_days, cal_start, cal_end, cal_service = np.zeros((0, 7), dtype=bool), empty, empty, empty
    if calendar is not None and len(calendar):
        cal_days = np.stack(
            [parse_ints(calendar[d], "calendar.txt", d, allowed=(0, 1)) for d in WEEKDAYS], axis=1
        ).astype(bool)
        cal_start = parse_dates(calendar["start_date"], "calendar.txt", "start_date")
        cal_end = parse_dates(calendar["end_date"], "calendar.txt", "end_date")
        backwards = cal_end < cal_start
        if backwards.any():
            i = int(np.flatnonzero(backwards)[0])
            raise GTFSError(
                "calendar.txt", "end_date lies before start_date", row=i + 2, field="end_date"
            )
        first_dupe(calendar["service_id"], "calendar.txt", "service_id")
        cal_service = positions(calendar["service_id"])
    cd_date = cd_type = cd_service = empty
    if calendar_dates is not None and len(calendar_dates):
        cd_date = parse_dates(calendar_dates["date"], "calendar_dates.txt", "date")
        cd_type = parse_ints(
            calendar_dates["exception_type"], "calendar_dates.txt", "exception_type", allowed=(1, 2)
        )
        cd_service = positions(calendar_dates["service_id"])
    return services, {
        "service_id": np.array(list(services), dtype=str) if services else np.zeros(0, dtype="<U1"),
        "cal_service": cal_service.astype(np.int32),
        "cal_days": cal_days,
        "cal_start": cal_start.astype(np.int32),
        "cal_end": cal_end.astype(np.int32),
        "cd_service": cd_service.astype(np.int32),
        "cd_date": cd_date.astype(np.int32),
        "cd_type": cd_type.astype(np.int8),
    }


# -- trips.txt, stop_times.txt, frequencies.txt ------------------------------------------------


@dataclass
class _Trips:
    ids: pd.Series  # trip_id per row of trips.txt
    index: pd.Index  # the trip ids, unique: trip id → row
    route: np.ndarray  # route position per row
    service: np.ndarray  # service position per row, -1 without a calendar entry
    direction: np.ndarray
    no_service: np.ndarray  # bool per row

    def kept(self, new_trip: np.ndarray) -> dict:
        """The trip fields of the feed, for the trips kept (``new_trip`` ≥ 0)."""
        keep = np.flatnonzero(new_trip >= 0)
        return {
            "trip_id": self.ids.to_numpy()[keep].astype(str),
            "trip_route": self.route[keep].astype(np.int32),
            "trip_service": self.service.astype(np.int32)[keep],
            "trip_direction": self.direction[keep].astype(np.int8),
        }


def _read_trips(
    trips: pd.DataFrame, route_index: dict[str, int], services: dict[str, int], report: _Report
) -> _Trips:
    first_dupe(trips["trip_id"], "trips.txt", "trip_id")
    route = lookup(trips["route_id"], route_index, "trips.txt", "route_id", "route id")
    no_service = ~trips["service_id"].isin(services)
    if no_service.any():
        report.dropped.append(
            Dropped(
                "trips.txt",
                "service_id has no entry in calendar.txt or calendar_dates.txt",
                int(no_service.sum()),
                trips["trip_id"][no_service].head(5).tolist(),
            )
        )
    direction = parse_ints(
        col(trips, "direction_id"), "trips.txt", "direction_id", allowed=(0, 1, -1), default=-1
    )
    return _Trips(
        ids=trips["trip_id"],
        index=pd.Index(trips["trip_id"]),
        route=route,
        service=np.array([services.get(s, -1) for s in trips["service_id"]], dtype=np.int64),
        direction=direction,
        no_service=no_service.to_numpy(),
    )


_STOP_TIME_COLUMNS = ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")


def _read_stop_times(
    reader: CsvReader, trips: _Trips, stops: _Stops, report: _Report
) -> tuple[np.ndarray, dict]:
    """(new position per trip row, -1 if dropped; the stop-time fields). Trips with fewer than
    two stop times, untimed first/last stops or times running backwards are dropped.

    The file is read in pieces; each becomes five integer arrays at once (trip and stop
    position, sequence, arrival, departure) and its strings are dropped, so memory grows by
    about 24 bytes a stop time (plus the sort below), not with the size of the text.
    """
    trip_index = pd.Index(trips.ids)
    stop_index = pd.Index(list(stops.index))
    parts: list[list[np.ndarray]] = [[], [], [], [], []]
    flex = _FlexRows(trip_index)
    columns = _STOP_TIME_COLUMNS + _FLEX_COLUMNS
    for chunk in table_chunks(reader, "stop_times.txt", columns, ("stop_sequence",)):
        chunk = flex.take(chunk)
        for part, values in zip(
            parts,
            flex.renumbered(_stop_time_arrays, chunk, trip_index, stop_index, stops.to_kept),
            strict=True,
        ):
            part.append(values)
    # one field at a time, so that the pieces of a field are freed before the next is joined
    st_trip, mapped, seq, arr, dep = (_join(part) for part in parts)
    order = np.lexsort((seq, st_trip))
    # one array at a time: a national feed's arrays are a gigabyte, each copy counts
    st_trip = st_trip[order]
    mapped = mapped[order]
    seq = seq[order]
    arr = arr[order]
    dep = dep[order]
    dupe = (np.diff(st_trip) == 0) & (np.diff(seq) == 0)
    if dupe.any():
        i = int(np.flatnonzero(dupe)[0]) + 1
        raise GTFSError(
            "stop_times.txt",
            f"stop_sequence {seq[i]} appears twice in trip {trips.ids.iloc[st_trip[i]]!r}",
            row=flex.file_row(int(order[i])),
            field="stop_sequence",
        )
    del order, seq
    counts = np.bincount(st_trip, minlength=len(trips.ids))
    trip_ok = ~trips.no_service & (counts >= 2)
    few = ~trips.no_service & (counts < 2) & flex.report(trips.ids, counts, report)
    if few.any():
        report.dropped.append(
            Dropped(
                "trips.txt",
                "fewer than two stop_times",
                int(few.sum()),
                trips.ids[few].head(5).tolist(),
            )
        )
    _interpolate_untimed(st_trip, arr, dep, counts, trip_ok, trips.ids, report)
    _drop_backwards(st_trip, arr, dep, trip_ok, trips.ids, report)
    keep_trips = np.flatnonzero(trip_ok)
    new_trip = np.full(len(trips.ids), -1, dtype=np.int64)
    new_trip[keep_trips] = np.arange(len(keep_trips))
    st_keep = trip_ok[st_trip]
    del st_trip
    if not st_keep.all():  # (no copies when every trip is kept)
        mapped, arr, dep = mapped[st_keep], arr[st_keep], dep[st_keep]
    return new_trip, {
        "st_indptr": np.concatenate([[0], np.cumsum(counts[keep_trips])]).astype(np.int64),
        "st_stop": mapped.astype(np.int32, copy=False),
        "st_arr": arr.astype(np.int32, copy=False),
        "st_dep": dep.astype(np.int32, copy=False),
    }


_FLEX_COLUMNS = ("location_id", "location_group_id")


class _FlexRows:
    """GTFS-Flex rows of stop_times.txt (a zone or a group of stops with a pick-up window
    instead of a stop with times): left out of the timetable and reported as such, not as
    errors — :mod:`.gtfs_flex` reads them as Rufbus areas. Regular rows are validated as before;
    row numbers in errors stay the file's, however many flex rows were taken out.
    """

    def __init__(self, trip_index: pd.Index) -> None:
        self.trip_index = trip_index
        self.per_trip = np.zeros(len(trip_index), dtype=np.int64)
        self.rows: list[np.ndarray] = []  # data rows taken out, ascending

    def take(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The chunk without its flex rows (counted per trip)."""
        if not len(chunk) or not any(c in chunk.columns for c in _FLEX_COLUMNS):
            return chunk
        zone = (col(chunk, "location_id").str.strip() != "") | (
            col(chunk, "location_group_id").str.strip() != ""
        )
        is_flex = ((chunk["stop_id"].astype(str).str.strip() == "") & zone).to_numpy()
        if not is_flex.any():
            return chunk
        rows = chunk.index.to_numpy()[is_flex]
        trip = self.trip_index.get_indexer(chunk["trip_id"][is_flex])
        if (trip < 0).any():
            i = int(np.flatnonzero(trip < 0)[0])
            raise GTFSError(
                "stop_times.txt",
                f"unknown trip id {chunk['trip_id'][is_flex].iloc[i]!r}",
                row=int(rows[i]) + 2,
                field="trip_id",
            )
        np.add.at(self.per_trip, trip, 1)
        self.rows.append(rows.astype(np.int64))
        return chunk[~is_flex]

    def renumbered(self, read, chunk: pd.DataFrame, *args) -> tuple[np.ndarray, ...]:
        """``read(chunk, *args)``; an error's row is mapped back to the file's row (the reader
        counts rows by position, which flex rows taken out of the chunk have shifted)."""
        try:
            return read(chunk, *args)
        except GTFSError as exc:
            if exc.row is None or not len(chunk) or not self.rows:
                raise
            position = exc.row - 2 - int(chunk.index[0])
            row = int(chunk.index[position]) + 2
            if row == exc.row:
                raise
            where = f"{exc.file}, row {exc.row}" + (f", field {exc.field}" if exc.field else "")
            detail = str(exc).removeprefix(where + ": ")
            raise GTFSError(exc.file, detail, row=row, field=exc.field) from None

    def file_row(self, position: int) -> int:
        """The file row (header = 1) of the ``position``-th regular row."""
        if not self.rows:
            return position + 2
        taken = np.concatenate(self.rows)
        # the regular row at ``position`` has ``k`` flex rows before it where k is the number
        # of taken rows r with r - (their rank) <= position
        k = int(np.searchsorted(taken - np.arange(len(taken)), position, side="right"))
        return position + k + 2

    def report(self, ids: pd.Series, counts: np.ndarray, report: _Report) -> np.ndarray:
        """Report the flex rows and trips; the mask of trips that are *not* flex-only (so that
        "fewer than two stop_times" is not said of a flex trip)."""
        flex_only = (self.per_trip > 0) & (counts == 0)
        n_rows = int(self.per_trip.sum())
        if n_rows:
            report.dropped.append(
                Dropped(
                    "stop_times.txt",
                    "GTFS-Flex rows (location_id / location_group_id with a pick-up window): "
                    "not timetable rows, read as Rufbus areas (gtfs_flex)",
                    n_rows,
                    ids[self.per_trip > 0].head(5).tolist(),
                )
            )
        if flex_only.any():
            report.dropped.append(
                Dropped(
                    "trips.txt",
                    "GTFS-Flex trips (only zone or stop-group rows): Rufbus areas, not timetable",
                    int(flex_only.sum()),
                    ids[flex_only].head(5).tolist(),
                )
            )
        return ~flex_only


def _join(part: list[np.ndarray]) -> np.ndarray:
    joined = np.concatenate(part) if part else np.zeros(0, dtype=np.int32)
    part.clear()
    return joined


def _stop_time_arrays(
    st: pd.DataFrame, trip_index: pd.Index, stop_index: pd.Index, to_kept: np.ndarray
) -> tuple[np.ndarray, ...]:
    """One piece of stop_times.txt as (trip, stop, sequence, arrival, departure) arrays."""
    f = "stop_times.txt"
    off = int(st.index[0]) if len(st) else 0
    st_trip = lookup(st["trip_id"], trip_index, f, "trip_id", "trip id", offset=off)
    st_stop_all = lookup(st["stop_id"], stop_index, f, "stop_id", "stop id", offset=off)
    mapped = to_kept[st_stop_all]
    if (mapped < 0).any():
        i = int(np.flatnonzero(mapped < 0)[0])
        raise GTFSError(
            f,
            f"stop id {st['stop_id'].iloc[i]!r} is an entrance or generic node, not a stop",
            row=off + i + 2,
            field="stop_id",
        )
    seq = parse_ints(st["stop_sequence"], f, "stop_sequence", minimum=0, offset=off)
    arr = parse_times(col(st, "arrival_time"), f, "arrival_time", allow_empty=True, offset=off)
    dep = parse_times(col(st, "departure_time"), f, "departure_time", allow_empty=True, offset=off)
    arr = np.where(arr < 0, dep, arr)
    dep = np.where(dep < 0, arr, dep)
    small = seq.max(initial=0) < 2**31
    return (
        st_trip.astype(np.int32),
        mapped.astype(np.int32),
        seq.astype(np.int32) if small else seq,
        arr.astype(np.int32),
        dep.astype(np.int32),
    )


def _interpolate_untimed(
    st_trip: np.ndarray,
    arr: np.ndarray,
    dep: np.ndarray,
    counts: np.ndarray,
    trip_ok: np.ndarray,
    ids: pd.Series,
    report: _Report,
) -> None:
    """Untimed intermediate stops: interpolated along the sequence (in place); a trip whose
    first or last stop has no time is dropped (``trip_ok`` set False)."""
    indptr = np.concatenate([[0], np.cumsum(counts)])
    interpolated = 0
    untimed_end = []
    missing = np.flatnonzero(arr < 0)
    for t in np.unique(st_trip[missing]) if len(missing) else ():
        a, b = indptr[t], indptr[t + 1]
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
        report.notes.append(f"stop_times.txt: {interpolated} untimed stop times interpolated")
    if untimed_end:
        trip_ok[untimed_end] = False
        report.dropped.append(
            Dropped(
                "stop_times.txt",
                "first or last stop has no time",
                len(untimed_end),
                [ids.iloc[t] for t in untimed_end[:5]],
            )
        )


def _drop_backwards(
    st_trip: np.ndarray,
    arr: np.ndarray,
    dep: np.ndarray,
    trip_ok: np.ndarray,
    ids: pd.Series,
    report: _Report,
) -> None:
    """Times must not run backwards within a trip: such trips are dropped."""
    same = np.diff(st_trip) == 0
    back = same & ((arr[1:] < dep[:-1]) | (dep[1:] < arr[1:]))
    back_trips = np.unique(st_trip[1:][back])
    back_trips = back_trips[trip_ok[back_trips]]
    if len(back_trips):
        trip_ok[back_trips] = False
        report.dropped.append(
            Dropped(
                "stop_times.txt",
                "times run backwards within the trip",
                len(back_trips),
                [ids.iloc[t] for t in back_trips[:5]],
            )
        )


def _read_frequencies(
    frequencies: pd.DataFrame | None, trips: _Trips, new_trip: np.ndarray, report: _Report
) -> dict:
    names = ("freq_trip", "freq_start", "freq_end", "freq_headway", "freq_exact")
    types = (np.int32, np.int32, np.int32, np.int32, np.int8)
    if frequencies is None or not len(frequencies):
        return {n: np.zeros(0, dtype=t) for n, t in zip(names, types, strict=True)}
    f = "frequencies.txt"
    f_trip = lookup(frequencies["trip_id"], trips.index, f, "trip_id", "trip id")
    f_start = parse_times(frequencies["start_time"], f, "start_time", allow_empty=False)
    f_end = parse_times(frequencies["end_time"], f, "end_time", allow_empty=False)
    f_head = parse_ints(frequencies["headway_secs"], f, "headway_secs", minimum=1)
    f_exact = parse_ints(
        col(frequencies, "exact_times"), f, "exact_times", allowed=(0, 1), default=0
    )
    bad = f_end <= f_start
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GTFSError(f, "end_time is not after start_time", row=i + 2, field="end_time")
    ok = new_trip[f_trip] >= 0
    if (~ok).any():
        report.dropped.append(
            Dropped(
                f,
                "refers to a dropped trip",
                int((~ok).sum()),
                frequencies["trip_id"][~ok].head(5).tolist(),
            )
        )
    values = (new_trip[f_trip][ok], f_start[ok], f_end[ok], f_head[ok], f_exact[ok])
    return {n: v.astype(t) for n, v, t in zip(names, values, types, strict=True)}
