# Cache (throttle counters) and password hasher: the shared autouse fixtures; the language is
# reset after every test by tests/conftest.py.
from tests.fixtures import fast_passwords, fresh_cache  # noqa: F401
