from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "nahraum.participation"
    label = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        # Contribute this app's part of a person's data download (GDPR self-service).
        from nahraum.accounts.privacy import register_exporter

        from .privacy import export_personal_data

        register_exporter("participation", export_personal_data)
