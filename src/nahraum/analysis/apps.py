from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "nahraum.analysis"
    label = "analysis"
    verbose_name = _("Analysis")

    def ready(self) -> None:
        # The region's overview and district pages show the supply figures through the
        # region's panel registry (the region never imports this app).
        from nahraum.data import jobs as data_jobs  # noqa: F401  (data.import_region: no app)

        from . import (
            jobs,  # noqa: F401  (registers analysis.run, analysis.network_build)
            panels,
        )

        panels.register()
