"""Does a GTFS feed belong to the region? Checked before anything of it is stored.

A feed from elsewhere (another Verbund, another continent, coordinates swapped) used to import
silently, became the active timetable, had its stops projected into the region's planar CRS and
took every cell's ÖV-Güteklasse away. The check counts the stops lying more than
:data:`FEED_MARGIN_KM` outside the region (its municipality boundaries, as the data importers'
:class:`~nahraum.data.importers.places.Locator` sees them) and refuses the feed when most of them
do **and** none lies in the region itself.

Why not refuse every feed whose stops mostly lie outside: feeds are published per Verbund, Land
or country (DELFI), and a planner imports the Land's feed for a two-town region on purpose; its
stops lie 99 % outside, but the region's buses are in it. A feed that does not touch the region
at all is the mistake this check is for. ``allow_outside_region`` imports it all the same.
"""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _

from nahraum.access import AccessError

#: How far outside the region a stop may lie and still count as the region's: lines run on to
#: the next town (Lemgo's buses reach Detmold and Bad Salzuflen, 10–15 km away).
FEED_MARGIN_KM = 20.0


class FeedOutsideRegionError(AccessError):
    """A GTFS feed whose stops lie (mostly) outside the region it is imported for."""


def check_feed_in_region(
    lon: np.ndarray,
    lat: np.ndarray,
    region,
    *,
    name: str,
    margin_km: float = FEED_MARGIN_KM,
) -> None:
    """Raise :class:`FeedOutsideRegionError` if most stops lie more than ``margin_km`` outside
    ``region`` and none inside it; the message names how many and where the feed lies (its
    bounding box), in the active language. A region without boundaries is not checked."""
    from nahraum.data.importers.places import Locator

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    if lon.size == 0:
        return
    near = Locator(region, margin_km=margin_km)
    if near.margin is None:
        return
    outside = int((~near.within_margin(lon, lat)).sum())
    if 2 * outside <= lon.size:
        return
    inside = int(Locator(region, margin_km=0).within_margin(lon, lat).sum())
    if inside:
        return
    raise FeedOutsideRegionError(
        _(
            "%(name)s: %(outside)s of %(total)s stops lie more than %(margin)s km outside "
            "region %(region)s and none inside it; the feed's stops lie at longitude "
            "%(west).2f to %(east).2f, latitude %(south).2f to %(north).2f. Is it the feed of "
            "another region? Nothing was imported; the active timetable stays. To import it "
            "anyway: --allow-outside-region."
        )
        % {
            "name": name,
            "outside": outside,
            "total": lon.size,
            "margin": f"{margin_km:g}",
            "region": region.name,
            "west": lon.min(),
            "east": lon.max(),
            "south": lat.min(),
            "north": lat.max(),
        }
    )
