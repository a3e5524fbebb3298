"""The demand-responsive engine's view of the Rufbus services: which run on a day, and their
areas as the engine's :class:`~nahraum.access.transit.DemandResponsive`, projected to metres;
and the Rufbus areas a feed's GTFS-Flex files describe (:func:`replace_flex_areas`).

Two kinds of Rufbus area (``DemandResponsiveService.origin``):

* **drawn by hand** by staff (``nahraum transit rufbus``): for services without a feed, which in
  rural Germany are still most of them; never touched by a feed import;
* **from GTFS-Flex**: one area per zone of ``locations.geojson`` and service window of the feed
  (see :mod:`nahraum.access.gtfs_flex` for how hours, wait and days are read). Importing a feed
  replaces that feed's areas; only the active feed's areas count.

The wait of a flex area comes from its booking rule: real time → 30 min (the engine's
default), "book N minutes ahead" → N minutes, "book a day ahead" → :data:`DAY_AHEAD_WAIT_MIN`
(60 min; a region's planners set their own with the setting ``TRANSIT_FLEX_DAY_AHEAD_WAIT_MIN``:
someone who books the evening before waits no longer than a bus interval, which is the
planner's assumption, not the feed's; the area's booking note says it must be booked a day
ahead, and the import report names the wait used).

What the journey model does with a Rufbus area (the same for both kinds):

* cell → Rufbus → stop (access): from a cell inside the area to a stop it serves, then on by bus;
* stop → Rufbus → facility (egress) and cell → Rufbus → facility (the whole way) inside the area;
* the stops it serves: every stop inside the zone, or — when the feed pairs the zone with a
  location group ("from anywhere in the village to the station") — only the group's stops, which
  may lie outside the zone;
* NOT modelled: bus → Rufbus → bus in the middle of a journey (stop → Rufbus → other stop), and
  trips of location groups only (stop-to-stop on demand): they are reported at import. Pick-ups
  count within the area's hours; the ride is the straight line × detour at the area's speed.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from django.db.models import Q

from nahraum.access.projection import to_utm

from .models import DemandResponsiveService

#: the wait that counts for a service you must book a day ahead (planner's assumption, min)
DAY_AHEAD_WAIT_MIN = 60


def runs_on(d: DemandResponsiveService, day: dt.date) -> bool:
    """Whether the service runs on ``day``: by the feed's service days where it has them (and
    the day lies within them), else by weekday."""
    dates = d.service_dates or []
    if dates and day.isoformat() <= dates[-1]:
        return day.isoformat() in set(dates)
    return day.weekday() in (d.weekdays or [])


def drt_for_day(region, day: dt.date) -> list[DemandResponsiveService]:
    """The Rufbus services running on ``day``: hand-drawn ones and the active feed's flex areas."""
    rows = DemandResponsiveService.objects.filter(region=region).filter(
        Q(feed=None) | Q(feed__is_active=True)
    )
    return [d for d in rows if runs_on(d, day)]


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def drt_engine(services: list[DemandResponsiveService], crs: str | None = None):
    """The services as the engine's :class:`DemandResponsive` areas, projected to metres in
    ``crs`` (default: their region's planar CRS)."""
    import shapely
    from shapely.geometry import shape

    from nahraum.access.transit import DemandResponsive

    out = []
    for d in services:
        planar = crs or d.region.crs

        def project(coords: np.ndarray, planar: str = planar) -> np.ndarray:
            return np.column_stack(to_utm(coords[:, 0], coords[:, 1], planar))

        area = shapely.transform(shape(d.area), project)
        shapely.prepare(area)
        stops = None
        if d.stops:
            x, y = to_utm(
                np.array([s["lon"] for s in d.stops], float),
                np.array([s["lat"] for s in d.stops], float),
                planar,
            )
            stops = tuple(zip(np.asarray(x).tolist(), np.asarray(y).tolist(), strict=True))
        out.append(
            DemandResponsive(
                d.name,
                area,
                _seconds(d.start),
                _seconds(d.end),
                d.max_wait_min * 60.0,
                speed_kmh=d.speed_kmh,
                stops=stops,
            )
        )
    return out


def _time(seconds: int) -> dt.time:
    seconds = min(max(int(seconds), 0), 24 * 3600 - 1)
    return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def day_ahead_wait_min() -> int:
    """The wait (min) that counts for a Rufbus booked a day ahead: the setting, else 60."""
    from django.conf import settings

    return int(getattr(settings, "TRANSIT_FLEX_DAY_AHEAD_WAIT_MIN", None) or DAY_AHEAD_WAIT_MIN)


def replace_flex_areas(
    feed, flex, parsed, *, day_ahead_wait: int | None = None
) -> list[DemandResponsiveService]:
    """Store the feed's GTFS-Flex zones as Rufbus areas, replacing the feed's earlier ones (never
    the hand-drawn ones); what could not be used goes into ``feed.report["flex"]``.

    ``flex``: :func:`nahraum.access.gtfs_flex.read_flex` of the feed's zip, ``parsed`` the feed
    as read by ``read_feed``. Call inside the import's transaction, before the levels.
    """
    DemandResponsiveService.objects.filter(feed=feed).delete()
    if not flex:
        return []
    wait_min = day_ahead_wait if day_ahead_wait is not None else day_ahead_wait_min()
    areas = flex.areas(parsed, day_ahead_wait_s=wait_min * 60)
    notes = []
    rows = []
    for a in areas:
        if a.start_s >= 24 * 3600:
            notes.append(f"zone {a.zone_id}: window starts after midnight, left out")
            continue
        if a.end_s >= 24 * 3600:
            notes.append(f"zone {a.zone_id}: window past midnight, counted until 23:59")
        rows.append(
            DemandResponsiveService(
                region=feed.region,
                name=a.name[:200],
                line=a.route[:50],
                area=a.geometry,
                weekdays=list(a.weekdays),
                start=_time(a.start_s),
                end=_time(a.end_s),
                max_wait_min=math.ceil(a.max_wait_s / 60),
                source=feed.source,
                origin=DemandResponsiveService.Origin.GTFS_FLEX,
                feed=feed,
                zone_id=a.zone_id[:200],
                service_dates=[d.isoformat() for d in a.days],
                stops=[
                    {"stop_id": s, "lon": lon, "lat": lat}
                    for s, (lon, lat) in zip(a.stop_ids, a.stop_lonlat, strict=True)
                ],
                booking=a.booking[:300],
            )
        )
    created = DemandResponsiveService.objects.bulk_create(rows)
    feed.report = {
        **(feed.report or {}),
        "flex": {
            "areas": len(created),
            "zones": len(flex.zones),
            "dropped": [d.as_dict() for d in flex.dropped],
            "notes": notes,
            "day_ahead_wait_min": wait_min,
        },
    }
    feed.save(update_fields=["report"])
    return created
