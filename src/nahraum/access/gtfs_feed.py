"""A parsed GTFS feed as arrays (:class:`Feed`) and which of its services run on a day."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

import numpy as np

from ._gtfs_fields import Dropped, GTFSError, date_int, to_date


@dataclass
class Feed:
    """A parsed GTFS feed as arrays (positions, not ids, link the tables)."""

    agencies: list[dict]
    feed_info: dict
    stop_id: np.ndarray
    stop_name: np.ndarray
    stop_lat: np.ndarray
    stop_lon: np.ndarray
    stop_parent: np.ndarray  # index of the parent station, -1 if none
    stop_location_type: np.ndarray  # 0 stop/platform, 1 station
    route_id: np.ndarray
    route_short_name: np.ndarray
    route_long_name: np.ndarray
    route_type: np.ndarray
    route_agency: np.ndarray
    trip_id: np.ndarray
    trip_route: np.ndarray
    trip_service: np.ndarray
    trip_direction: np.ndarray  # 0/1, -1 if the feed does not say
    service_id: np.ndarray
    cal_service: np.ndarray
    cal_days: np.ndarray  # bool [n, 7], Monday first
    cal_start: np.ndarray  # YYYYMMDD as int
    cal_end: np.ndarray
    cd_service: np.ndarray
    cd_date: np.ndarray
    cd_type: np.ndarray  # 1 added, 2 removed
    st_indptr: np.ndarray  # stop_times of trip t: st_indptr[t]:st_indptr[t+1]
    st_stop: np.ndarray
    st_arr: np.ndarray  # seconds after the service day's noon-minus-12h
    st_dep: np.ndarray
    freq_trip: np.ndarray
    freq_start: np.ndarray
    freq_end: np.ndarray
    freq_headway: np.ndarray
    freq_exact: np.ndarray
    # transfers.txt rows the engine applies (stop positions; stations not yet expanded)
    tr_from: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    tr_to: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    tr_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    tr_min: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # s, -1: none
    dropped: list[Dropped] = field(default_factory=list)
    checksum: str = ""
    notes: list[str] = field(default_factory=list)

    _ARRAYS = (
        "stop_id",
        "stop_name",
        "stop_lat",
        "stop_lon",
        "stop_parent",
        "stop_location_type",
        "route_id",
        "route_short_name",
        "route_long_name",
        "route_type",
        "route_agency",
        "trip_id",
        "trip_route",
        "trip_service",
        "trip_direction",
        "service_id",
        "cal_service",
        "cal_days",
        "cal_start",
        "cal_end",
        "cd_service",
        "cd_date",
        "cd_type",
        "st_indptr",
        "st_stop",
        "st_arr",
        "st_dep",
        "freq_trip",
        "freq_start",
        "freq_end",
        "freq_headway",
        "freq_exact",
        "tr_from",
        "tr_to",
        "tr_type",
        "tr_min",
    )
    #: version of :meth:`to_bytes`' layout: 2 added the transfers.txt arrays (``tr_*``)
    FORMAT = 2

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
        return to_date(min(candidates)), to_date(max(ends))

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
            "transfers": len(self.tr_from),
            "valid_from": start.isoformat(),
            "valid_to": end.isoformat(),
            "dropped": [d.as_dict() for d in self.dropped],
            "notes": list(self.notes),
        }

    def to_bytes(self) -> bytes:
        """Compressed ``.npz`` (no pickles): what the Django app stores for this feed."""
        buf = io.BytesIO()
        meta = {
            "agencies": self.agencies,
            "feed_info": self.feed_info,
            "checksum": self.checksum,
            "dropped": [d.as_dict() for d in self.dropped],
            "notes": self.notes,
            "format": self.FORMAT,
        }
        arrays = {name: _plain(getattr(self, name)) for name in self._ARRAYS}
        np.savez_compressed(buf, __meta__=np.array(json.dumps(meta)), **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Feed:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["__meta__"]))
            # format 1 (before transfers.txt was read) lacks the tr_* arrays: no rules
            arrays = {name: npz[name] for name in cls._ARRAYS if name in npz.files}
        return cls(
            agencies=meta["agencies"],
            feed_info=meta["feed_info"],
            dropped=[Dropped(**d) for d in meta["dropped"]],
            checksum=meta["checksum"],
            notes=meta.get("notes", []),
            **arrays,
        )


def _plain(a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        return np.array([str(x) for x in a], dtype=str) if len(a) else np.zeros(0, dtype="<U1")
    return a


def active_services(feed: Feed, day: dt.date) -> np.ndarray:
    """Boolean mask over ``feed.service_id``: which services run on ``day``."""
    active = np.zeros(len(feed.service_id), dtype=bool)
    d = date_int(day)
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
    trips_per_service = np.bincount(
        feed.trip_service[feed.trip_service >= 0], minlength=len(feed.service_id)
    )
    n = 0
    while day <= end and n < 60:
        count = int(trips_per_service[active_services(feed, day)].sum())
        if count > best_count:
            best, best_count = day, count
        day += dt.timedelta(days=7)
        n += 1
    if best is None or best_count <= 0:
        names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        raise GTFSError(
            "calendar.txt", f"no {names[weekday]} with service between {start} and {end}"
        )
    return best
