"""The journey model's parameters and demand-responsive services (see :mod:`.transit`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import ACCESS_SPEED_MS


@dataclass(frozen=True)
class TransitParams:
    """Parameters of the journey model (defaults: typical German planning practice)."""

    window: tuple[int, int] = (7 * 3600, 9 * 3600)  # departure minutes [start, end)
    step_s: int = 60
    max_access_s: float = 900.0  # 15 min on foot to the first stop (≈ 1.25 km at 5 km/h)
    max_egress_s: float = 900.0
    max_transfer_s: float = 300.0  # one walk of up to 5 min between stops when changing
    max_time_s: float = 3 * 3600.0  # longer journeys count as unreachable (inf)
    walk_speed_ms: float = ACCESS_SPEED_MS  # used without a street network and for access legs
    detour: float = 1.3  # straight line → street distance without a network
    max_snap_m: float = 500.0
    #: minimum time between alighting and boarding at the same stop where transfers.txt says
    #: nothing (0: a bus waiting at the stop can be caught at once, as the timetable says)
    min_change_s: float = 0.0

    def departures(self) -> np.ndarray:
        return np.arange(self.window[0], self.window[1], self.step_s, dtype=np.int64)


@dataclass(frozen=True)
class DemandResponsive:
    """An area-based demand-responsive service (Rufbus / On-Demand-Verkehr)."""

    name: str
    area: object  # shapely (Multi)Polygon in the network's CRS
    start_s: int  # first pick-up, seconds after midnight
    end_s: int  # last pick-up
    max_wait_s: float
    speed_kmh: float = 30.0
    detour: float = 1.3
    #: the only stops it serves, as (x, y) in the same CRS (GTFS-Flex: a zone paired with a
    #: location group, e.g. "anywhere in the village to the station"); None: every stop inside
    #: the area. Named stops may lie outside the area (the station in the town).
    stops: tuple[tuple[float, float], ...] | None = None

    def ride_s(self, dx: np.ndarray) -> np.ndarray:
        return np.asarray(dx) * self.detour / (self.speed_kmh / 3.6)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        import shapely

        return shapely.contains_xy(self.area, np.asarray(x, float), np.asarray(y, float))

    def serves_stops(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The stops where it picks up and drops off: inside the area, or the named ``stops``
        only (matched within 1 m) when the service names them."""
        if self.stops is None:
            return self.contains(x, y)
        x, y = np.asarray(x, float), np.asarray(y, float)
        if not self.stops or not len(x):
            return np.zeros(len(x), dtype=bool)
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(np.asarray(self.stops, float)).query(np.column_stack([x, y]))
        return dist <= 1.0
