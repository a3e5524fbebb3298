"""Networks shared by the routing and isochrone tests."""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access import network_from_edges


@pytest.fixture(scope="module")
def grid():
    """3 × 3 nodes, 100 m apart, walked at 3.6 km/h (1 m/s): times equal metres."""
    xs, ys = np.meshgrid(np.arange(3) * 100.0, np.arange(3) * 100.0)
    u, v = [], []
    for r in range(3):
        for c in range(3):
            k = r * 3 + c
            if c < 2:
                u.append(k), v.append(k + 1)
            if r < 2:
                u.append(k), v.append(k + 3)
    return network_from_edges(xs.ravel(), ys.ravel(), u, v, np.full(len(u), 100.0), speed_kmh=3.6)
