"""Street networks: the graph (:mod:`.graph`) and its building from OpenStreetMap (:mod:`.osm`).

This module only gathers both for callers that import from ``nahraum.access.network`` (apps,
tests, benchmarks); the engine's own modules import from ``graph`` and ``osm`` directly.
"""

from __future__ import annotations

from .graph import (
    ACCESS_SPEED_MS,
    BIKE_SPEED_KMH,
    DEFAULT_CAR_SPEED_KMH,
    MODE_SPEEDS_KMH,
    WALK_SPEED_KMH,
    Network,
    load_network,
    network_from_edges,
    save_network,
)
from .osm import (
    ACCESS_KEYS,
    ALLOWED,
    BIKE_HIGHWAYS,
    BUILD_VERSION,
    CAR_HIGHWAYS,
    CAR_SPEEDS_KMH,
    CONDITIONAL_HIGHWAYS,
    DENIED,
    MAXSPEED_WORDS,
    MODE_HIGHWAYS,
    WALK_HIGHWAYS,
    build_networks,
    file_sha256,
    parse_maxspeed,
)

__all__ = [
    "ACCESS_KEYS",
    "ACCESS_SPEED_MS",
    "ALLOWED",
    "BIKE_HIGHWAYS",
    "BIKE_SPEED_KMH",
    "BUILD_VERSION",
    "CAR_HIGHWAYS",
    "CAR_SPEEDS_KMH",
    "CONDITIONAL_HIGHWAYS",
    "DEFAULT_CAR_SPEED_KMH",
    "DENIED",
    "MAXSPEED_WORDS",
    "MODE_HIGHWAYS",
    "MODE_SPEEDS_KMH",
    "WALK_HIGHWAYS",
    "WALK_SPEED_KMH",
    "Network",
    "build_networks",
    "file_sha256",
    "load_network",
    "network_from_edges",
    "parse_maxspeed",
    "save_network",
]
