"""What the transit computations read: the region's active feed, its parsed arrays (cached per
checksum) and the region's walk network where it is built.
"""

from __future__ import annotations

from nahraum.access import AccessError
from nahraum.access.gtfs import Feed as ParsedFeed

from .models import Feed

_PARSED: dict[str, ParsedFeed] = {}


def parsed_feed(feed: Feed) -> ParsedFeed:
    """The feed's arrays (cached per checksum: they never change for a checksum)."""
    if feed.checksum not in _PARSED:
        _PARSED.clear()  # keep one feed in memory
        _PARSED[feed.checksum] = ParsedFeed.from_bytes(bytes(feed.timetable))
    return _PARSED[feed.checksum]


def forget_parsed() -> None:
    """Drop the cached arrays (after an import: the next reader parses the new feed)."""
    _PARSED.clear()


def active_feed(region) -> Feed | None:
    return Feed.objects.filter(region=region, is_active=True).order_by("-imported", "-pk").first()


def region_walk_network(region):
    """The region's walk network (``nahraum.access.network.Network``), or None if not built."""
    try:
        from nahraum.analysis.network import load_networks
    except ImportError:  # pragma: no cover
        return None
    try:
        return (load_networks(region, ["walk"]) or {}).get("walk")
    except AccessError:
        return None
