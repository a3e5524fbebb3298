"""Snapped points as search seeds and sinks: checks, their fraction along the street, their
access legs and the (node, cost) legs by which a search leaves or arrives at them. Shared by
``route`` (queries) and ``isochrone`` (reach); see ``route``'s docstring for the model."""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from .errors import AccessError
from .graph import ACCESS_SPEED_MS, Network, check_network
from .snap import Snapped


def other_weight(weight: str) -> str:
    if weight not in ("time", "distance"):
        raise AccessError(f"unknown weight {weight!r}; known: time, distance")
    return "distance" if weight == "time" else "time"


def check_points(network: Network, pts: Snapped, what: str) -> None:
    """Refuse points that do not belong to ``network`` (by its checksum where they carry one:
    another network's edge indices may well be in range and give plausible, wrong costs)."""
    check_network(network, what)
    if not isinstance(pts, Snapped):
        raise AccessError(
            f"{what} must be Snapped points (see nahraum.access.snap), got {type(pts).__name__}"
        )
    if pts.network is not None and pts.network != network.checksum:
        raise AccessError(
            f"{what} were snapped to another network (checksum {pts.network[:12]}…, "
            f"this one {network.checksum[:12]}…); snap them to this network"
        )
    if pts.edge.size and pts.edge.max() >= network.n_edges:
        raise AccessError(f"{what} were snapped to another network (edge index out of range)")


def access_cost(pts: Snapped, weight: str) -> np.ndarray:
    acc = np.nan_to_num(pts.access_m, nan=0.0)
    return acc / ACCESS_SPEED_MS if weight == "time" else acc


def frac(network: Network, pts: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    valid = pts.edge >= 0
    e = np.where(valid, pts.edge, 0)
    length = network.length_m[e]
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(length > 0, pts.offset_m / length, 0.0)
    f = np.clip(np.nan_to_num(f, nan=0.0), 0.0, 1.0)
    return valid, e, f


def tails(network: Network, pts: Snapped) -> np.ndarray:
    """Tail node of each point's edge (carried by the points, else looked up)."""
    if pts.tail is not None:
        return pts.tail
    return np.where(pts.edge >= 0, network.tail[np.maximum(pts.edge, 0)], -1)


def legs(network: Network, pts: Snapped, weight: str, kind: str):
    """(node_a, cost_a, cost2_a, node_b, cost_b, cost2_b) for leaving or arriving at points.

    Node ``-1`` marks a leg that does not exist (one-way street) or is dominated (a point lying
    exactly on a node needs only that node). ``cost2`` is in the other unit (metres ↔ s)."""
    other = other_weight(weight)
    rate = 1.0 / ACCESS_SPEED_MS if weight == "time" else 1.0
    rate2 = 1.0 / ACCESS_SPEED_MS if other == "time" else 1.0
    n = len(pts)
    out = (
        np.empty(n, np.int64),
        np.empty(n),
        np.empty(n),
        np.empty(n, np.int64),
        np.empty(n),
        np.empty(n),
    )
    K.legs(
        tails(network, pts),
        network.indices,
        network.twins,
        network.weights(weight),
        network.weights(other),
        pts.edge,
        pts.offset_m,
        pts.access_m,
        network.length_m,
        rate,
        rate2,
        kind == "leave",
        *out,
    )
    return out
