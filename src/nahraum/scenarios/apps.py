from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenariosConfig(AppConfig):
    name = "nahraum.scenarios"
    label = "scenarios"
    verbose_name = _("Scenarios")

    def ready(self) -> None:
        # the demand-responsive mode ("drt") that scenarios with a service area use
        from . import jobs  # noqa: F401  (registers the job kinds scenarios.run, scenarios.locate)
        from .drt import register

        register()
