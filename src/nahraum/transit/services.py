"""Django glue of public transport: import a GTFS feed, derive service levels, feed the analysis.

* :func:`import_feed` — parse (``nahraum.access.gtfs``), then store feed, stops, lines, service
  levels and the ÖV-Güteklasse of every cell in ONE transaction: a feed that fails anywhere
  leaves the database as it was.
* :func:`compute_levels` — departures per stop and hour, stop categories and cell classes for the
  feed's service day (also run again by ``nahraum transit classes``).
* :func:`transit_times` — the provider of the analysis mode "transit" (registered in
  ``apps.TransitConfig.ready``): travel times from every cell to the nearest facility of each
  type, median over the departure minutes of the feed's window.

Where the parts live: importing feeds and Rufbus services in ``feeds``, the ÖV-Güteklassen in
``levels``, travel times (and the mode "transit") in ``travel``, the demand-responsive services
as the engine sees them in ``drt``, the active feed and its cached arrays in ``timetable``; this
module re-exports their public names, so ``from nahraum.transit.services import import_feed``
keeps working.
"""

from __future__ import annotations

from nahraum.access.gtfs import GTFSError

from .drt import drt_engine, drt_for_day
from .feeds import (
    add_demand_responsive,
    import_feed,
    import_report_text,
    parse_weekdays,
    parse_window,
)
from .levels import CLASS_REACH_M, class_shares, compute_levels, departure_events
from .timetable import active_feed, parsed_feed
from .travel import (
    append_trips,
    compute_time_summaries,
    compute_travel_times,
    register,
    transit_times,
    weighted_median,
)

__all__ = [
    "CLASS_REACH_M",
    "GTFSError",
    "active_feed",
    "add_demand_responsive",
    "append_trips",
    "class_shares",
    "compute_levels",
    "compute_time_summaries",
    "compute_travel_times",
    "departure_events",
    "drt_engine",
    "drt_for_day",
    "import_feed",
    "import_report_text",
    "parse_weekdays",
    "parse_window",
    "parsed_feed",
    "register",
    "transit_times",
    "weighted_median",
]
