"""Autouse fixtures several test areas share; an area takes them by importing them into its
conftest (``from tests.fixtures import fast_passwords, fresh_cache``), which makes them apply to
every test of that area only."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle and rate-limit counters live in the cache and would carry over between tests
    (same user ids, same client address); each test starts and ends without any."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """A fast hasher for the fixtures' accounts: these tests are not about PBKDF2's cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
