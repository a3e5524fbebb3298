from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionConfig(AppConfig):
    name = "nahraum.region"
    label = "region"
    verbose_name = _("Region")
