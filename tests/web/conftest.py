"""Fixtures for the browser tests of the region pages.

The live server runs in another thread with its own database connection, so the tiny region
must be committed, not hidden in a test transaction: ``live_region`` asks for
``transactional_db`` before building it.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def live_region(transactional_db, tiny_region, live_server):
    """The tiny region, committed and served; returns the live server's base URL."""
    return live_server.url


@pytest.fixture
def live_supply(transactional_db, tiny_region, live_server):
    """The tiny region with a hand-built analysis run and timetable feed, committed and served."""
    from tests.region.supply_data import build_supply_results

    build_supply_results(tiny_region)
    return live_server.url
