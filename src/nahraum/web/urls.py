"""URL map: one include per app, German and English under /de/ and /en/ via i18n_patterns."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", include("nahraum.web.health")),  # no language prefix, no login (ops)
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("nahraum.accounts.urls")),
    path("analysis/", include("nahraum.analysis.urls")),
    path("transit/", include("nahraum.transit.urls")),
    path("scenarios/", include("nahraum.scenarios.urls")),
    path("participation/", include("nahraum.participation.urls")),
    path("strategy/", include("nahraum.strategy.urls")),
    path("jobs/", include("nahraum.jobs.urls")),
    path("", include("nahraum.region.urls")),
    prefix_default_language=True,
)

# German-first error pages of the platform (nahraum.web.views), not Django's.
handler400 = "nahraum.web.views.bad_request"
handler403 = "nahraum.web.views.permission_denied"
handler404 = "nahraum.web.views.page_not_found"
handler500 = "nahraum.web.views.server_error"
