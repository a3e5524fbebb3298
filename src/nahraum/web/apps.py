from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "nahraum.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        # Every change to the data apps' models makes the cached public pages stale.
        from .pagecache import connect_data_signals

        connect_data_signals()
