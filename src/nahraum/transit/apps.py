from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransitConfig(AppConfig):
    name = "nahraum.transit"
    label = "transit"
    verbose_name = _("Public transport")

    def ready(self) -> None:
        # The analysis learns the mode "transit" from us (it never imports this app itself).
        # …and contributes its ÖV-Güteklassen panels to the region's pages the same way.
        from . import (
            jobs,  # noqa: F401  (registers the job kind transit.import_gtfs)
            panels,
        )
        from .services import register

        register()
        panels.register()
