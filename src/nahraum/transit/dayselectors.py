"""What the pages show of the day types: the table day type × window and the indicators per
Ortsteil with their norms (read from the stored rows; the norms applied when shown, so a changed
norm needs no new run).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from . import daytypes
from .models import DayTypeService, DayTypeTime, Feed
from .travel import weighted_median


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def day_columns(feed: Feed) -> list[dict[str, Any]]:
    """The day types with the date used for each (None: the feed has no such day)."""
    dates = (feed.day_types or {}).get("dates", {})
    return [
        {"key": k, "label": label, "date": _date(dates.get(k))}
        for k, label in daytypes.DAY_TYPES.items()
    ]


def district_indicators(feed: Feed, district=None) -> list[dict[str, Any]]:
    """Per Ortsteil: departures per day type and the three indicators against their norms.

    A flag is True where the norm is missed, False where it is met, None where it does not
    apply (no Sunday date, the Kernstadt itself for the last trip back, no departures on school
    weekdays for the holiday gap).
    """
    norms = daytypes.norms()
    has_core = (feed.day_types or {}).get("has_core", True)
    qs = DayTypeService.objects.filter(feed=feed).select_related(
        "district", "district__municipality"
    )
    if district is not None:
        qs = qs.filter(district=district)
    by_district: dict[int, dict[str, DayTypeService]] = {}
    for row in qs.defer("district__boundary", "district__municipality__boundary"):
        by_district.setdefault(row.district_id, {})[row.day_type] = row
    out = []
    for rows in by_district.values():
        d = next(iter(rows.values())).district
        deps = {k: (rows[k].departures if k in rows else None) for k in daytypes.DAY_TYPES}
        sunday = rows.get(daytypes.SUNDAY)
        weekday = rows.get(daytypes.SCHOOL_WEEKDAY)
        holiday = rows.get(daytypes.HOLIDAY_WEEKDAY)
        back = weekday.last_back_s if weekday else None
        loss = None
        if weekday and holiday and weekday.departures:
            loss = 100.0 * (1 - holiday.departures / weekday.departures)
        out.append(
            {
                "district": d,
                "departures": [deps[k] for k in daytypes.DAY_TYPES],
                "stops": weekday.stops if weekday else 0,
                "no_sunday": None
                if sunday is None
                else sunday.departures < norms["min_sunday_departures"],
                "last_back": daytypes.hm(back) if back is not None else None,
                "last_back_flag": None
                if weekday is None or d.kind == "core" or not has_core
                else (back is None or back < norms["last_back_not_before"]),
                "holiday_loss": loss,
                "holiday_gap": None if loss is None else loss > 100 * norms["max_holiday_loss"],
            }
        )
    out.sort(
        key=lambda r: (r["district"].municipality.name, r["district"].kind, r["district"].name)
    )
    return out


def time_table(feed: Feed, district=None) -> list[dict[str, Any]]:
    """Rows day type × window: median and fastest minutes to the Kernstadt and each target type.

    For one Ortsteil its own values; for the region the population-weighted median over the
    Ortsteile.
    """
    import numpy as np

    qs = DayTypeTime.objects.filter(feed=feed)
    if district is not None:
        qs = qs.filter(district=district)
    cells: dict[tuple, list] = {}
    meta: dict[tuple, tuple] = {}
    for r in qs.values_list(
        "day_type",
        "window",
        "window_start",
        "window_end",
        "target",
        "median_min",
        "best_min",
        "population",
        "service_date",
    ):
        cells.setdefault((r[0], r[1], r[4]), []).append((r[5], r[6], r[7]))
        meta[(r[0], r[1])] = (r[2], r[3], r[8])
    targets = sorted({k[2] for k in cells}, key=lambda t: (t != "core", t))
    order = list(daytypes.DAY_TYPES)
    windows = list(daytypes.DEFAULT_WINDOWS)
    rows = []
    for (day, window), (start, end, date) in sorted(
        meta.items(), key=lambda kv: (order.index(kv[0][0]), windows.index(kv[0][1]))
    ):
        values = []
        for t in targets:
            vals = cells.get((day, window, t), [])
            pop = np.array([v[2] for v in vals], float)
            med = [np.inf if v[0] is None else v[0] for v in vals]
            best = [np.inf if v[1] is None else v[1] for v in vals]
            values.append(
                {
                    "median": weighted_median(np.array(med, float), pop) if vals else None,
                    "best": weighted_median(np.array(best, float), pop) if vals else None,
                }
            )
        rows.append(
            {
                "day_type": daytypes.DAY_TYPES[day],
                "day_order": order.index(day),
                "date": date,
                "window": daytypes.WINDOW_LABELS.get(window, window),
                "window_span": f"{daytypes.hm(start)}–{daytypes.hm(end)}",
                "values": values,
            }
        )
    return rows, targets


def target_labels(targets: list[str]) -> list[str]:
    from nahraum.region.models import FacilityType

    names = {t.key: str(t.name) for t in FacilityType.objects.filter(key__in=targets)}
    return [_("core town") if t == "core" else names.get(t, t) for t in targets]


def day_type_context(feed: Feed | None, district=None) -> dict[str, Any]:
    """Everything the day-type panel needs (``{"day_types": None}`` before the first run)."""
    if feed is None or not (feed.day_types or {}).get("dates"):
        return {"day_types": None}
    rows, targets = time_table(feed, district)
    norms = daytypes.norms()
    return {
        "day_types": {
            "feed": feed,
            "info": feed.day_types,
            "columns": day_columns(feed),
            "indicators": district_indicators(feed, district),
            "time_rows": rows,
            "targets": target_labels(targets),
            "norms": {
                "min_sunday_departures": int(norms["min_sunday_departures"]),
                "last_back_not_before": daytypes.hm(norms["last_back_not_before"]),
                "max_holiday_loss": round(100 * norms["max_holiday_loss"]),
            },
            "single": district is not None,
        }
    }
