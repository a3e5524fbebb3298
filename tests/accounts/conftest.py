import pytest


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counters live in the cache; each test starts without any."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """A fast hasher: these tests are about the account flows, not about PBKDF2's cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def reset_language():
    """Requests to /en/ leave English active in the thread; give the next test German again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
