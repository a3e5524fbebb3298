"""The demand-responsive engine's view of the Rufbus services: which run on a day, and their
areas as the engine's :class:`~nahraum.access.transit.DemandResponsive`, projected to metres.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from nahraum.access.projection import to_utm

from .models import DemandResponsiveService


def drt_for_day(region, day: dt.date) -> list[DemandResponsiveService]:
    return [
        d
        for d in DemandResponsiveService.objects.filter(region=region)
        if day.weekday() in (d.weekdays or [])
    ]


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def drt_engine(services: list[DemandResponsiveService]):
    """The services as the engine's :class:`DemandResponsive` areas, projected to metres."""
    import shapely
    from shapely.geometry import shape

    from nahraum.access.transit import DemandResponsive

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(to_utm(coords[:, 0], coords[:, 1]))

    out = []
    for d in services:
        area = shapely.transform(shape(d.area), project)
        shapely.prepare(area)
        out.append(
            DemandResponsive(
                d.name,
                area,
                _seconds(d.start),
                _seconds(d.end),
                d.max_wait_min * 60.0,
                speed_kmh=d.speed_kmh,
            )
        )
    return out
