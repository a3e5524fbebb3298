"""The ÖV-Güteklassen panels transit contributes to the region's overview and district pages.

The region's pages are where people start; issue 6 wants the classes visible there. This module
only reads what :func:`nahraum.transit.services.class_shares` counts for the active feed and
shapes a compact table and chart; it writes nothing. It is registered with
:mod:`nahraum.region.panels` in :meth:`TransitConfig.ready`, together with the share A–D per
district that the supply map's popup shows.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from nahraum.access import oev_classes as oev
from nahraum.region import panels
from nahraum.region.models import District, Region

from .models import Feed
from .services import active_feed, class_shares
from .specs import class_chart

CLASS_KEYS: list[str] = [*oev.CLASSES, ""]
GOOD_CLASSES = ("A", "B", "C", "D")


def _url(name: str, *args: str) -> str | None:
    """A link into a page, or None if that page is not installed."""
    try:
        return reverse(name, args=list(args))
    except NoReverseMatch:
        return None


def share_a_to_d(bucket: dict[str, float]) -> float | None:
    """Share (%) of the inhabitants in classes A–D, rounded to a tenth; None for nobody."""
    total = sum(bucket.values())
    good = sum(bucket.get(k, 0) for k in GOOD_CLASSES)
    return round(100.0 * good / total, 1) if total else None


def class_row(name: str, bucket: dict[str, float], url: str | None = None) -> dict[str, Any]:
    """Inhabitants and shares per class of one area (a table row and a chart bar)."""
    total = sum(bucket.values())
    return {
        "name": name,
        "url": url,
        "total": total,
        "classes": [
            {
                "klass": k,
                "people": bucket.get(k, 0),
                "share": round(100.0 * bucket.get(k, 0) / total, 1) if total else None,
            }
            for k in CLASS_KEYS
        ],
        "share_a_to_d": share_a_to_d(bucket),
    }


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One stacked bar per row (municipality or district): shares of inhabitants per class."""
    return class_chart(
        [r["name"] for r in rows],
        [[r["classes"][i]["share"] for r in rows] for i in range(len(CLASS_KEYS))],
        _("Area"),
    )


def _feed_info(feed: Feed) -> dict[str, Any]:
    return {
        "feed": feed,
        "is_estimate": bool(feed.source.is_illustrative),
        "classes": [k or "–" for k in CLASS_KEYS],
    }


def region_classes(region: Region) -> dict[str, Any] | None:
    """Share of the population per ÖV-Güteklasse for each municipality and the region.

    None when the region has no active timetable feed.
    """
    feed = active_feed(region)
    if feed is None:
        return None
    shares = class_shares(feed)
    rows = [
        class_row(m.name, shares["municipality"][m.pk], _url("region:municipality", m.ags))
        for m in region.municipalities.order_by("name")
        if m.pk in shares["municipality"]
    ]
    return {
        **_feed_info(feed),
        "rows": rows,
        "region_row": class_row(region.name, shares["region"]),
        "chart": _chart(rows),
        "url": _url("transit:overview"),
        "district_a_to_d": district_a_to_d(shares),
    }


def district_a_to_d(shares: dict[str, Any]) -> dict[int, float | None]:
    """Share in classes A–D per district id."""
    return {k: share_a_to_d(b) for k, b in shares["district"].items()}


def district_classes(district: District) -> dict[str, Any] | None:
    """The district's inhabitants per ÖV-Güteklasse beside its municipality's.

    None when the region has no active timetable feed.
    """
    m = district.municipality
    feed = active_feed(m.region)
    if feed is None:
        return None
    shares = class_shares(feed)
    empty = dict.fromkeys(CLASS_KEYS, 0)
    row = class_row(district.name, shares["district"].get(district.pk, empty))
    m_row = class_row(m.name, shares["municipality"].get(m.pk, empty))
    return {
        **_feed_info(feed),
        "row": row,
        "municipality_row": m_row,
        "rows": [row, m_row],
        "chart": _chart([row, m_row]),
        "url": _url("transit:district", district.key),
    }


def overview_panel(region: Region) -> panels.Contribution:
    classes = region_classes(region)
    return panels.Contribution({"classes": classes}, [classes["feed"]] if classes else [])


def district_panel(district: District) -> panels.Contribution:
    classes = district_classes(district)
    return panels.Contribution({"classes": classes}, [classes["feed"]] if classes else [])


def district_day_panel(district: District) -> panels.Contribution:
    """The Ortsteil's day types (departures, indicators, travel times) on the region's page."""
    from .dayselectors import day_type_context

    feed = active_feed(district.municipality.region)
    context = day_type_context(feed, district)
    return panels.Contribution(context, [feed] if context["day_types"] else [])


def _a_to_d_label() -> str:
    return _("ÖV-Güteklasse A–D (%)")


def _a_to_d_values(region: Region) -> dict[int, float | None] | None:
    feed = active_feed(region)
    return None if feed is None else district_a_to_d(class_shares(feed))


def register() -> None:
    """Contribute the ÖV-Güteklassen to the region's pages (called from ``ready()``)."""
    panels.register_panel(
        "overview", "classes", "transit/_region_classes.html", overview_panel, order=20
    )
    panels.register_panel(
        "district", "classes", "transit/_district_classes.html", district_panel, order=20
    )
    panels.register_panel(
        "district", "day_types", "transit/_district_day_types.html", district_day_panel, order=21
    )
    panels.register_district_figure("share_a_to_d", _a_to_d_label, _a_to_d_values)
