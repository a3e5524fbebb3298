import tests.jobs.kinds  # noqa: F401  (the test kinds register on import)
from tests.fixtures import fast_passwords, fresh_cache  # noqa: F401  (autouse)
