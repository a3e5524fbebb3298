"""Geometry of the Gantt-style timeline, computed on the server and drawn as SVG.

Drawing on the server keeps the chart readable without JavaScript, in print and in the PDF, and
keeps one source for the chart and the table beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

LABEL_WIDTH = 280
CHART_WIDTH = 720
ROW_HEIGHT = 26
TOP = 30


@dataclass
class Bar:
    label: str
    y: float
    x: float | None = None
    width: float | None = None
    status: str = ""
    kind: str = "project"
    reached: bool = False
    url: str = ""
    milestones: list[dict] = field(default_factory=list)


@dataclass
class Timeline:
    width: int
    height: int
    label_width: int
    years: list[dict]
    bars: list[Bar]
    today_x: float | None
    start: dt.date | None
    end: dt.date | None


def _dates(projects: list[Any]) -> list[dt.date]:
    found = []
    for p in projects:
        found += [d for d in (p.planned_start, p.planned_end) if d]
        for m in p.milestones.all():
            found += [d for d in (m.planned_start, m.planned_end, m.actual_end) if d]
    return found


def build_timeline(projects: list[Any], *, today: dt.date | None = None) -> Timeline:
    """Rows of bars (projects, planned start → end) with milestone marks at their planned end."""
    dates = _dates(projects)
    height = TOP + ROW_HEIGHT * max(1, len(projects)) + 10
    if not dates:
        return Timeline(LABEL_WIDTH + CHART_WIDTH, height, LABEL_WIDTH, [], [], None, None, None)
    start = dt.date(min(dates).year, 1, 1)
    end = dt.date(max(dates).year + 1, 1, 1)
    span = (end - start).days

    def x(day: dt.date) -> float:
        return round(LABEL_WIDTH + (day - start).days / span * CHART_WIDTH, 1)

    years = [{"year": y, "x": x(dt.date(y, 1, 1))} for y in range(start.year, end.year)]
    bars = []
    for i, p in enumerate(projects):
        y = TOP + i * ROW_HEIGHT
        bar = Bar(label=p.title, y=y, status=p.status)
        if p.planned_start and p.planned_end:
            bar.x = x(p.planned_start)
            bar.width = max(2.0, x(p.planned_end) - bar.x)
        for m in p.milestones.all():
            bar.milestones.append(
                {
                    "title": m.title,
                    "x": x(m.actual_end or m.planned_end),
                    "reached": m.reached,
                    "date": m.actual_end or m.planned_end,
                }
            )
        bars.append(bar)
    today_x = x(today) if today and start <= today < end else None
    return Timeline(
        LABEL_WIDTH + CHART_WIDTH + 10, height, LABEL_WIDTH, years, bars, today_x, start, end
    )
