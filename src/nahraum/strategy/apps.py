from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "nahraum.strategy"
    label = "strategy"
    verbose_name = _("Strategy")

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the job kind strategy.report_pdf)
