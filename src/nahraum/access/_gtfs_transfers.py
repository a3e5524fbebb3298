"""transfers.txt: the stop-to-stop rules the journey engine applies (types 0–3).

Kept in the :class:`~.gtfs_feed.Feed` as stop positions (stations stay stations: they are
expanded to their platforms when a day's timetable is made, see
:func:`nahraum.access.gtfs.transfer_rules`). Rows the engine cannot apply are dropped and
reported: trip-to-trip and route-to-route rows (``from_trip_id``, ``from_route_id``, …; the
engine knows stops, not which trip a change comes from), in-seat transfers (types 4, 5), rows
at entrances, and type 2 rows without a ``min_transfer_time``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gtfs_fields import Dropped, GTFSError, col, parse_ints

COLUMNS = (
    "from_stop_id",
    "to_stop_id",
    "transfer_type",
    "min_transfer_time",
    "from_route_id",
    "to_route_id",
    "from_trip_id",
    "to_trip_id",
)

NAMES = ("tr_from", "tr_to", "tr_type", "tr_min")


def empty_transfers() -> dict:
    """The Feed fields for a feed without transfers.txt."""
    return {
        "tr_from": np.zeros(0, np.int32),
        "tr_to": np.zeros(0, np.int32),
        "tr_type": np.zeros(0, np.int8),
        "tr_min": np.zeros(0, np.int32),
    }


def read_transfers(
    transfers: pd.DataFrame | None, stop_index: dict[str, int], to_kept: np.ndarray, dropped: list
) -> dict:
    """transfers.txt → ``tr_from``, ``tr_to`` (stop positions), ``tr_type``, ``tr_min`` (s, -1
    if not given). Errors name the row and field: a bad type or time, an unknown stop id."""
    if transfers is None or not len(transfers):
        return empty_transfers()
    f = "transfers.txt"
    kind = parse_ints(
        col(transfers, "transfer_type"), f, "transfer_type", allowed=(0, 1, 2, 3, 4, 5), default=0
    )
    raw_min = col(transfers, "min_transfer_time").str.strip()
    has_min = (raw_min != "").to_numpy()
    min_s = np.full(len(transfers), -1, np.int64)
    if has_min.any():
        min_s[has_min] = _ints_at(raw_min, has_min, f)
    keep = np.ones(len(transfers), bool)
    by_trip = np.zeros(len(transfers), bool)
    for name in ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id"):
        by_trip |= (col(transfers, name).str.strip() != "").to_numpy()
    _drop(
        dropped,
        transfers,
        by_trip & keep,
        "trip-to-trip and route-to-route transfers are not "
        "modelled (the engine applies rules per stop pair)",
    )
    keep &= ~by_trip
    in_seat = kind >= 4
    _drop(dropped, transfers, in_seat & keep, "in-seat transfers (types 4, 5) are not modelled")
    keep &= ~in_seat
    no_min = (kind == 2) & ~has_min
    _drop(dropped, transfers, no_min & keep, "type 2 without min_transfer_time: no time to apply")
    keep &= ~no_min
    stops = {}
    for name in ("from_stop_id", "to_stop_id"):
        ids = col(transfers, name).str.strip()
        blank = (ids == "").to_numpy() & keep
        if blank.any():
            i = int(np.flatnonzero(blank)[0])
            raise GTFSError(f, "a stop id is required here", row=i + 2, field=name)
        pos = np.full(len(transfers), -1, np.int64)
        rows = np.flatnonzero(keep)
        if len(rows):
            # an unknown id is an error naming its row, as in the other files
            found = ids.iloc[rows].map(stop_index)
            missing = found.isna().to_numpy()
            if missing.any():
                i = int(rows[np.flatnonzero(missing)[0]])
                raise GTFSError(f, f"unknown stop id {ids.iloc[i]!r}", row=i + 2, field=name)
            pos[rows] = to_kept[found.to_numpy().astype(np.int64)]
        stops[name] = pos
    at_entrance = keep & ((stops["from_stop_id"] < 0) | (stops["to_stop_id"] < 0))
    _drop(dropped, transfers, at_entrance, "refers to an entrance or generic node (dropped)")
    keep &= ~at_entrance
    return {
        "tr_from": stops["from_stop_id"][keep].astype(np.int32),
        "tr_to": stops["to_stop_id"][keep].astype(np.int32),
        "tr_type": kind[keep].astype(np.int8),
        "tr_min": min_s[keep].astype(np.int32),
    }


def _ints_at(values: pd.Series, rows: np.ndarray, file: str) -> np.ndarray:
    out = pd.to_numeric(values[rows], errors="coerce")
    bad = (out.isna() | (out != out.round()) | (out < 0)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(rows)[np.flatnonzero(bad)[0]])
        raise GTFSError(
            file,
            f"invalid value {values.iloc[i]!r} (expected a whole number ≥ 0)",
            row=i + 2,
            field="min_transfer_time",
        )
    return out.to_numpy().astype(np.int64)


def _drop(dropped: list, df: pd.DataFrame, rows: np.ndarray, reason: str) -> None:
    if rows.any():
        ex = (
            col(df, "from_stop_id")[rows].head(5) + "→" + col(df, "to_stop_id")[rows].head(5)
        ).tolist()
        dropped.append(Dropped("transfers.txt", reason, int(rows.sum()), ex))
