from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "nahraum.analysis"
    label = "analysis"
    verbose_name = _("Analysis")

    def ready(self) -> None:
        # The region's overview and district pages show the supply figures through the
        # region's panel registry (the region never imports this app).
        from . import panels

        panels.register()
