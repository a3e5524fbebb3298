# long-file: one format, GTFS-Flex: four files validated with named errors, and their Rufbus areas
"""GTFS-Flex: demand-responsive services (Rufbus) of a GTFS feed as the engine's Rufbus areas.

German Rufbus and on-demand services are published as GTFS-Flex (the fields are part of the
GTFS reference now): zones in ``locations.geojson``, sets of stops in ``location_groups.txt`` +
``location_group_stops.txt``, how to book in ``booking_rules.txt``, and ``stop_times.txt`` rows
that name a zone (``location_id``) or a stop group (``location_group_id``) with a pick-up /
drop-off window instead of a stop with times. :func:`~.gtfs_read.read_feed` sets those rows
aside; :func:`read_flex` reads them, and :meth:`FlexServices.areas` turns them into the model the
journey engine already has for Rufbus services (:class:`~.transit_params.DemandResponsive`: an
area, the hours in which pick-ups happen, a maximum wait, a ride at a speed × detour).

How a flex trip becomes an area (one :class:`FlexArea` per zone, service and window):

* **hours** = the row's window (``start_pickup_drop_off_window`` – ``end_…``);
* **maximum wait** from the pick-up booking rule: real time (``booking_type`` 0, or no rule):
  :data:`REALTIME_WAIT_S` (30 min, the planner's safe assumption for an on-demand service that
  promises no time); same day with notice (1): ``prior_notice_duration_min`` (you call that long
  before, and that is what you wait from the moment you decide to travel); prior day(s) (2):
  nobody decides on the day, so the planner's configured ``day_ahead_wait_s`` counts (default
  :data:`DAY_AHEAD_WAIT_S`, 60 min, as the bundled Rufbus 737) and the area says so;
* **days**: the trip's service (calendar.txt / calendar_dates.txt via the feed's calendar);
* **stops**: a zone-only trip (zone → same or other zone) picks up and drops off anywhere in the
  zone, so it serves every stop inside it; a trip that pairs a zone with a location group (or
  with stops) serves only those stops (e.g. "from anywhere in the village to the station").
  A trip of location groups only (stop to stop on demand) has no area the journey model could
  use (it would be a bus → Rufbus → bus change) and is reported, not imported.

Bounded memory: the text tables are read in pieces within :class:`~.limits.InputLimits` like
the other readers, only the flex rows of stop_times.txt are kept (a few per flex trip), and
``locations.geojson`` must be smaller than :data:`MAX_LOCATIONS_BYTES` (and the limits).

No Django here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._gtfs_fields import Dropped, GTFSError, col, first_dupe, open_table, parse_ints, read_table
from ._gtfs_fields import parse_time as _parse_time
from .errors import AccessError
from .gtfs_feed import Feed, active_services
from .limits import InputLimits, InputTooLargeError, check_file_size, check_size, check_zip
from .transit_params import DemandResponsive

#: maximum wait of a real-time (booking_type 0) service or one without a booking rule
REALTIME_WAIT_S = 30 * 60
#: a service booked the day before counts with this wait unless the planner sets another
DAY_AHEAD_WAIT_S = 60 * 60
#: the zones are read whole (JSON); real Flex feeds have kilobytes to a few megabytes
MAX_LOCATIONS_BYTES = 256 * 1024**2
#: days of service listed per area (a calendar running to 2099 is cut here, then weekdays count)
MAX_SERVICE_DAYS = 731

_LOC = "locations.geojson"
_RULES = "booking_rules.txt"
_STOP_TIMES = "stop_times.txt"


class FlexError(GTFSError):
    """A GTFS-Flex file we cannot import; names the file, the row or feature, and the field."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        feature: int | None = None,
        feature_id: str | None = None,
        field: str | None = None,
    ) -> None:
        where = file
        if row is not None:
            where += f", row {row}"
        if feature is not None:
            where += f", feature {feature}" + (f" (id {feature_id!r})" if feature_id else "")
        if field is not None:
            where += f", field {field}"
        AccessError.__init__(self, f"{where}: {message}")
        self.file, self.row, self.field, self.feature = file, row, field, feature


@dataclass(frozen=True)
class FlexZone:
    """A zone of locations.geojson (WGS 84 GeoJSON geometry, Polygon or MultiPolygon)."""

    id: str
    name: str
    geometry: dict


@dataclass(frozen=True)
class BookingRule:
    """A row of booking_rules.txt (the fields the wait depends on, and the text for people)."""

    id: str
    booking_type: int  # 0 real time, 1 same day with notice, 2 prior day(s)
    prior_notice_duration_min: int | None = None
    prior_notice_duration_max: int | None = None
    prior_notice_last_day: int | None = None
    prior_notice_last_time: int | None = None  # seconds
    message: str = ""
    phone_number: str = ""


@dataclass(frozen=True)
class FlexRow:
    """A flex row of stop_times.txt: a zone or a stop group with a window, on a trip."""

    trip: str
    sequence: int
    location_id: str  # "" if a group
    group_id: str  # "" if a zone
    start_s: int
    end_s: int
    pickup: bool
    drop_off: bool
    pickup_rule: str
    drop_off_rule: str


@dataclass(frozen=True)
class FlexArea:
    """One Rufbus area: a zone with its hours, wait, days and (maybe) the only stops served."""

    zone_id: str
    name: str
    geometry: dict  # GeoJSON, WGS 84
    start_s: int
    end_s: int
    max_wait_s: float
    booking: str  # how the wait was set (in English; the app translates its own summary)
    day_ahead: bool
    service_id: str
    route: str  # route short name (or id) of the trips
    days: tuple[dt.date, ...]  # service days (at most MAX_SERVICE_DAYS)
    weekdays: tuple[int, ...]  # weekdays (0 = Monday) on which it runs
    stop_ids: tuple[str, ...] = ()  # empty: every stop inside the zone
    stop_lonlat: tuple[tuple[float, float], ...] = ()

    def runs_on(self, day: dt.date) -> bool:
        """Whether the service runs on ``day`` (beyond the listed days: by weekday)."""
        if self.days and day <= self.days[-1]:
            return day in self.days
        return bool(self.days) and day.weekday() in self.weekdays

    def demand_responsive(self, project, *, speed_kmh: float = 30.0) -> DemandResponsive:
        """The engine's :class:`~.transit_params.DemandResponsive` for this area; ``project``
        maps (longitude, latitude) arrays to the network's (x, y) metres."""
        import shapely
        from shapely.geometry import shape

        def to_xy(coords: np.ndarray) -> np.ndarray:
            return np.column_stack(project(coords[:, 0], coords[:, 1]))

        area = shapely.transform(shape(self.geometry), to_xy)
        shapely.prepare(area)
        stops = None
        if self.stop_ids:
            lon, lat = np.array(self.stop_lonlat, float).T
            x, y = project(lon, lat)
            stops = tuple(zip(np.asarray(x).tolist(), np.asarray(y).tolist(), strict=True))
        return DemandResponsive(
            f"{self.route} {self.name}".strip(),
            area,
            self.start_s,
            self.end_s,
            self.max_wait_s,
            speed_kmh=speed_kmh,
            stops=stops,
        )


@dataclass
class FlexServices:
    """The GTFS-Flex part of a feed: zones, stop groups, booking rules and flex rows."""

    zones: dict[str, FlexZone]
    groups: dict[str, tuple[str, ...]]  # group id → stop ids
    group_names: dict[str, str]
    rules: dict[str, BookingRule]
    rows: list[FlexRow]
    trip_route: dict[str, str]  # flex trip id → route name
    trip_service: dict[str, str]
    dropped: list[Dropped] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def areas(self, feed: Feed, *, day_ahead_wait_s: float = DAY_AHEAD_WAIT_S) -> list[FlexArea]:
        """The Rufbus areas, one per (zone, service, window, wait, stops); see the module text."""
        by_trip: dict[str, list[FlexRow]] = {}
        for r in self.rows:
            by_trip.setdefault(r.trip, []).append(r)
        stop_pos = {str(s): i for i, s in enumerate(feed.stop_id)}
        days_cache: dict[str, tuple[tuple[dt.date, ...], tuple[int, ...]]] = {}
        out: dict[tuple, FlexArea] = {}
        groups_only = []
        for trip, rows in by_trip.items():
            zone_rows = [r for r in rows if r.location_id]
            if not zone_rows:
                groups_only.append(trip)
                continue
            named = sorted({s for r in rows if r.group_id for s in self.groups[r.group_id]})
            service = self.trip_service[trip]
            if service not in days_cache:
                days_cache[service] = _service_days(feed, service)
            days, weekdays = days_cache[service]
            by_zone: dict[str, list[FlexRow]] = {}
            for r in zone_rows:
                if r.pickup or r.drop_off:
                    by_zone.setdefault(r.location_id, []).append(r)
            for zone_id, zrows in by_zone.items():
                # the wait is the pick-up's: the rule of the first row with pick-up, else any
                rule_id = next((r.pickup_rule for r in zrows if r.pickup and r.pickup_rule), "")
                rule_id = rule_id or next((r.drop_off_rule for r in zrows if r.drop_off_rule), "")
                wait, booking, ahead = _wait(self.rules.get(rule_id), day_ahead_wait_s)
                start_s = min(r.start_s for r in zrows)
                end_s = max(r.end_s for r in zrows)
                zone = self.zones[zone_id]
                kept = tuple(s for s in named if s in stop_pos)
                key = (zone.id, service, start_s, end_s, wait, kept)
                if key in out:
                    continue
                out[key] = FlexArea(
                    zone_id=zone.id,
                    name=zone.name or zone.id,
                    geometry=zone.geometry,
                    start_s=start_s,
                    end_s=end_s,
                    max_wait_s=wait,
                    booking=booking,
                    day_ahead=ahead,
                    service_id=service,
                    route=self.trip_route.get(trip, ""),
                    days=days,
                    weekdays=weekdays,
                    stop_ids=kept,
                    stop_lonlat=tuple(
                        (float(feed.stop_lon[stop_pos[s]]), float(feed.stop_lat[stop_pos[s]]))
                        for s in kept
                    ),
                )
        if groups_only:
            self.dropped.append(
                Dropped(
                    _STOP_TIMES,
                    "flex trips between stop groups only (stop-to-stop on demand): not in the "
                    "journey model, which has Rufbus rides from and to a zone only",
                    len(groups_only),
                    groups_only[:5],
                )
            )
        return list(out.values())


def _wait(rule: BookingRule | None, day_ahead_wait_s: float) -> tuple[float, str, bool]:
    """(maximum wait in seconds, how it was set, whether booking a day ahead is needed)."""
    if rule is None:
        return float(REALTIME_WAIT_S), "no booking rule: real-time default wait", False
    if rule.booking_type == 0:
        return float(REALTIME_WAIT_S), "real-time booking: default wait", False
    if rule.booking_type == 1:
        minutes = rule.prior_notice_duration_min or 0
        return float(minutes * 60), f"book {minutes} min ahead", False
    return float(day_ahead_wait_s), "book a day ahead: the planner's wait counts", True


def _service_days(feed: Feed, service: str) -> tuple[tuple[dt.date, ...], tuple[int, ...]]:
    """The days (within the feed's validity, at most MAX_SERVICE_DAYS) a service runs on."""
    ids = [str(s) for s in feed.service_id]
    if service not in ids:
        return (), ()
    k = ids.index(service)
    start, end = feed.validity()
    n = min((end - start).days + 1, MAX_SERVICE_DAYS)
    days = []
    for i in range(n):
        day = start + dt.timedelta(days=i)
        if active_services(feed, day)[k]:
            days.append(day)
    return tuple(days), tuple(sorted({d.weekday() for d in days}))


# -- reading ------------------------------------------------------------------------------------


def read_flex(
    source: str | Path | bytes, *, feed: Feed | None = None, limits: InputLimits | None = None
) -> FlexServices:
    """Read the GTFS-Flex files of a GTFS zip (an empty result for a feed without them).

    ``feed``: the same zip read by :func:`~.gtfs_read.read_feed` (its stops and calendar are
    needed; read here if not given). Raises :class:`FlexError` naming file, row or feature and
    field for bad zones, groups, booking rules or flex rows, and
    :class:`~.limits.InputTooLargeError` for files over the limits.
    """
    from .gtfs_read import read_feed

    limits = limits or InputLimits.from_env()
    if feed is None:
        feed = read_feed(source, limits=limits)
    if isinstance(source, bytes | bytearray):
        label = "feed"
        check_size(label, len(source), limits)
        archive: Path | io.BytesIO = io.BytesIO(bytes(source))
    else:
        archive = Path(source)
        label = archive.name
        check_file_size(archive, limits)
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise GTFSError("feed", "not a zip file") from None
    with zf:
        check_zip(zf, label, limits)
        names = {Path(n).name: n for n in zf.namelist() if not n.endswith("/")}
        return _read(zf, names, label, limits, feed)


def _read(
    zf: zipfile.ZipFile, names: dict[str, str], label: str, limits: InputLimits, feed: Feed
) -> FlexServices:
    stop_ids = {str(s) for s in feed.stop_id}
    zones = _read_locations(zf, names, label, limits, stop_ids)
    groups, group_names = _read_groups(zf, names, label, limits, stop_ids, zones)
    rules = _read_rules(
        read_table(
            open_table(zf, names, _RULES, label=label, limits=limits, required=False), _RULES
        )
    )
    rows = _read_flex_rows(zf, names, label, limits, zones, groups, rules)
    trips = {r.trip for r in rows}
    trip_route, trip_service = _read_flex_trips(zf, names, label, limits, trips, feed)
    return FlexServices(zones, groups, group_names, rules, rows, trip_route, trip_service)


def _read_locations(
    zf: zipfile.ZipFile, names: dict[str, str], label: str, limits: InputLimits, stop_ids: set
) -> dict[str, FlexZone]:
    if _LOC not in names:
        return {}
    info = zf.getinfo(names[_LOC])
    if info.file_size > min(MAX_LOCATIONS_BYTES, limits.max_uncompressed_bytes):
        raise InputTooLargeError(
            f"{label}: {_LOC}: {info.file_size} bytes, more than the "
            f"{min(MAX_LOCATIONS_BYTES, limits.max_uncompressed_bytes)} bytes read whole"
        )
    try:
        doc = json.loads(zf.read(names[_LOC]).decode("utf-8"))
    except UnicodeDecodeError:
        raise FlexError(_LOC, "not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise FlexError(_LOC, f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise FlexError(_LOC, "expected a GeoJSON FeatureCollection", field="type")
    features = doc.get("features")
    if not isinstance(features, list):
        raise FlexError(_LOC, "expected a list of features", field="features")
    zones: dict[str, FlexZone] = {}
    for n, feat in enumerate(features, start=1):
        zone = _zone(feat, n)
        if zone.id in zones:
            raise FlexError(_LOC, "duplicate id", feature=n, feature_id=zone.id, field="id")
        if zone.id in stop_ids:
            raise FlexError(
                _LOC,
                "id is also a stop_id of stops.txt (ids must be unique across both)",
                feature=n,
                feature_id=zone.id,
                field="id",
            )
        zones[zone.id] = zone
    return zones


def _zone(feat: object, n: int) -> FlexZone:
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        raise FlexError(_LOC, "expected a GeoJSON Feature", feature=n, field="type")
    fid = feat.get("id")
    if not isinstance(fid, str | int) or isinstance(fid, bool) or str(fid).strip() == "":
        raise FlexError(_LOC, "missing id (each zone needs one)", feature=n, field="id")
    fid = str(fid)
    geom = feat.get("geometry")
    if not isinstance(geom, dict):
        raise FlexError(_LOC, "missing geometry", feature=n, feature_id=fid, field="geometry")
    kind = geom.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise FlexError(
            _LOC,
            f"geometry type {kind!r}: expected Polygon or MultiPolygon",
            feature=n,
            feature_id=fid,
            field="geometry.type",
        )
    coords = geom.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise FlexError(
            _LOC, "no coordinates", feature=n, feature_id=fid, field="geometry.coordinates"
        )
    for polygon in polygons:
        _check_polygon(polygon, n, fid)
    import shapely
    from shapely.geometry import shape

    shp = shape(geom)
    if not shp.is_valid:
        raise FlexError(
            _LOC,
            f"invalid polygon ({shapely.is_valid_reason(shp)})",
            feature=n,
            feature_id=fid,
            field="geometry",
        )
    props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
    return FlexZone(fid, str(props.get("stop_name") or ""), {"type": kind, "coordinates": coords})


def _check_polygon(polygon: object, n: int, fid: str) -> None:
    where = {"feature": n, "feature_id": fid, "field": "geometry.coordinates"}
    if not isinstance(polygon, list) or not polygon:
        raise FlexError(_LOC, "a polygon needs at least one ring", **where)
    for ring in polygon:
        if not isinstance(ring, list) or len(ring) < 4:
            raise FlexError(_LOC, "a ring needs at least four positions", **where)
        for p in ring:
            if (
                not isinstance(p, list)
                or len(p) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
                or not all(math.isfinite(v) for v in p[:2])
            ):
                raise FlexError(_LOC, f"position {p!r} is not [longitude, latitude]", **where)
            if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
                raise FlexError(_LOC, f"position {p!r} is not WGS 84 longitude/latitude", **where)
        if ring[0][:2] != ring[-1][:2]:
            raise FlexError(_LOC, "ring is not closed (first and last position differ)", **where)


def _read_groups(
    zf: zipfile.ZipFile,
    names: dict[str, str],
    label: str,
    limits: InputLimits,
    stop_ids: set,
    zones: dict,
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    f, fs = "location_groups.txt", "location_group_stops.txt"
    table = read_table(open_table(zf, names, f, label=label, limits=limits, required=False), f)
    if table is None:
        return {}, {}
    if "location_group_id" not in table.columns:
        raise FlexError(f, "required column is missing", field="location_group_id")
    first_dupe(table["location_group_id"], f, "location_group_id")
    for i, gid in enumerate(table["location_group_id"]):
        if gid.strip() == "":
            raise FlexError(f, "missing id", row=i + 2, field="location_group_id")
        if gid in stop_ids or gid in zones:
            raise FlexError(
                f, f"id {gid!r} is also a stop or zone id", row=i + 2, field="location_group_id"
            )
    groups: dict[str, list[str]] = {g: [] for g in table["location_group_id"]}
    group_names = dict(
        zip(table["location_group_id"], col(table, "location_group_name"), strict=True)
    )
    members = read_table(open_table(zf, names, fs, label=label, limits=limits, required=False), fs)
    for need in ("location_group_id", "stop_id"):
        if members is not None and need not in members.columns:
            raise FlexError(fs, "required column is missing", field=need)
    for i, (gid, sid) in enumerate(
        zip(*(members[c] for c in ("location_group_id", "stop_id")), strict=True)
        if members is not None
        else ()
    ):
        if gid not in groups:
            raise FlexError(
                fs, f"unknown location group {gid!r}", row=i + 2, field="location_group_id"
            )
        if sid not in stop_ids:
            raise FlexError(fs, f"unknown stop id {sid!r}", row=i + 2, field="stop_id")
        groups[gid].append(sid)
    return {g: tuple(s) for g, s in groups.items()}, group_names


def _optional_int(table: pd.DataFrame, name: str, minimum: int = 0) -> list[int | None]:
    """A whole-number column that may be empty (None); errors name the file's row."""
    values = col(table, name).str.strip()
    present = (values != "").to_numpy()
    # parsed whole (empty as the minimum), so that an error names the row in the file
    parsed = parse_ints(values.where(present, str(minimum)), _RULES, name, minimum=minimum)
    return [int(v) if p else None for v, p in zip(parsed, present, strict=True)]


def _read_rules(table: pd.DataFrame | None) -> dict[str, BookingRule]:
    if table is None:
        return {}
    for need in ("booking_rule_id", "booking_type"):
        if need not in table.columns:
            raise FlexError(_RULES, "required column is missing", field=need)
    first_dupe(table["booking_rule_id"], _RULES, "booking_rule_id")
    kind = parse_ints(table["booking_type"], _RULES, "booking_type", allowed=(0, 1, 2))
    # parse_ints counts rows from the series' start: the optional fields are parsed whole
    nmin = _optional_int(table, "prior_notice_duration_min")
    nmax = _optional_int(table, "prior_notice_duration_max")
    last_day = _optional_int(table, "prior_notice_last_day")
    rules: dict[str, BookingRule] = {}
    for i, rid in enumerate(table["booking_rule_id"]):
        row = i + 2
        if rid.strip() == "":
            raise FlexError(_RULES, "missing id", row=row, field="booking_rule_id")
        k = int(kind[i])
        last_time = col(table, "prior_notice_last_time").iloc[i].strip()
        if k == 1 and nmin[i] is None:
            raise FlexError(
                _RULES,
                "required for booking_type 1 (same day with notice)",
                row=row,
                field="prior_notice_duration_min",
            )
        if k != 1 and nmin[i] is not None:
            raise FlexError(
                _RULES,
                "only allowed for booking_type 1",
                row=row,
                field="prior_notice_duration_min",
            )
        if k != 1 and nmax[i] is not None:
            raise FlexError(
                _RULES,
                "only allowed for booking_type 1",
                row=row,
                field="prior_notice_duration_max",
            )
        if nmax[i] is not None and nmin[i] is not None and nmax[i] < nmin[i]:
            raise FlexError(
                _RULES,
                "smaller than prior_notice_duration_min",
                row=row,
                field="prior_notice_duration_max",
            )
        if k == 2 and last_day[i] is None:
            raise FlexError(
                _RULES,
                "required for booking_type 2 (prior day(s))",
                row=row,
                field="prior_notice_last_day",
            )
        if k != 2 and last_day[i] is not None:
            raise FlexError(
                _RULES, "only allowed for booking_type 2", row=row, field="prior_notice_last_day"
            )
        if last_day[i] is not None and not last_time:
            raise FlexError(
                _RULES,
                "required with prior_notice_last_day",
                row=row,
                field="prior_notice_last_time",
            )
        seconds = (
            _parse_time(last_time, file=_RULES, row=row, field="prior_notice_last_time")
            if last_time
            else None
        )
        rules[rid] = BookingRule(
            rid,
            k,
            nmin[i],
            nmax[i],
            last_day[i],
            seconds,
            col(table, "message").iloc[i],
            col(table, "phone_number").iloc[i],
        )
    return rules


_FLEX_ROW_COLUMNS = (
    "trip_id",
    "stop_id",
    "location_id",
    "location_group_id",
    "stop_sequence",
    "start_pickup_drop_off_window",
    "end_pickup_drop_off_window",
    "pickup_type",
    "drop_off_type",
    "pickup_booking_rule_id",
    "drop_off_booking_rule_id",
)


def _read_flex_rows(
    zf: zipfile.ZipFile,
    names: dict[str, str],
    label: str,
    limits: InputLimits,
    zones: dict,
    groups: dict,
    rules: dict,
) -> list[FlexRow]:
    """The flex rows of stop_times.txt, read in pieces (the others are skipped at once)."""
    from ._gtfs_fields import table_chunks

    reader = open_table(zf, names, _STOP_TIMES, label=label, limits=limits)
    if reader is None:  # pragma: no cover - required=True raises
        return []
    if not {"location_id", "location_group_id"} & {str(c).strip() for c in reader.columns or ()}:
        reader.close()
        return []
    rows: list[FlexRow] = []
    for chunk in table_chunks(reader, _STOP_TIMES, _FLEX_ROW_COLUMNS):
        loc = col(chunk, "location_id").str.strip()
        grp = col(chunk, "location_group_id").str.strip()
        flex = ((col(chunk, "stop_id").str.strip() == "") & ((loc != "") | (grp != ""))).to_numpy()
        if not flex.any():
            continue
        # the few flex rows on their own: field by field on the whole piece would cost a copy of
        # a column per value
        sub = chunk[flex]
        loc, grp = loc[flex], grp[flex]
        for i in range(len(sub)):
            rows.append(_flex_row(sub, i, loc.iloc[i], grp.iloc[i], zones, groups, rules))
    return rows


def _flex_row(
    chunk: pd.DataFrame, i: int, loc: str, grp: str, zones: dict, groups: dict, rules: dict
) -> FlexRow:
    row = int(chunk.index[i]) + 2

    def value(name: str) -> str:
        return col(chunk, name).iloc[i].strip()

    if loc and grp:
        raise FlexError(
            _STOP_TIMES,
            "give location_id or location_group_id, not both",
            row=row,
            field="location_group_id",
        )
    if loc and loc not in zones:
        raise FlexError(
            _STOP_TIMES,
            f"unknown location id {loc!r} (not in {_LOC})",
            row=row,
            field="location_id",
        )
    if grp and grp not in groups:
        raise FlexError(
            _STOP_TIMES, f"unknown location group id {grp!r}", row=row, field="location_group_id"
        )
    window = []
    for name in ("start_pickup_drop_off_window", "end_pickup_drop_off_window"):
        text = value(name)
        if not text:
            raise FlexError(
                _STOP_TIMES, "required with location_id or location_group_id", row=row, field=name
            )
        window.append(_parse_time(text, file=_STOP_TIMES, row=row, field=name))
    if window[1] <= window[0]:
        raise FlexError(
            _STOP_TIMES,
            "the window ends before it starts",
            row=row,
            field="end_pickup_drop_off_window",
        )
    kinds = []
    for name in ("pickup_type", "drop_off_type"):
        text = value(name) or "0"
        if text not in ("0", "1", "2", "3"):
            raise FlexError(
                _STOP_TIMES, f"invalid value {text!r} (expected 0–3)", row=row, field=name
            )
        kinds.append(text != "1")
    rule_ids = []
    for name in ("pickup_booking_rule_id", "drop_off_booking_rule_id"):
        rid = value(name)
        if rid and rid not in rules:
            raise FlexError(_STOP_TIMES, f"unknown booking rule id {rid!r}", row=row, field=name)
        rule_ids.append(rid)
    try:
        seq = int(value("stop_sequence"))
    except ValueError:
        raise FlexError(
            _STOP_TIMES, "expected a whole number", row=row, field="stop_sequence"
        ) from None
    return FlexRow(
        chunk["trip_id"].iloc[i],
        seq,
        loc,
        grp,
        window[0],
        window[1],
        kinds[0],
        kinds[1],
        rule_ids[0],
        rule_ids[1],
    )


def _read_flex_trips(
    zf: zipfile.ZipFile,
    names: dict[str, str],
    label: str,
    limits: InputLimits,
    trips: set[str],
    feed: Feed,
) -> tuple[dict[str, str], dict[str, str]]:
    """Route name and service id of the flex trips (trips.txt read in pieces, kept: those)."""
    from ._gtfs_fields import table_chunks

    if not trips:
        return {}, {}
    route_name = {
        str(r): str(s) or str(r) for r, s in zip(feed.route_id, feed.route_short_name, strict=True)
    }
    reader = open_table(zf, names, "trips.txt", label=label, limits=limits)
    route: dict[str, str] = {}
    service: dict[str, str] = {}
    for chunk in table_chunks(reader, "trips.txt", ("trip_id", "route_id", "service_id")):
        mine = chunk[chunk["trip_id"].isin(trips)]
        for t, r, s in zip(mine["trip_id"], mine["route_id"], mine["service_id"], strict=True):
            route[t] = route_name.get(r, r)
            service[t] = s
    return route, service
