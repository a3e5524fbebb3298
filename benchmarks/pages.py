"""One page at a time for a signed-in visitor: render time (best of five), queries, bytes.

The load benchmark (load.py) shows what many visitors see; this shows where one page's time
goes, without the page cache (every request comes from a fresh browser session, as a first
visit does). Needs a database with the bundled region: `nahraum demo --no-serve` first, with the
same NAHRAUM_DATA_DIR / DATABASE_URL.

    python benchmarks/pages.py [/de/ /de/transit/ …]
"""

from __future__ import annotations

import logging
import sys
import time

from nahraum.bootstrap import setup_django

PAGES = ["/de/", "/de/analysis/", "/de/transit/", "/de/strategy/", "/de/participation/"]


def main(paths: list[str]) -> None:
    setup_django()
    logging.disable(logging.INFO)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client

    settings.DEBUG = True  # counts the queries
    user = get_user_model().objects.filter(is_active=True, role="citizen").first()
    print(f"{'page':32} {'ms':>7} {'queries':>8} {'bytes':>8}   (signed in as {user})")
    for path in paths:
        times = []
        for _ in range(6):
            client = Client()
            client.force_login(user)
            reset_queries()
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
        n = len(connection.queries)
        best = min(times[1:]) * 1000
        print(f"{path:32} {best:7.1f} {n:8d} {len(response.content):8d}   ({response.status_code})")


if __name__ == "__main__":
    main(sys.argv[1:] or PAGES)
