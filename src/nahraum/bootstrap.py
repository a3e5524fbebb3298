"""Set Django up outside a web request: for the command line, job workers and notebooks.

It lives apart from :mod:`nahraum.cli` so that every app's commands can call it without importing
the command-line entry point, which itself imports the apps' command groups (an import cycle).
"""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure Django once; commands that touch the database call this first."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nahraum.web.settings")
    import django

    django.setup()
