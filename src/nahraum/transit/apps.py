from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransitConfig(AppConfig):
    name = "nahraum.transit"
    label = "transit"
    verbose_name = _("Public transport")
