"""Importing into the transit app: a GTFS feed (stored with its stops, lines and levels in ONE
transaction) and a demand-responsive (Rufbus) service; both recompute the ÖV-Güteklassen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction

from nahraum.access import AccessError
from nahraum.access import oev_classes as oev
from nahraum.access.gtfs import default_service_date, read_feed
from nahraum.access.gtfs_flex import read_flex

from .drt import replace_flex_areas
from .feed_region import check_feed_in_region
from .levels import compute_levels
from .models import DemandResponsiveService, Feed, Route, Stop
from .timetable import active_feed, forget_parsed


def parse_window(text: str) -> tuple[int, int]:
    """ "07:00-09:00" → (25200, 32400); raises AccessError naming the bad text."""
    try:
        a, b = text.replace("–", "-").split("-")
        start = _hm(a)
        end = _hm(b)
    except ValueError:
        raise AccessError(f"time window {text!r}: expected HH:MM-HH:MM, e.g. 07:00-09:00") from None
    if end <= start:
        raise AccessError(f"time window {text!r}: the end must lie after the start")
    return start, end


def _hm(text: str) -> int:
    h, m = text.strip().split(":")
    if not (h.isdigit() and m.isdigit() and int(m) < 60 and int(h) <= 47):
        raise ValueError(text)
    return int(h) * 3600 + int(m) * 60


def import_feed(
    source: str | Path | bytes,
    region,
    *,
    name: str | None = None,
    licence: str = "",
    publisher: str = "",
    url: str = "",
    illustrative: bool = False,
    service_date: dt.date | None = None,
    window: tuple[int, int] = (7 * 3600, 9 * 3600),
    note: str = "",
    echo: Callable[[str], Any] | None = None,
    allow_outside_region: bool = False,
) -> Feed:
    """Import a GTFS zip for ``region``: all-or-nothing; returns the new active :class:`Feed`.

    Raises :class:`~nahraum.access.gtfs.GTFSError` (file, row, field) for a bad feed,
    :class:`~nahraum.access.limits.InputTooLargeError` for a feed over the input limits (a zip
    bomb, a runaway field, too many rows; ``NAHRAUM_MAX_*``) and :class:`AccessError` for a
    service day outside the feed's validity. Nothing is written before the feed has been read
    whole, so a refused feed leaves every table as it was. A feed that does not touch the region
    is refused (:class:`.feed_region.FeedOutsideRegionError`) unless ``allow_outside_region``.
    """
    from nahraum.region.models import DataSource

    # a path is read from disk in pieces (a national feed never sits in memory as text or as
    # the zip's bytes); bytes stay for small feeds built in memory (tests)
    parsed = read_feed(source if isinstance(source, bytes | bytearray) else Path(source))
    # GTFS-Flex zones (Rufbus areas), if the feed has them: read before anything is written
    flex = read_flex(source if isinstance(source, bytes | bytearray) else Path(source), feed=parsed)
    if not allow_outside_region:
        label = "GTFS" if isinstance(source, bytes | bytearray) else Path(source).name
        check_feed_in_region(parsed.stop_lon, parsed.stop_lat, region, name=label)
    valid_from, valid_to = parsed.validity()
    if service_date is None:
        service_date = default_service_date(parsed)
    elif not valid_from <= service_date <= valid_to:
        raise AccessError(
            f"service day {service_date}: outside the feed's validity {valid_from} – {valid_to}"
        )
    if not 0 <= window[0] < window[1] <= 48 * 3600:
        raise AccessError(f"time window {window}: expected 0 ≤ start < end ≤ 48 h")
    checksum = parsed.checksum  # SHA-256 of the file, as read
    agencies = ", ".join(a.get("agency_name", "") for a in parsed.agencies)
    info = parsed.feed_info
    name = name or info.get("feed_publisher_name") or agencies or "GTFS"
    with transaction.atomic():
        source_row, _ = DataSource.objects.update_or_create(
            key=f"gtfs-{checksum[:16]}",
            defaults={
                "name": f"GTFS: {name}"[:300],
                "publisher": (publisher or info.get("feed_publisher_name") or agencies)[:300],
                "licence": licence or "not stated in the feed — check with the publisher",
                "url": url or info.get("feed_publisher_url", "")[:500],
                "date": valid_from,
                "checksum": checksum,
                "is_illustrative": illustrative,
                "note": note,
            },
        )
        Feed.objects.filter(region=region, checksum=checksum).delete()
        Feed.objects.filter(region=region).update(is_active=False)
        feed = Feed.objects.create(
            region=region,
            source=source_row,
            name=name[:300],
            checksum=checksum,
            valid_from=valid_from,
            valid_to=valid_to,
            service_date=service_date,
            window_start=window[0],
            window_end=window[1],
            is_active=True,
            summary=parsed.summary(),
            report={"dropped": [d.as_dict() for d in parsed.dropped], "notes": parsed.notes},
            timetable=parsed.to_bytes(),
        )
        stops = Stop.objects.bulk_create(
            [
                Stop(
                    feed=feed,
                    position=i,
                    stop_id=str(parsed.stop_id[i]),
                    name=str(parsed.stop_name[i])[:300],
                    lat=float(parsed.stop_lat[i]),
                    lon=float(parsed.stop_lon[i]),
                    is_station=bool(parsed.stop_location_type[i] == 1),
                )
                for i in range(parsed.n_stops)
            ],
            batch_size=2000,
        )
        if (parsed.stop_parent >= 0).any():
            stops = list(Stop.objects.filter(feed=feed).order_by("position"))
            for i in np.flatnonzero(parsed.stop_parent >= 0):
                stops[i].parent_id = stops[parsed.stop_parent[i]].pk
            Stop.objects.bulk_update(
                [stops[i] for i in np.flatnonzero(parsed.stop_parent >= 0)],
                ["parent"],
                batch_size=2000,
            )
        agency_names = {a.get("agency_id", ""): a.get("agency_name", "") for a in parsed.agencies}
        Route.objects.bulk_create(
            [
                Route(
                    feed=feed,
                    route_id=str(parsed.route_id[i]),
                    short_name=str(parsed.route_short_name[i])[:100],
                    long_name=str(parsed.route_long_name[i])[:300],
                    route_type=int(parsed.route_type[i]),
                    service_group=oev.service_group(int(parsed.route_type[i])),
                    agency=agency_names.get(
                        str(parsed.route_agency[i]), agencies if len(parsed.agencies) == 1 else ""
                    )[:300],
                )
                for i in range(len(parsed.route_id))
            ],
            batch_size=2000,
        )
        replace_flex_areas(feed, flex, parsed)
        compute_levels(feed, parsed)
    forget_parsed()
    if echo:
        echo(import_report_text(feed))
    return feed


def import_report_text(feed: Feed) -> str:
    s = feed.summary
    lines = [
        f"{feed.name}: {s['stops']} stops, {s['stations']} stations, {s['routes']} lines, "
        f"{s['trips']} trips, {s['stop_times']} stop times, {s['frequencies']} frequencies; "
        f"valid {s['valid_from']} – {s['valid_to']}; service day {feed.service_date} "
        f"({feed.service_date:%A}), window {feed.window_label}",
    ]
    for d in feed.report.get("dropped", []):
        examples = f" (e.g. {', '.join(d['examples'])})" if d["examples"] else ""
        lines.append(f"  dropped {d['count']} × {d['file']}: {d['reason']}{examples}")
    for n in feed.report.get("notes", []):
        lines.append(f"  note: {n}")
    if flex := feed.report.get("flex"):
        lines.append(f"  GTFS-Flex: {flex['areas']} Rufbus areas from {flex['zones']} zones")
    return "\n".join(lines)


def parse_weekdays(text: str) -> list[int]:
    """ "0-4" or "0,2,5" (0 = Monday) → sorted weekday numbers."""
    days: set[int] = set()
    try:
        for part in text.split(","):
            if "-" in part:
                a, b = (int(x) for x in part.split("-"))
                days.update(range(a, b + 1))
            elif part.strip():
                days.add(int(part))
    except ValueError:
        raise AccessError(f"weekdays {text!r}: expected e.g. 0-4 or 0,2,5 (0 = Monday)") from None
    if not days or min(days) < 0 or max(days) > 6:
        raise AccessError(f"weekdays {text!r}: numbers 0 (Monday) to 6 (Sunday)")
    return sorted(days)


def _area_geometry(area: dict) -> dict:
    """A (Multi)Polygon from GeoJSON geometry, Feature or FeatureCollection; error otherwise."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    if not isinstance(area, dict) or "type" not in area:
        raise AccessError("service area: not GeoJSON (no 'type')")
    if area["type"] == "FeatureCollection":
        geoms = [f.get("geometry") for f in area.get("features", [])]
    elif area["type"] == "Feature":
        geoms = [area.get("geometry")]
    else:
        geoms = [area]
    try:
        shapes = [shape(g) for g in geoms if g]
    except (ValueError, AttributeError, TypeError, KeyError) as exc:
        raise AccessError(f"service area: invalid geometry ({exc})") from None
    if not shapes or any(g.geom_type not in ("Polygon", "MultiPolygon") for g in shapes):
        raise AccessError("service area: expected Polygon or MultiPolygon geometry")
    merged = unary_union(shapes)
    lon_min, lat_min, lon_max, lat_max = merged.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        raise AccessError("service area: coordinates are not WGS 84 longitude/latitude")
    return mapping(merged)


def add_demand_responsive(
    region,
    *,
    name: str,
    line: str = "",
    area: dict | None = None,
    municipality_ags: str | None = None,
    weekdays: list[int],
    hours: str,
    max_wait_min: int,
    speed_kmh: float = 30.0,
    source_name: str,
    licence: str = "",
    illustrative: bool = False,
    note: str = "",
) -> DemandResponsiveService:
    """Add a Rufbus service and recompute the active feed's levels, in one transaction."""
    from nahraum.region.models import DataSource, Municipality

    if area is None:
        m = Municipality.objects.filter(region=region, ags=municipality_ags or "").first()
        if m is None or not m.boundary:
            raise AccessError(
                f"municipality {municipality_ags!r}: not in region {region.slug!r} "
                "or without a boundary"
            )
        area = m.boundary
    geometry = _area_geometry(area)
    start, end = parse_window(hours)
    if end >= 24 * 3600:
        raise AccessError(f"hours {hours!r}: the last pick-up must lie before midnight")
    if max_wait_min <= 0:
        raise AccessError("maximum wait: must be at least one minute")
    with transaction.atomic():
        key = "rufbus-" + hashlib.sha256(f"{region.slug}:{line}:{name}".encode()).hexdigest()[:16]
        source, _ = DataSource.objects.update_or_create(
            key=key,
            defaults={
                "name": source_name[:300],
                "licence": licence or "not stated",
                "is_illustrative": illustrative,
                "note": note,
            },
        )
        service, _ = DemandResponsiveService.objects.update_or_create(
            region=region,
            feed=None,  # a hand-drawn service: never one of a feed's GTFS-Flex areas
            name=name,
            line=line,
            defaults={
                "area": geometry,
                "weekdays": weekdays,
                "start": dt.time(start // 3600, start % 3600 // 60),
                "end": dt.time(end // 3600, end % 3600 // 60),
                "max_wait_min": max_wait_min,
                "speed_kmh": speed_kmh,
                "source": source,
            },
        )
        feed = active_feed(region)
        if feed is not None:
            compute_levels(feed)
    return service
