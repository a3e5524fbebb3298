from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "nahraum.web"
    label = "web"
    verbose_name = "Web"
