"""The start the benchmarks share: Django on a data directory with the bundled region loaded.

Kept in one place so the benchmarks measure on the same footing: a fresh temporary data
directory unless ``NAHRAUM_DATA_DIR`` is set (a directory where ``nahraum demo`` ran loads in
seconds), migrated, and the bundled region imported through the ordinary importers.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any


def bundled_region(prefix: str) -> Any:
    """Set up Django (data dir under ``prefix`` unless set), load the bundled region, return it."""
    if "NAHRAUM_DATA_DIR" not in os.environ:
        os.environ["NAHRAUM_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    from nahraum.cli import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from nahraum.data.bundled import ensure_bundled_region
    from nahraum.region.models import Region

    ensure_bundled_region(echo=lambda *a, **k: None)
    return Region.objects.order_by("pk").first()
