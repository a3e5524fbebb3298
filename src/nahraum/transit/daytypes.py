"""Day types and time windows: which dates of a feed stand for a school weekday, a Saturday, a
Sunday or public holiday and a weekday in the school holidays, and the norms of the indicators.

Why day types: a rural timetable is not one weekday morning. School buses carry most village
trips and stop in the school holidays; many villages have no bus on Sundays at all; the last bus
back from the Kernstadt decides whether an evening appointment works. So figures are computed
for four day types × three windows (issue 13, "Day types").

How the dates are chosen (all within the feed's validity, nearest to its ``service_date``; ties
go to the earlier date):

* **school weekday** — Monday–Friday, no public holiday, no school holiday; a Tuesday to
  Thursday is preferred (Mondays and Fridays often run special timetables);
* **Saturday** — a Saturday that is no public holiday;
* **Sunday/holiday** — a Sunday (a public holiday on a weekday runs the Sunday timetable too,
  but a Sunday is the plainer example);
* **school-holiday weekday** — Monday–Friday inside a school-holiday period, no public holiday.

Public holidays come from the ``holidays`` package for the region's Land; the Land is read from
the municipalities' AGS (the first two digits: 05 = Nordrhein-Westfalen). School holidays exist
in no library offline: the periods of NRW ship in ``bundled/school-holidays-nw.json`` with their
source (the Ferienordnung of the Ministerium für Schule und Bildung NRW); an operator gives other
periods per region in the setting ``TRANSIT_SCHOOL_HOLIDAYS`` (``{"region-slug": [{"name": …,
"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}, …]}``) — for a region outside NRW that is the only
source, and without it the school-holiday day type is left out (and the page says so).

Windows (seconds after midnight) default to morning 06:00–09:00, midday 11:00–14:00 and evening
17:00–20:00; a feed may carry its own in ``Feed.day_type_windows`` (``nahraum transit daytypes
--windows``), as it carries ``window_start``/``window_end`` for the single-day figures.

Norms of the indicators (defaults below; the setting ``TRANSIT_DAY_TYPE_NORMS`` overrides any
of them):

* ``min_sunday_departures`` = 1 — fewer departures on the Sunday than this: "no service on
  Sundays";
* ``last_back_not_before`` = 20:00 — the latest direct trip from a Kernstadt stop to a stop of
  the Ortsteil on the school weekday leaves before this (or there is none): flagged;
* ``max_holiday_loss`` = 0.5 — the Ortsteil loses more than this share of its school-weekday
  departures on the school-holiday weekday: "holiday gap" (school buses).

Travel times per day type × window go to the Kernstadt and to the nearest facility of the types
in the setting ``TRANSIT_DAY_TYPE_TARGETS`` (default ``["gp"]``, the GP practice).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

SCHOOL_WEEKDAY = "school_weekday"
SATURDAY = "saturday"
SUNDAY = "sunday"
HOLIDAY_WEEKDAY = "holiday_weekday"

#: Day types in display order, with their German-first labels.
DAY_TYPES: dict[str, Any] = {
    SCHOOL_WEEKDAY: _("school weekday"),
    SATURDAY: _("Saturday"),
    SUNDAY: _("Sunday/public holiday"),
    HOLIDAY_WEEKDAY: _("weekday in the school holidays"),
}

#: Default windows (seconds after midnight): key → (start, end).
DEFAULT_WINDOWS: dict[str, tuple[int, int]] = {
    "morning": (6 * 3600, 9 * 3600),
    "midday": (11 * 3600, 14 * 3600),
    "evening": (17 * 3600, 20 * 3600),
}
WINDOW_LABELS: dict[str, Any] = {
    "morning": _("morning"),
    "midday": _("midday"),
    "evening": _("evening"),
}

DEFAULT_NORMS: dict[str, float] = {
    "min_sunday_departures": 1,
    "last_back_not_before": 20 * 3600,
    "max_holiday_loss": 0.5,
}

#: AGS prefix → Land code of the ``holidays`` package (ISO 3166-2:DE without "DE-").
LAND_OF_AGS = {
    "01": "SH",
    "02": "HH",
    "03": "NI",
    "04": "HB",
    "05": "NW",
    "06": "HE",
    "07": "RP",
    "08": "BW",
    "09": "BY",
    "10": "SL",
    "11": "BE",
    "12": "BB",
    "13": "MV",
    "14": "SN",
    "15": "ST",
    "16": "TH",
}

BUNDLED_SCHOOL_HOLIDAYS = {"NW": Path(__file__).parent / "bundled" / "school-holidays-nw.json"}


@dataclass(frozen=True)
class SchoolHolidays:
    """School-holiday periods (first and last day inclusive) and where they come from."""

    periods: tuple[tuple[dt.date, dt.date, str], ...]
    source: str

    def contains(self, day: dt.date) -> bool:
        return any(a <= day <= b for a, b, _name in self.periods)


def norms() -> dict[str, float]:
    """The indicators' norms: the defaults, overridden by ``settings.TRANSIT_DAY_TYPE_NORMS``
    (``last_back_not_before`` in seconds after midnight or as "HH:MM")."""
    out = {**DEFAULT_NORMS, **(getattr(settings, "TRANSIT_DAY_TYPE_NORMS", None) or {})}
    back = out["last_back_not_before"]
    if isinstance(back, str):
        h, _sep, m = back.partition(":")
        out["last_back_not_before"] = int(h) * 3600 + int(m or 0) * 60
    return out


def region_land(region) -> str | None:
    """The Land of most of the region's municipalities (from the AGS), or None if unknown."""
    prefixes = Counter(str(ags)[:2] for ags in region.municipalities.values_list("ags", flat=True))
    for prefix, _count in prefixes.most_common():
        if prefix in LAND_OF_AGS:
            return LAND_OF_AGS[prefix]
    return None


def public_holidays(land: str | None, years: range) -> dict[dt.date, str]:
    """Public holidays of Germany (and of ``land`` if known) in ``years``."""
    import holidays

    return dict(holidays.country_holidays("DE", subdiv=land, years=list(years)))


def _periods(rows: list[dict]) -> tuple[tuple[dt.date, dt.date, str], ...]:
    return tuple(
        (dt.date.fromisoformat(r["start"]), dt.date.fromisoformat(r["end"]), str(r.get("name", "")))
        for r in rows
    )


@cache
def _bundled(path: Path) -> SchoolHolidays:
    data = json.loads(path.read_text(encoding="utf-8"))
    return SchoolHolidays(_periods(data["periods"]), data["source"])


def school_holidays(region, land: str | None) -> SchoolHolidays | None:
    """The region's school holidays: the operator's setting first, else the bundled Land file."""
    own = (getattr(settings, "TRANSIT_SCHOOL_HOLIDAYS", None) or {}).get(region.slug)
    if own:
        return SchoolHolidays(_periods(own), str(_("setting TRANSIT_SCHOOL_HOLIDAYS")))
    path = BUNDLED_SCHOOL_HOLIDAYS.get(land or "")
    return _bundled(path) if path else None


def classify(
    day: dt.date, holidays_: dict[dt.date, str], school: SchoolHolidays | None
) -> str | None:
    """The day type of ``day`` (None: a weekday whose school status is unknown)."""
    if day.weekday() == 6 or day in holidays_:
        return SUNDAY
    if day.weekday() == 5:
        return SATURDAY
    if school is None:
        return None
    return HOLIDAY_WEEKDAY if school.contains(day) else SCHOOL_WEEKDAY


def choose_dates(
    valid_from: dt.date,
    valid_to: dt.date,
    service_date: dt.date,
    holidays_: dict[dt.date, str],
    school: SchoolHolidays | None,
) -> dict[str, dt.date | None]:
    """One date per day type inside the validity, nearest to ``service_date`` (None: none).

    Without school holidays every weekday counts as a school weekday (nothing says otherwise)
    and there is no school-holiday weekday.
    """
    best: dict[str, tuple[tuple, dt.date]] = {}
    day = valid_from
    while day <= valid_to:
        kind = classify(day, holidays_, school)
        if kind is None:
            kind = SCHOOL_WEEKDAY
        if kind == SUNDAY and day.weekday() != 6:
            kind = ""  # a weekday holiday: Sunday timetable, but pick a real Sunday
        if kind:
            distance = abs((day - service_date).days)
            midweek = 0 if kind != SCHOOL_WEEKDAY or day.weekday() in (1, 2, 3) else 1
            rank = (midweek, distance, day)
            if kind not in best or rank < best[kind][0]:
                best[kind] = (rank, day)
        day += dt.timedelta(days=1)
    return {k: (best[k][1] if k in best else None) for k in DAY_TYPES}


def feed_windows(feed) -> dict[str, tuple[int, int]]:
    """The feed's windows (``Feed.day_type_windows``), else the defaults."""
    own = feed.day_type_windows or {}
    return {k: tuple(own[k]) if k in own else v for k, v in DEFAULT_WINDOWS.items()}


def parse_windows(text: str) -> dict[str, tuple[int, int]]:
    """``"morning=06:00-09:00,evening=18:00-21:00"`` → windows; raises AccessError."""
    from nahraum.access import AccessError

    from .feeds import parse_window

    out: dict[str, tuple[int, int]] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, _sep, window = part.partition("=")
        if key.strip() not in DEFAULT_WINDOWS:
            raise AccessError(
                f"windows {text!r}: unknown window {key.strip()!r}; "
                f"known: {', '.join(DEFAULT_WINDOWS)}"
            )
        out[key.strip()] = parse_window(window)
    return out


def hm(seconds: float | None) -> str:
    """Seconds after midnight as HH:MM (24:xx past midnight), "–" for None."""
    if seconds is None:
        return "–"
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"
