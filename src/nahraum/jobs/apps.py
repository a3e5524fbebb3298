from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "nahraum.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # The kinds of this app (jobs.sleep for tests and health checks), the rules, and extra
        # kind modules named in NAHRAUM_EXTRA_JOB_MODULES (e.g. a test's slow kind in a worker).
        from . import jobs, rules  # noqa: F401
        from .registry import load_extra_modules

        load_extra_modules()
